/* Sizes and memory as errors (issue 7, items 3 and 4): the checked
 * multiply on edge values, the error-prefix helper, the trace generators
 * refusing log heights that would overflow their size computations, and
 * allocation failure injected at every allocation of a whole prove + verify
 * (each must come back as CAIRN_ERR_NOMEM with a message, never a crash, a
 * leak or a silently wrong proof). */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "stark/machines.h"
#include "stark/ntt.h"
#include "stark/stark.h"
#include "testutil.h"

static void test_mul_size(void)
{
    size_t r = 7;
    CU_ASSERT_EQUAL(cairn_mul_size(&r, 0, SIZE_MAX), 1);
    CU_ASSERT_EQUAL(r, 0);
    CU_ASSERT_EQUAL(cairn_mul_size(&r, SIZE_MAX, 1), 1);
    CU_ASSERT_EQUAL(r, SIZE_MAX);
    CU_ASSERT_EQUAL(cairn_mul_size(&r, SIZE_MAX, 2), 0);
    CU_ASSERT_EQUAL(r, SIZE_MAX);
    CU_ASSERT_EQUAL(cairn_mul_size(&r, (size_t)1 << 32, (size_t)1 << 31), 1);
    CU_ASSERT_EQUAL(r, (size_t)1 << 63);
    CU_ASSERT_EQUAL(cairn_mul_size(&r, (size_t)1 << 32, (size_t)1 << 32), 0);
    /* the largest product that fits, and one past it */
    CU_ASSERT_EQUAL(cairn_mul_size(&r, SIZE_MAX / 3, 3), 1);
    CU_ASSERT_EQUAL(r, SIZE_MAX / 3 * 3);
    CU_ASSERT_EQUAL(cairn_mul_size(&r, SIZE_MAX / 3 + 1, 3), 0);
    /* the shapes of issue 7: 2^62 rows of 2 and 3 columns of 8 bytes */
    CU_ASSERT_EQUAL(cairn_mul_size(&r, (size_t)1 << 62, 2 * sizeof(gl_t)), 0);
    CU_ASSERT_EQUAL(cairn_mul_size(&r, (size_t)1 << 62, 3 * sizeof(gl_t)), 0);
    /* allocation wrappers refuse products that overflow, without the hook */
    CU_ASSERT_PTR_NULL(cairn_malloc_array(SIZE_MAX / 2, 3));
    CU_ASSERT_PTR_NULL(cairn_calloc((size_t)1 << 62, 8));
    CU_ASSERT_PTR_NULL(cairn_malloc(SIZE_MAX));
    void *p = cairn_malloc_array(0, 8); /* never NULL for zero bytes */
    CU_ASSERT_PTR_NOT_NULL(p);
    free(p);
}

static void test_alloc_hook(void)
{
    cairn_alloc_fail_after(2);
    void *a = cairn_malloc(8), *b = cairn_calloc(2, 8), *c = cairn_malloc(8), *d = cairn_malloc(8);
    CU_ASSERT_PTR_NOT_NULL(a);
    CU_ASSERT_PTR_NOT_NULL(b);
    CU_ASSERT_PTR_NULL(c); /* the third one fails ... */
    CU_ASSERT_PTR_NOT_NULL(d); /* ... and only it */
    CU_ASSERT(cairn_alloc_fail_fired());
    free(a);
    free(b);
    free(d);
    cairn_alloc_fail_after(-1);
    CU_ASSERT(!cairn_alloc_fail_fired());
    a = cairn_malloc(8);
    CU_ASSERT_PTR_NOT_NULL(a);
    free(a);
}

static void test_nomem_message(void)
{
    cairn_err e = cairn_fail_nomem((size_t)3 << 29, "stark_prove: out of memory for the main LDE of table %s", "fib");
    CU_ASSERT_EQUAL(e, CAIRN_ERR_NOMEM);
    CU_ASSERT_STRING_EQUAL(cairn_last_error(),
                           "stark_prove: out of memory for the main LDE of table fib (needed 1.5 GiB)");
    CU_ASSERT_EQUAL(cairn_nomem_needed(), (size_t)3 << 29);
    cairn_fail_nomem(100, "x");
    CU_ASSERT_STRING_EQUAL(cairn_last_error(), "x (needed 100 bytes)");
    cairn_fail_nomem(SIZE_MAX, "x");
    CU_ASSERT_STRING_EQUAL(cairn_last_error(), "x (needed more than the address space)");
}

static void test_prefix_error(void)
{
    cairn_fail(CAIRN_ERR_FORMAT, "original");
    CU_ASSERT_EQUAL(cairn_prefix_error(CAIRN_ERR_FORMAT, "a"), CAIRN_ERR_FORMAT);
    CU_ASSERT_EQUAL(cairn_prefix_error(CAIRN_ERR_USAGE, "%s", "b"), CAIRN_ERR_USAGE);
    CU_ASSERT_STRING_EQUAL(cairn_last_error(), "b: a: original");
    /* an argument pointing into the message itself is fine */
    cairn_fail(CAIRN_ERR_FORMAT, "x");
    cairn_prefix_error(CAIRN_ERR_FORMAT, "%s", cairn_last_error());
    CU_ASSERT_STRING_EQUAL(cairn_last_error(), "x: x");
    /* no message below: the prefix alone */
    cairn_clear_error();
    cairn_prefix_error(CAIRN_ERR_INTERNAL, "ctx %d", 1);
    CU_ASSERT_STRING_EQUAL(cairn_last_error(), "ctx 1");
    /* a long message is cut at the end, keeping the context in front */
    char big[CAIRN_ERROR_MSG_MAX + 500];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cairn_fail(CAIRN_ERR_FORMAT, "%s", big);
    cairn_prefix_error(CAIRN_ERR_FORMAT, "front");
    CU_ASSERT_EQUAL(strncmp(cairn_last_error(), "front: zzz", 10), 0);
    CU_ASSERT(strlen(cairn_last_error()) < CAIRN_ERROR_MSG_MAX);
}

/* A generator must refuse the height with CAIRN_ERR_USAGE, leave its
 * outputs alone and say which height was wrong. */
static void expect_refused(cairn_err e, const char *machine, unsigned log_n)
{
    char want[64];
    snprintf(want, sizeof want, "%s: log height %u out of range", machine, log_n);
    CU_ASSERT_EQUAL(e, CAIRN_ERR_USAGE);
    if (!strstr(cairn_last_error(), want))
        fprintf(stderr, "%s %u: message \"%s\" lacks \"%s\"\n", machine, log_n, cairn_last_error(), want);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), want));
}

static void test_generators_refuse(void)
{
    /* (unsigned)-1 is what "--log-rows -1" became; 62 and 64 overflowed the
     * size computations or the shift */
    const unsigned bad[] = {(unsigned)-1, 0, 62, 64, STARK_MACHINE_MAX_LOG_N + 1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gl_t *main = NULL, *range = NULL, pub[8];
        expect_refused(stark_fib_trace(&main, pub, bad[i], 1), "fib", bad[i]);
        CU_ASSERT_PTR_NULL(main);
        expect_refused(stark_lookup_trace(&main, &range, pub, bad[i], 1), "lookup", bad[i]);
        CU_ASSERT_PTR_NULL(main);
        CU_ASSERT_PTR_NULL(range);
        expect_refused(stark_p2chain_trace(&main, pub, bad[i], 1), "p2chain", bad[i]);
        CU_ASSERT_PTR_NULL(main);
    }
    /* the edges of the range are accepted */
    gl_t *main = NULL, pub[8];
    CU_ASSERT_EQUAL(stark_fib_trace(&main, pub, 1, 1), CAIRN_OK);
    free(main);
    main = NULL;
    CU_ASSERT_EQUAL(stark_p2chain_trace(&main, pub, 1, 1), CAIRN_OK);
    free(main);
}

static void test_prove_refuses_height(void)
{
    air_machine *m;
    CU_ASSERT_EQUAL_FATAL(stark_machine_fib(&m), CAIRN_OK);
    stark_params p;
    CU_ASSERT_EQUAL_FATAL(stark_params_preset(&p, "test"), CAIRN_OK);
    stark_pk *pk;
    stark_vk *vk;
    CU_ASSERT_EQUAL_FATAL(stark_setup(&pk, &vk, m, &p), CAIRN_OK);
    gl_t row[3] = {0, 1, 0}, pub[STARK_FIB_NPUB] = {0};
    const unsigned bad[] = {62, 64, (unsigned)-1};
    for (size_t i = 0; i < 3; i++) {
        stark_trace tr = {row, bad[i]};
        uint8_t *proof = NULL;
        size_t len = 0;
        CU_ASSERT_EQUAL(stark_prove(pk, &tr, pub, STARK_FIB_NPUB, &proof, &len), CAIRN_ERR_USAGE);
        CU_ASSERT_PTR_NULL(proof);
        /* one prefix, not "stark_prove: stark_prove: ..." */
        CU_ASSERT_EQUAL(strncmp(cairn_last_error(), "stark_prove: ", 13), 0);
        CU_ASSERT_PTR_NULL(strstr(cairn_last_error() + 13, "stark_prove"));
    }
    stark_pk_free(pk);
    stark_vk_free(vk);
    air_machine_free(m);
}

static void test_ntt_nomem(void)
{
    enum { L = 10, COLS = 9 };
    size_t n = (size_t)1 << L;
    gl_t *ev = calloc(n * COLS, sizeof *ev), *out = calloc(n * COLS << 2, sizeof *out);
    CU_ASSERT_FATAL(ev && out);
    for (size_t i = 0; i < n * COLS; i++) ev[i] = i;
    CU_ASSERT_EQUAL(ntt_lde_batch(out, ev, L, COLS, 2, GL_GENERATOR, 1), CAIRN_OK);
    /* every allocation of an LDE in either order, in turn */
    for (long k = 0, br = 0; br < 2; k++) {
        cairn_alloc_fail_after(k);
        cairn_err e = ntt_lde_batch(out, ev, L, COLS, 2, GL_GENERATOR, (int)br);
        int fired = cairn_alloc_fail_fired();
        cairn_alloc_fail_after(-1);
        if (!fired) {
            CU_ASSERT_EQUAL(e, CAIRN_OK);
            br++;
            k = -1;
            continue;
        }
        CU_ASSERT_EQUAL(e, CAIRN_ERR_NOMEM);
        CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "NTT: out of memory for"));
        CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "(needed "));
        if (k > 1000) {
            CU_FAIL("more than 1000 allocations in one LDE");
            break;
        }
    }
    /* sizes beyond the two-adicity are usage errors, not shifts past 63 */
    CU_ASSERT_EQUAL(ntt_forward(ev, 40), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(ntt_inverse_batch(ev, 64, 3), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(ntt_lde_batch(out, ev, 30, COLS, 3, GL_GENERATOR, 1), CAIRN_ERR_USAGE);
    free(ev);
    free(out);
}

/* A small LogUp machine (the lookup machine's 2^16 range table makes a
 * prove too slow to repeat hundreds of times): "vals" (a, b, a + b) sends
 * a and b to a range table of 2^RANGE_LOG preprocessed values. */
enum { RANGE_LOG = 4 };

static cairn_err machine_range(air_machine **out)
{
    air_machine *m;
    FORWARD_IF_ERROR(air_machine_new(&m, "range", 0));
    air_table *v = air_table_add(m, "vals", 0, 3), *r = air_table_add(m, "range", 1, 1);
    gl_t pre[1 << RANGE_LOG];
    for (unsigned i = 0; i < 1u << RANGE_LOG; i++) pre[i] = i;
    air_table_set_pre(m, r, pre, RANGE_LOG);
    air_expr a = air_col(m, v, AIR_MAIN, 0, 0), b = air_col(m, v, AIR_MAIN, 1, 0);
    air_expr c = air_col(m, v, AIR_MAIN, 2, 0), one = air_const(m, v, 1);
    air_constrain(m, v, air_sub(m, v, c, air_add(m, v, a, b)), "sum");
    air_interact(m, v, 1, AIR_SEND, one, &a, 1);
    air_interact(m, v, 1, AIR_SEND, one, &b, 1);
    air_expr val = air_col(m, r, AIR_PRE, 0, 0), mult = air_col(m, r, AIR_MAIN, 0, 0);
    air_interact(m, r, 1, AIR_RECEIVE, mult, &val, 1);
    cairn_err err = air_machine_finish(m, 3);
    if (err != CAIRN_OK) {
        air_machine_free(m);
        return err;
    }
    *out = m;
    return CAIRN_OK;
}

static cairn_err range_trace(gl_t **vals, gl_t **range, unsigned log_n)
{
    size_t n = (size_t)1 << log_n;
    *vals = calloc(3 * n, sizeof **vals);
    *range = calloc((size_t)1 << RANGE_LOG, sizeof **range);
    if (!*vals || !*range) return CAIRN_ERR_NOMEM;
    rng_t g;
    rng_seed(&g, 77);
    for (size_t i = 0; i < n; i++) {
        gl_t a = rng_u64(&g) % (1u << RANGE_LOG), b = rng_u64(&g) % (1u << RANGE_LOG);
        (*vals)[3 * i] = a;
        (*vals)[3 * i + 1] = b;
        (*vals)[3 * i + 2] = a + b;
        (*range)[a]++;
        (*range)[b]++;
    }
    return CAIRN_OK;
}

/* Fails allocation N of setup + prove + verify of the fib machine (logup:
 * the small range machine above, for the LogUp paths) for N = 0, 1, ...
 * until a run sees no injected failure. A run whose injected failure was
 * absorbed (a fallback path) must give the same proof bytes as the
 * reference run and verify. */
static void oom_sweep(int logup, const char *preset, unsigned log_n)
{
    air_machine *m;
    CU_ASSERT_EQUAL_FATAL(logup ? machine_range(&m) : stark_machine_fib(&m), CAIRN_OK);
    stark_params p;
    CU_ASSERT_EQUAL_FATAL(stark_params_preset(&p, preset), CAIRN_OK);
    gl_t *main = NULL, *range = NULL, pub[STARK_FIB_NPUB];
    const size_t npub = logup ? 0 : STARK_FIB_NPUB;
    cairn_err ge = logup ? range_trace(&main, &range, log_n) : stark_fib_trace(&main, pub, log_n, 5);
    CU_ASSERT_EQUAL_FATAL(ge, CAIRN_OK);
    stark_trace tr[2] = {{main, log_n}, {range, RANGE_LOG}};
    /* reference */
    stark_pk *pk;
    stark_vk *vk;
    CU_ASSERT_EQUAL_FATAL(stark_setup(&pk, &vk, m, &p), CAIRN_OK);
    uint8_t *ref;
    size_t ref_len;
    CU_ASSERT_EQUAL_FATAL(stark_prove(pk, tr, pub, npub, &ref, &ref_len), CAIRN_OK);
    stark_pk_free(pk);
    stark_vk_free(vk);
    long failures = 0, absorbed = 0, k;
    for (k = 0; k < 100000; k++) {
        cairn_clear_error();
        cairn_alloc_fail_after(k);
        uint8_t *proof = NULL;
        size_t len = 0;
        const char *stage = "setup";
        pk = NULL;
        vk = NULL;
        cairn_err e = stark_setup(&pk, &vk, m, &p);
        if (e == CAIRN_OK) {
            stage = "prove";
            e = stark_prove(pk, tr, pub, npub, &proof, &len);
            if (e != CAIRN_OK) CU_ASSERT_PTR_NULL(proof); /* a failed prove leaves no proof */
        }
        if (e == CAIRN_OK) {
            stage = "verify";
            e = stark_verify(vk, pub, npub, proof, len, TEST_ANY_HEIGHTS);
        }
        int fired = cairn_alloc_fail_fired();
        cairn_alloc_fail_after(-1);
        if (e != CAIRN_OK) {
            failures++;
            if (e != CAIRN_ERR_NOMEM || !fired || !cairn_last_error()[0])
                fprintf(stderr, "allocation %ld (%s): %s: \"%s\"%s\n", k, stage, cairn_err_name(e),
                        cairn_last_error(), fired ? "" : " (no failure was injected)");
            CU_ASSERT_EQUAL(e, CAIRN_ERR_NOMEM);
            CU_ASSERT(fired);
            CU_ASSERT(cairn_last_error()[0] != '\0');
        } else {
            CU_ASSERT_PTR_NOT_NULL(proof);
            if (proof) {
                int same = len == ref_len && memcmp(proof, ref, len) == 0;
                if (!same) fprintf(stderr, "allocation %ld: proof differs from the reference\n", k);
                CU_ASSERT(same);
            }
            if (fired) absorbed++;
        }
        free(proof);
        stark_pk_free(pk);
        stark_vk_free(vk);
        if (!fired) break;
    }
    fprintf(stderr, "%s 2^%u (%s): %ld allocations, each failed once: %ld errors, %ld absorbed\n",
            logup ? "range" : "fib", log_n, preset, k, failures, absorbed);
    CU_ASSERT(k > 10);
    CU_ASSERT(k < 100000);
    free(ref);
    free(main);
    free(range);
    air_machine_free(m);
}

static void test_oom_prove_verify(void)
{
    /* one thread: the Nth allocation is the same one in every run */
    int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    oom_sweep(0, "test", 4);
    oom_sweep(1, "test", 3);
    omp_set_num_threads(threads);
}

static void test_oom_prove_verify_threads(void)
{
    /* several threads: per-thread buffers of the parallel regions fail
     * too; which one is the Nth varies, the outcome may not */
    int threads = omp_get_max_threads();
    omp_set_num_threads(4);
    oom_sweep(0, "test", 5);
    omp_set_num_threads(threads);
}

int main(void)
{
    static const test_case cases[] = {
        {"checked multiply on edge values", test_mul_size},
        {"allocation failure hook", test_alloc_hook},
        {"out-of-memory message says what was needed", test_nomem_message},
        {"error prefix does not garble", test_prefix_error},
        {"generators refuse bad log heights", test_generators_refuse},
        {"prover refuses bad log heights with one prefix", test_prove_refuses_height},
        {"NTT out of memory is an error", test_ntt_nomem},
        {"every allocation of setup+prove+verify fails cleanly", test_oom_prove_verify},
        {"the same with 4 threads", test_oom_prove_verify_threads},
        {NULL, NULL},
    };
    return test_run_suite("oom", cases);
}
