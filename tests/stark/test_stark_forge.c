/* Every check of the STARK verifier and its proof parser, each with a
 * forged or corrupted proof that fails exactly there: the verifier returns
 * the expected code and its message (cairn_last_error) names the check.
 * The verifier runs to the end and reports its first failed assertion, so a
 * forgery "fails exactly at X" when every check before X passes; without X
 * the first failure would be a later check (or none) and the test fails.
 *
 * Forgeries that must stay consistent with the transcript (a wrong FRI
 * layer under a valid Merkle root, a wrong final polynomial, an
 * inconsistent quotient, a changed opening, root, LogUp sum or running sum,
 * a nonce one bit short) are made by the prover itself through the
 * test-only hook stark_prove_tampered (stark_internal.h); the others edit a
 * parsed proof or its bytes.
 *
 * Checks, in the order they are made.
 *
 * Parser (proof.c: stark_proof_read, stark_shape_init), CAIRN_ERR_FORMAT
 * unless noted:
 *  P1  at least 12 bytes (magic + version)                     "header"
 *  P2  magic "CAIRNPRF"                                        "bad magic"
 *  P3  version STARK_VERSION (4)                               "version"
 *  P4  key digest present and canonical                        "key digest"
 *  P5  key digest equals the key's (CAIRN_ERR_VERIFY)          "different verifying key"
 *  P6  table count and heights present                         "table heights"
 *  P7  table count equals the key's                            "tables, key has"
 *  P8  each log height in STARK_MIN_LOG_N..STARK_MAX_LOG_N     "outside"
 *  P9  a table with preprocessed columns has the key's height  "key fixes"
 *  P10 every section present, at the length key + heights fix: "truncated at offset O
 *      reading S" for S = main root, LogUp root, LogUp sum, quotient root,
 *      opened values, FRI roots, final polynomial, proof-of-work nonce, path
 *      bitmap, and per query: query rows, query paths (field elements or a
 *      "path reference"), FRI values, FRI paths
 *  P11 every field element canonical (< p), in every section   "non-canonical field
 *      element at offset O (S)"
 *  P12 nothing after the last query                            "trailing bytes"
 *  P13 path slots (the Merkle paths' digests, each written in full or as
 *      a reference to an earlier slot with the same digest): the bitmap's
 *      bits past the last slot are zero                       "bits set past"
 *      a reference names an earlier slot                      "not an earlier one"
 *      ... that is written in full                            "itself a reference"
 *      no digest written in full repeats an earlier one       "repeats the digest"
 *      (a reference to an earlier slot with another digest parses, and
 *      the Merkle check V4 / V5 rejects it)
 *  (The "too many FRI layers" error of stark_shape_init is unreachable: a
 *  static assertion in proof.c bounds the layers of every accepted shape.)
 *
 * Statement (verifier.c: stark_verify_vctx), before any proof value is used:
 *  S1  as many public values as the machine (CAIRN_ERR_USAGE)  "public values"
 *  S2  public values canonical (CAIRN_ERR_USAGE)               "not canonical"
 *  S3  at most 64 public values: stark_setup refuses a larger machine
 *      (CAIRN_ERR_LIMIT), so the verifier never sees one   "public values (max 64)"
 *  S4  table heights (stark_verify): a heights array is given (USAGE,
 *      "no table heights"), and each nonzero entry equals the height the
 *      proof states (VERIFY)                                   "log height H in the proof,
 *                                                              E expected"
 *
 * Verifier assertions (verifier.c, fri.c over vctx), CAIRN_ERR_VERIFY:
 *  V1  proof of work: the sample after the nonce has pow_bits leading
 *      zero bits                                               "proof-of-work"
 *  V2  per table, the constraint identity at zeta: AIR constraints, LogUp
 *      helper columns, the last group through the cyclic running sum
 *      (logup_impl.h: s' - s - helpers + terminal sum / n on every row),
 *      combined with alpha, equal Z_H(zeta) * sum_j
 *      zeta^(jn) Q_j(zeta)                                     "table T: constraint at zeta"
 *  V3  LogUp balance: the tables' terminal sums plus the boundary terms
 *      over public values add to 0, checked whenever the machine has any
 *      interaction (a machine whose only interactions are boundary terms
 *      states an equation over its public values)             "do not balance"
 *  per query q (index = low log_l0 bits of one squeezed element):
 *  V4  Merkle openings of the preprocessed, main, LogUp and quotient trees
 *      (row values and path; directions by select-by-bit; every element
 *      of the root compared)                                   "query q: K Merkle path"
 *  per FRI layer l:
 *  V5  Merkle opening of the layer's coset row                 "query q: FRI layer l Merkle"
 *  V6  the value at the query's position equals, for l = 0, the DEEP
 *      composition of the opened rows of the tallest tables, for l > 0, the
 *      fold of layer l - 1 (plus the DEEP composition of the tables of that
 *      size, rolled in)                                        "layer 0: ... DEEP composition",
 *                                                              "layer l: ... fold of layer l-1"
 *  V7  the final polynomial at the query's point equals the last fold
 *      (plus roll-in; the DEEP value itself when there are no layers). A
 *      committed column that disagrees with its openings makes a DEEP
 *      codeword far from low-degree; with consistent folds it is caught
 *      here                                                    "final polynomial mismatch"
 *
 * Transcript bindings are not checks of their own: the key digest, public
 * values, heights, every root, the LogUp sums, the openings, the FRI roots,
 * the final polynomial and the nonce are absorbed before the challenges that
 * depend on them, so editing one changes later challenges and V1..V7 catch
 * it ("bindings" below).
 *
 * Keys and parameters (keys.c, security.c), CAIRN_ERR_USAGE / LIMIT:
 *  K1  parameter bounds (log_blowup, queries, pow_bits, log_arity,
 *      log_final_len)
 *  K2  the machine is finished
 *  K3  at most STARK_MAX_INTS interactions per table (LIMIT)
 *  K4  the constraint degree fits the blowup
 *
 * Finally the verifier's control flow is shown not to depend on proof
 * values: a recording vctx backend hashes the sequence of operations (and
 * constants) for an honest proof and for forgeries of the same shape, and
 * the sequences agree.
 *
 * Machines: fib (machines.h) and "mini", built here: "vals" (a, b, c = a+b;
 * sends a and b to a range bus; free height), "range" (preprocessed 0..15,
 * multiplicity; receives), "io" (x, m; sends x with multiplicity m) and a
 * boundary term receiving public value 0 with multiplicity public value 1.
 * Three tables of different heights give every tree, mixed-height Merkle
 * trees, and DEEP roll-ins at several FRI layers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "stark/machines.h"
#include "stark/stark.h"
#include "stark/stark_internal.h"
#include "stark/vctx.h"
#include "testutil.h"

static air_machine *fib, *mini;

/* ---- the mini machine ---- */
enum { MINI_NPUB = 2, MINI_RANGE_LOG = 4, MINI_IO_LOG = 2, BUS_RANGE = 1, BUS_IO = 2 };
enum { T_VALS = 0, T_RANGE = 1, T_IO = 2 };

static cairn_err machine_mini(air_machine **out)
{
    air_machine *m;
    FORWARD_IF_ERROR(air_machine_new(&m, "mini", MINI_NPUB));
    air_table *v = air_table_add(m, "vals", 0, 3);
    air_table *r = air_table_add(m, "range", 1, 1);
    air_table *io = air_table_add(m, "io", 0, 2);
    gl_t pre[1 << MINI_RANGE_LOG];
    for (unsigned i = 0; i < 1u << MINI_RANGE_LOG; i++) pre[i] = i;
    air_table_set_pre(m, r, pre, MINI_RANGE_LOG);
    air_expr a = air_col(m, v, AIR_MAIN, 0, 0), b = air_col(m, v, AIR_MAIN, 1, 0);
    air_expr c = air_col(m, v, AIR_MAIN, 2, 0), one = air_const(m, v, 1);
    air_constrain(m, v, air_sub(m, v, c, air_add(m, v, a, b)), "sum");
    air_interact(m, v, BUS_RANGE, AIR_SEND, one, &a, 1);
    air_interact(m, v, BUS_RANGE, AIR_SEND, one, &b, 1);
    air_expr val = air_col(m, r, AIR_PRE, 0, 0), mult = air_col(m, r, AIR_MAIN, 0, 0);
    air_interact(m, r, BUS_RANGE, AIR_RECEIVE, mult, &val, 1);
    air_expr x = air_col(m, io, AIR_MAIN, 0, 0), mx = air_col(m, io, AIR_MAIN, 1, 0);
    air_interact(m, io, BUS_IO, AIR_SEND, mx, &x, 1);
    air_expr p0 = air_pub(m, m->boundary, 0), p1 = air_pub(m, m->boundary, 1);
    air_interact(m, m->boundary, BUS_IO, AIR_RECEIVE, p1, &p0, 1);
    cairn_err err = air_machine_finish(m, 3);
    if (err != CAIRN_OK) {
        air_machine_free(m);
        return err;
    }
    *out = m;
    return CAIRN_OK;
}

/* Fixtures use fixed seeds, so the outcome of every forgery is
 * reproducible: all but one succeed with probability 1 - negligible, and
 * the exception (an edited nonce that is still a 16-bit witness, 2^-16) is
 * pinned by the seed. */

/* Ways to make the mini witness wrong (the prover never checks it). */
enum { W_HONEST = 0, W_BAD_SUM, W_BAD_MULT, W_BAD_BOUNDARY };

typedef struct {
    stark_vk *vk;
    uint8_t *proof;
    size_t len;
    gl_t pub[4]; /* fib 4, mini 2 */
    size_t npub;
} fixture;

static void free_fix(fixture *f)
{
    free(f->proof);
    stark_vk_free(f->vk);
    memset(f, 0, sizeof *f);
}

static stark_params test_params(unsigned log_arity, unsigned log_final, unsigned pow_bits)
{
    stark_params p;
    stark_params_preset(&p, "test");
    p.log_arity = log_arity;
    p.log_final_len = log_final;
    p.pow_bits = pow_bits;
    return p;
}

static int fix_fib_w(fixture *f, const stark_params *p, unsigned log_n, const stark_tamper *tp,
                     int witness)
{
    memset(f, 0, sizeof *f);
    stark_pk *pk;
    if (stark_setup(&pk, &f->vk, fib, p) != CAIRN_OK) return -1;
    gl_t *main;
    CU_ASSERT_EQUAL_FATAL(stark_fib_trace(&main, f->pub, log_n, 1000 + log_n), CAIRN_OK);
    f->npub = STARK_FIB_NPUB;
    if (witness == W_BAD_SUM) main[3 * (1u << (log_n - 1)) + 1] ^= 1; /* breaks "add" */
    stark_trace tr = {main, log_n};
    cairn_err e = stark_prove_tampered(pk, &tr, f->pub, f->npub, tp, &f->proof, &f->len);
    if (e != CAIRN_OK) fprintf(stderr, "prove fib: %s\n", cairn_last_error());
    free(main);
    stark_pk_free(pk);
    CU_ASSERT_EQUAL(e, CAIRN_OK);
    return e == CAIRN_OK ? 0 : -1;
}

static int fix_fib(fixture *f, const stark_params *p, unsigned log_n, const stark_tamper *tp)
{
    return fix_fib_w(f, p, log_n, tp, W_HONEST);
}

static int fix_mini(fixture *f, const stark_params *p, unsigned log_n, const stark_tamper *tp,
                    int witness)
{
    memset(f, 0, sizeof *f);
    stark_pk *pk;
    if (stark_setup(&pk, &f->vk, mini, p) != CAIRN_OK) return -1;
    const size_t n = (size_t)1 << log_n, rn = 1u << MINI_RANGE_LOG, ion = 1u << MINI_IO_LOG;
    gl_t *vals = malloc(3 * n * sizeof *vals), range[1 << MINI_RANGE_LOG] = {0},
         io[2 << MINI_IO_LOG] = {0};
    CU_ASSERT_PTR_NOT_NULL_FATAL(vals);
    rng_t r;
    rng_seed(&r, 2000 + log_n);
    for (size_t i = 0; i < n; i++) {
        gl_t a = rng_u64(&r) % rn, b = rng_u64(&r) % rn;
        vals[3 * i] = a;
        vals[3 * i + 1] = b;
        vals[3 * i + 2] = a + b;
        range[a]++;
        range[b]++;
    }
    f->npub = MINI_NPUB;
    f->pub[0] = gl_from_u64(rng_u64(&r));
    f->pub[1] = 3;
    for (size_t i = 0; i < ion; i++) io[2 * i] = gl_add(f->pub[0], i);
    io[1] = f->pub[1];
    if (witness == W_BAD_SUM) vals[3 * (n / 2) + 2] = gl_add(vals[3 * (n / 2) + 2], 1);
    if (witness == W_BAD_MULT) range[5]++;
    if (witness == W_BAD_BOUNDARY) f->pub[1] = gl_add(f->pub[1], 1); /* the statement lies */
    stark_trace tr[3] = {{vals, log_n}, {range, MINI_RANGE_LOG}, {io, MINI_IO_LOG}};
    cairn_err e = stark_prove_tampered(pk, tr, f->pub, f->npub, tp, &f->proof, &f->len);
    if (e != CAIRN_OK) fprintf(stderr, "prove mini: %s\n", cairn_last_error());
    free(vals);
    stark_pk_free(pk);
    CU_ASSERT_EQUAL(e, CAIRN_OK);
    return e == CAIRN_OK ? 0 : -1;
}

/* ---- expectations ---- */
static unsigned n_checked;

#define EXPECT(e, code, sub) expect_at(__LINE__, (e), (code), (sub))
static int expect_at(int line, cairn_err e, cairn_err code, const char *sub)
{
    const char *msg = e == CAIRN_OK ? "(accepted)" : cairn_last_error();
    int ok = e == code && (!sub || strstr(msg, sub));
    if (!ok)
        fprintf(stderr, "line %d: expected error %d containing '%s', got %d: %s\n", line, code,
                sub ? sub : "", e, msg);
    CU_ASSERT(ok);
    n_checked++;
    return ok;
}

static cairn_err verify_fix(const fixture *f)
{
    return stark_verify(f->vk, f->pub, f->npub, f->proof, f->len, TEST_ANY_HEIGHTS);
}

static cairn_err verify_bytes(const fixture *f, const uint8_t *b, size_t len)
{
    return stark_verify(f->vk, f->pub, f->npub, b, len, TEST_ANY_HEIGHTS);
}

static void parse(const fixture *f, stark_proof *pf, stark_shape *s)
{
    CU_ASSERT_EQUAL_FATAL(stark_proof_read(pf, s, f->vk, f->proof, f->len), CAIRN_OK);
}

/* Re-serialises an edited parsed proof and verifies it. */
static cairn_err verify_parsed(const fixture *f, const stark_proof *pf, const stark_shape *s)
{
    uint8_t *b;
    size_t len;
    CU_ASSERT_EQUAL_FATAL(stark_proof_write(&b, &len, pf, s, f->vk), CAIRN_OK);
    cairn_err e = verify_bytes(f, b, len);
    free(b);
    return e;
}

/* Proves with a tamper and expects the verifier to fail with `sub`. */
static void tamper_fib(const stark_params *p, unsigned log_n, stark_tamper tp, const char *sub)
{
    fixture f;
    if (fix_fib(&f, p, log_n, &tp) == 0) EXPECT(verify_fix(&f), CAIRN_ERR_VERIFY, sub);
    free_fix(&f);
}
static void tamper_mini(const stark_params *p, unsigned log_n, stark_tamper tp, const char *sub)
{
    fixture f;
    if (fix_mini(&f, p, log_n, &tp, W_HONEST) == 0) EXPECT(verify_fix(&f), CAIRN_ERR_VERIFY, sub);
    free_fix(&f);
}

static const gl3_t ONE3 = {{1, 0, 0}}, X3 = {{0, 1, 0}};

/* ---- sections of the byte format, derived here from the shape
 * independently of proof.c's reader ---- */
enum {
    SEC_MAIN_ROOT,
    SEC_LU_ROOT,
    SEC_LU_SUM,
    SEC_Q_ROOT,
    SEC_OPEN,
    SEC_FRI_ROOTS,
    SEC_FINAL,
    SEC_NONCE,
    SEC_BITMAP,
    SEC_ROWS,
    SEC_PATHS,
    SEC_FVALS,
    SEC_FPATHS,
    NSEC
};
static const char *sec_name[NSEC] = {"main root",     "LogUp root",       "LogUp sum",
                                     "quotient root", "opened values",    "FRI roots",
                                     "final polynomial", "proof-of-work nonce", "path bitmap",
                                     "query rows",    "query paths",      "FRI values",
                                     "FRI paths"};

/* The path slots: S digests of Merkle paths in byte order; the bitmap
 * marks those written as an index (u16 if S <= 2^16) of an earlier slot. */
typedef struct {
    size_t n;           /* S */
    size_t ref_bytes;
    const uint8_t *bits;
} slots_t;
static int is_ref(const slots_t *sl, size_t i) { return sl->bits[i / 8] >> (i % 8) & 1; }

/* Start offset and size of each section (query sections: of query q),
 * the offsets of the first and last 8-byte field element of each (the
 * bitmap has none: 0, 0; a path section without a digest written in full
 * likewise), and the path slots of proof b. Returns the total length. */
static size_t layout(size_t start[NSEC], size_t size[NSEC], size_t word[NSEC][2], slots_t *sl,
                     const stark_shape *s, const struct stark_vk *vk, unsigned q, const uint8_t *b)
{
    const size_t G = 8, D = 32, E = 24;
    size_t off = 12 + D + 1 + s->ntables;
    sl->n = (size_t)vk->p.queries * (s->q_paths + s->q_fri_paths);
    sl->ref_bytes = sl->n <= 65536 ? 2 : 4;
    size[SEC_MAIN_ROOT] = s->tree_nmats[TREE_MAIN] ? D : 0;
    size[SEC_LU_ROOT] = s->tree_nmats[TREE_LU] ? D : 0;
    size[SEC_LU_SUM] = vk->has_lu ? E * s->nlu_sums : 0;
    size[SEC_Q_ROOT] = D;
    size[SEC_OPEN] = E * s->nopen;
    size[SEC_FRI_ROOTS] = D * s->nlayers;
    size[SEC_FINAL] = E << s->log_final;
    size[SEC_NONCE] = G;
    size[SEC_BITMAP] = (sl->n + 7) / 8;
    for (int k = 0; k < SEC_ROWS; k++) {
        start[k] = off;
        word[k][0] = off;
        word[k][1] = off + size[k] - G;
        off += size[k];
    }
    word[SEC_BITMAP][0] = word[SEC_BITMAP][1] = 0;
    sl->bits = b + start[SEC_BITMAP];
    const size_t nslots[NSEC] = {[SEC_PATHS] = s->q_paths, [SEC_FPATHS] = s->q_fri_paths};
    size_t slot = 0;
    for (unsigned qq = 0; qq < vk->p.queries; qq++) {
        size[SEC_ROWS] = G * s->q_rows;
        size[SEC_FVALS] = E * s->q_fri_vals;
        for (int k = SEC_ROWS; k < NSEC; k++) {
            size_t st = off;
            if (qq == q) word[k][0] = word[k][1] = 0;
            if (!nslots[k]) {
                off += size[k];
                if (qq == q) word[k][0] = st, word[k][1] = off - G;
            }
            for (size_t i = 0; i < nslots[k]; i++, slot++) {
                if (is_ref(sl, slot)) {
                    off += sl->ref_bytes;
                    continue;
                }
                if (qq == q && !word[k][0]) word[k][0] = off;
                off += D;
                if (qq == q) word[k][1] = off - G;
            }
            if (qq == q) start[k] = st, size[k] = off - st;
        }
    }
    return off;
}

/* ---- P1..P12 ---- */
static void test_parser(void)
{
    stark_params p = test_params(1, 0, 2);
    fixture f;
    if (fix_mini(&f, &p, 5, NULL, W_HONEST)) return;
    EXPECT(verify_fix(&f), CAIRN_OK, NULL);
    uint8_t *b = malloc(f.len + 16);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    char want[160];
#define RESET() memcpy(b, f.proof, f.len)
    /* P1 */
    RESET();
    EXPECT(verify_bytes(&f, b, 11), CAIRN_ERR_FORMAT, "truncated at offset 0 reading header");
    EXPECT(verify_bytes(&f, b, 0), CAIRN_ERR_FORMAT, "header");
    EXPECT(verify_bytes(&f, NULL, 0), CAIRN_ERR_FORMAT, "header");
    /* P2 */
    for (int i = 0; i < 8; i += 7) {
        RESET();
        b[i] ^= 0x20;
        EXPECT(verify_bytes(&f, b, f.len), CAIRN_ERR_FORMAT, "bad magic");
    }
    /* P3 */
    RESET();
    b[8] = STARK_VERSION + 1;
    {
        char want_ver[32];
        snprintf(want_ver, sizeof want_ver, "version %u", STARK_VERSION + 1);
        EXPECT(verify_bytes(&f, b, f.len), CAIRN_ERR_FORMAT, want_ver);
    }
    RESET();
    b[11] = 1;
    EXPECT(verify_bytes(&f, b, f.len), CAIRN_ERR_FORMAT, "version");
    /* P4: the digest is at 12..44 */
    RESET();
    EXPECT(verify_bytes(&f, b, 12 + 13), CAIRN_ERR_FORMAT, "reading key digest");
    RESET();
    gl_encode(b + 12 + 16, GL_P);
    EXPECT(verify_bytes(&f, b, f.len), CAIRN_ERR_FORMAT,
           "non-canonical field element at offset 28 (key digest)");
    /* P5: any other canonical digest */
    RESET();
    b[12 + 24] ^= 1;
    EXPECT(verify_bytes(&f, b, f.len), CAIRN_ERR_VERIFY, "different verifying key");
    /* P6: table count at 44, heights at 45.. */
    RESET();
    EXPECT(verify_bytes(&f, b, 44), CAIRN_ERR_FORMAT, "reading table heights");
    EXPECT(verify_bytes(&f, b, 46), CAIRN_ERR_FORMAT, "reading table heights");
    /* P7 */
    CU_ASSERT_EQUAL(b[44], 3);
    for (int nt = 0; nt < 256; nt += 1 + (nt > 4) * 50) {
        if (nt == 3) continue;
        RESET();
        b[44] = (uint8_t)nt;
        snprintf(want, sizeof want, "states %d tables, key has 3", nt);
        EXPECT(verify_bytes(&f, b, f.len), CAIRN_ERR_FORMAT, want);
    }
    /* P8: vals (free height) outside 2..26 */
    static const uint8_t bad_h[] = {0, 1, 27, 40, 255};
    for (size_t i = 0; i < sizeof bad_h; i++) {
        RESET();
        b[45 + T_VALS] = bad_h[i];
        snprintf(want, sizeof want, "table vals: log height %u outside 2..26", bad_h[i]);
        EXPECT(verify_bytes(&f, b, f.len), CAIRN_ERR_FORMAT, want);
    }
    RESET();
    b[45 + T_IO] = 1;
    EXPECT(verify_bytes(&f, b, f.len), CAIRN_ERR_FORMAT, "table io: log height 1 outside");
    /* P9: the range table's height is the key's 4 */
    static const uint8_t pre_h[] = {2, 3, 5, 26};
    for (size_t i = 0; i < sizeof pre_h; i++) {
        RESET();
        b[45 + T_RANGE] = pre_h[i];
        snprintf(want, sizeof want, "table range: log height %u, key fixes 4", pre_h[i]);
        EXPECT(verify_bytes(&f, b, f.len), CAIRN_ERR_FORMAT, want);
    }
    /* another legal free height changes the shape: the sections no
     * longer fit. The reader stumbles first on a path reference (the path
     * bitmap is now read from other bytes) or, past them, on the length */
    static const uint8_t other_h[] = {4, 6};
    for (size_t i = 0; i < sizeof other_h; i++) {
        RESET();
        b[45 + T_VALS] = other_h[i];
        cairn_err e = verify_bytes(&f, b, f.len);
        const char *msg = cairn_last_error();
        CU_ASSERT(e == CAIRN_ERR_FORMAT && (strstr(msg, "path reference") || strstr(msg, "truncated") ||
                                            strstr(msg, "trailing bytes")));
    }
    /* P10, P11 for every section, queries 0 and the last */
    stark_proof pf;
    stark_shape s;
    parse(&f, &pf, &s);
    size_t start[NSEC], size[NSEC], word[NSEC][2];
    slots_t sl;
    unsigned qlast = f.vk->p.queries - 1;
    for (unsigned q = 0; q <= qlast; q += qlast) {
        size_t total = layout(start, size, word, &sl, &s, f.vk, q, f.proof);
        CU_ASSERT_EQUAL(total, f.len); /* the format as documented in proof.c */
        for (int k = 0; k < NSEC; k++) {
            if (q && k < SEC_ROWS) continue;
            CU_ASSERT_FATAL(size[k] >= 1); /* mini has every section */
            if (k == SEC_BITMAP) {
                /* read whole: truncated anywhere inside, it is missing */
                RESET();
                snprintf(want, sizeof want, "truncated at offset %zu reading path bitmap", start[k]);
                EXPECT(verify_bytes(&f, b, start[k] + size[k] - 1), CAIRN_ERR_FORMAT, want);
                continue;
            }
            CU_ASSERT_FATAL(word[k][0] != 0); /* a field element in every other section */
            /* truncated inside the first and the last element */
            for (int j = 0; j < 2; j++) {
                const size_t at = word[k][j];
                RESET();
                snprintf(want, sizeof want, "truncated at offset %zu reading %s", at, sec_name[k]);
                EXPECT(verify_bytes(&f, b, at + 3), CAIRN_ERR_FORMAT, want);
                /* p itself is the smallest non-canonical value */
                RESET();
                gl_encode(b + at, GL_P);
                snprintf(want, sizeof want, "non-canonical field element at offset %zu (%s)", at,
                         sec_name[k]);
                EXPECT(verify_bytes(&f, b, f.len), CAIRN_ERR_FORMAT, want);
                RESET();
                memset(b + at, 0xff, 8);
                EXPECT(verify_bytes(&f, b, f.len), CAIRN_ERR_FORMAT, want);
                /* p - 1 is canonical: the parser accepts, a check rejects */
                RESET();
                gl_encode(b + at, GL_P - 1);
                if (memcmp(b + at, f.proof + at, 8))
                    EXPECT(verify_bytes(&f, b, f.len), CAIRN_ERR_VERIFY, NULL);
            }
        }
    }
    stark_proof_free(&pf);
    /* P12 */
    RESET();
    memset(b + f.len, 0, 16);
    EXPECT(verify_bytes(&f, b, f.len + 1), CAIRN_ERR_FORMAT, "1 trailing bytes");
    snprintf(want, sizeof want, "16 trailing bytes after offset %zu", f.len);
    EXPECT(verify_bytes(&f, b, f.len + 16), CAIRN_ERR_FORMAT, want);
#undef RESET
    free(b);
    free_fix(&f);
    /* P5 with real keys: another machine, and fib with each parameter changed */
    p = test_params(1, 1, 2);
    if (fix_fib(&f, &p, 4, NULL)) return;
    EXPECT(verify_fix(&f), CAIRN_OK, NULL);
    stark_pk *pk2;
    stark_vk *vk2;
    CU_ASSERT_EQUAL_FATAL(stark_setup(&pk2, &vk2, mini, &p), CAIRN_OK);
    EXPECT(stark_verify(vk2, f.pub, MINI_NPUB, f.proof, f.len, TEST_ANY_HEIGHTS), CAIRN_ERR_VERIFY,
           "different verifying key");
    stark_pk_free(pk2);
    stark_vk_free(vk2);
    for (int k = 0; k < 5; k++) {
        stark_params q = p;
        unsigned *field[5] = {&q.log_blowup, &q.queries, &q.pow_bits, &q.log_arity, &q.log_final_len};
        (*field[k])++;
        CU_ASSERT_EQUAL_FATAL(stark_setup(&pk2, &vk2, fib, &q), CAIRN_OK);
        EXPECT(stark_verify(vk2, f.pub, f.npub, f.proof, f.len, TEST_ANY_HEIGHTS), CAIRN_ERR_VERIFY,
               "different verifying key");
        stark_pk_free(pk2);
        stark_vk_free(vk2);
    }
    /* check_trace does not enter the key */
    p.check_trace = 1;
    CU_ASSERT_EQUAL_FATAL(stark_setup(&pk2, &vk2, fib, &p), CAIRN_OK);
    EXPECT(stark_verify(vk2, f.pub, f.npub, f.proof, f.len, TEST_ANY_HEIGHTS), CAIRN_OK, NULL);
    stark_pk_free(pk2);
    stark_vk_free(vk2);
    free_fix(&f);
}

/* ---- P13 ---- */

/* Offset of every path slot of proof b (layout's sections, all queries). */
static void slot_offsets(size_t *o, const slots_t *sl, const stark_shape *s,
                         const struct stark_vk *vk, size_t off)
{
    size_t slot = 0;
    for (unsigned q = 0; q < vk->p.queries; q++) {
        off += 8 * s->q_rows;
        for (int part = 0; part < 2; part++) {
            for (size_t i = 0; i < (part ? s->q_fri_paths : s->q_paths); i++, slot++) {
                o[slot] = off;
                off += is_ref(sl, slot) ? sl->ref_bytes : 32;
            }
            if (!part) off += 24 * s->q_fri_vals;
        }
    }
}
/* Path slot i of a parsed proof (the order of the bytes). */
static p2_digest *tslot(stark_proof *pf, const stark_shape *s, size_t i)
{
    const size_t per = s->q_paths + s->q_fri_paths, q = i / per, k = i % per;
    return k < s->q_paths ? &pf->q_paths[q * s->q_paths + k]
                          : &pf->q_fri_paths[q * s->q_fri_paths + k - s->q_paths];
}
static void put_ref(uint8_t *b, const slots_t *sl, size_t at, size_t j)
{
    for (size_t k = 0; k < sl->ref_bytes; k++) b[at + k] = (uint8_t)(j >> (8 * k));
}
static size_t get_ref(const uint8_t *b, const slots_t *sl, size_t at)
{
    size_t j = 0;
    for (size_t k = 0; k < sl->ref_bytes; k++) j |= (size_t)b[at + k] << (8 * k);
    return j;
}

static void test_paths(void)
{
    stark_params p = test_params(1, 0, 2);
    p.queries = 7; /* 7 x 38 slots: the bitmap's last byte has unused bits */
    fixture f;
    if (fix_mini(&f, &p, 5, NULL, W_HONEST)) return;
    stark_proof pf;
    stark_shape s;
    parse(&f, &pf, &s);
    size_t start[NSEC], size[NSEC], word[NSEC][2];
    slots_t sl;
    CU_ASSERT_EQUAL_FATAL(layout(start, size, word, &sl, &s, f.vk, 0, f.proof), f.len);
    size_t *o = malloc(sl.n * sizeof *o);
    uint8_t *b = malloc(f.len + 64);
    CU_ASSERT_FATAL(o && b);
    slot_offsets(o, &sl, &s, f.vk, start[SEC_BITMAP] + size[SEC_BITMAP]);
    /* the honest proof: every repeat is a reference to the first slot
     * with its digest, the rest written in full */
    size_t nref = 0, r1 = 0, r2 = 0;
    for (size_t i = 0; i < sl.n; i++) {
        if (!is_ref(&sl, i)) {
            for (size_t j = 0; j < i; j++)
                if (!is_ref(&sl, j)) CU_ASSERT(memcmp(f.proof + o[i], f.proof + o[j], 32) != 0);
            continue;
        }
        size_t j = get_ref(f.proof, &sl, o[i]);
        CU_ASSERT(j < i && !is_ref(&sl, j));
        if (nref == 0) r1 = i;
        if (nref == 1) r2 = i;
        nref++;
    }
    CU_ASSERT_FATAL(nref >= 2);
    printf("path slots: %zu, %zu of them references (%zu bytes saved)\n", sl.n, nref,
           nref * (32 - sl.ref_bytes));
    /* stark_proof_measure's figures add up, and count what is written */
    stark_proof_sizes z;
    CU_ASSERT_EQUAL_FATAL(stark_proof_measure(&z, f.vk, f.proof, f.len), CAIRN_OK);
    CU_ASSERT(z.total == f.len && z.commit + z.rows + z.fri_values + z.paths == f.len);
    CU_ASSERT(z.path_slots == sl.n && z.path_refs == nref);
    CU_ASSERT_EQUAL(z.commit, start[SEC_BITMAP]);
    CU_ASSERT_EQUAL(z.paths, size[SEC_BITMAP] + nref * sl.ref_bytes + (sl.n - nref) * 32);
    CU_ASSERT_EQUAL(stark_proof_measure(&z, f.vk, f.proof, f.len - 1), CAIRN_ERR_FORMAT);
    /* parsing and writing again gives the same bytes */
    uint8_t *again;
    size_t alen;
    CU_ASSERT_EQUAL_FATAL(stark_proof_write(&again, &alen, &pf, &s, f.vk), CAIRN_OK);
    CU_ASSERT(alen == f.len && memcmp(again, f.proof, f.len) == 0);
    free(again);
#define RESET() memcpy(b, f.proof, f.len)
    char want[200];
    /* truncated inside a reference */
    RESET();
    snprintf(want, sizeof want, "truncated at offset %zu reading path reference", o[r1]);
    EXPECT(verify_bytes(&f, b, o[r1] + 1), CAIRN_ERR_FORMAT, want);
    /* a reference to itself, to a later slot, to the last possible number */
    const size_t bad[] = {r1, r1 + 1, sl.n - 1, sl.n, sl.ref_bytes == 2 ? 65535 : UINT32_MAX};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        RESET();
        put_ref(b, &sl, o[r1], bad[k]);
        snprintf(want, sizeof want, "path reference at offset %zu (slot %zu) names slot %zu, not an earlier one",
                 o[r1], r1, bad[k]);
        EXPECT(verify_bytes(&f, b, f.len), CAIRN_ERR_FORMAT, want);
    }
    /* a reference to a reference */
    RESET();
    put_ref(b, &sl, o[r2], r1);
    snprintf(want, sizeof want, "(slot %zu) names slot %zu, itself a reference", r2, r1);
    EXPECT(verify_bytes(&f, b, f.len), CAIRN_ERR_FORMAT, want);
    /* a reference to an earlier slot with another digest: parsed, and the
     * Merkle path it is in no longer leads to the root */
    size_t j0 = get_ref(f.proof, &sl, o[r1]), other = sl.n;
    for (size_t j = 0; j < r1 && other == sl.n; j++)
        if (!is_ref(&sl, j) && memcmp(f.proof + o[j], f.proof + o[j0], 32)) other = j;
    CU_ASSERT_FATAL(other < sl.n);
    RESET();
    put_ref(b, &sl, o[r1], other);
    EXPECT(verify_bytes(&f, b, f.len), CAIRN_ERR_VERIFY, "Merkle path mismatch");
    /* the repeat written in full instead of as a reference */
    {
        const size_t grow = 32 - sl.ref_bytes;
        memcpy(b, f.proof, o[r1]);
        memcpy(b + o[r1], f.proof + o[j0], 32);
        memcpy(b + o[r1] + 32, f.proof + o[r1] + sl.ref_bytes, f.len - o[r1] - sl.ref_bytes);
        b[start[SEC_BITMAP] + r1 / 8] &= (uint8_t)~(1u << (r1 % 8));
        snprintf(want, sizeof want, "path slot %zu repeats the digest of slot %zu in full", r1, j0);
        EXPECT(verify_bytes(&f, b, f.len + grow), CAIRN_ERR_FORMAT, want);
    }
    /* a digest read as a reference: its first bytes name some slot */
    RESET();
    b[start[SEC_BITMAP]] |= 1; /* slot 0 has no earlier slot */
    snprintf(want, sizeof want, "(slot 0) names slot %zu, not an earlier one", get_ref(f.proof, &sl, o[0]));
    EXPECT(verify_bytes(&f, b, f.len), CAIRN_ERR_FORMAT, want);
    /* digests that share their first element but differ elsewhere (which
     * only a forger writes): written in full, and a repeat among them is
     * still a reference. Slots i1 < i2 < i3 < i4 written in full get
     * D(i2), D(i3) = D(i1) but for one element, D(i4) = D(i1). */
    {
        size_t lit[4], nl = 0;
        for (size_t i = r1 + 1; i < sl.n && nl < 4; i++)
            if (!is_ref(&sl, i)) lit[nl++] = i;
        CU_ASSERT_FATAL(nl == 4);
        p2_digest *d[4];
        for (int k = 0; k < 4; k++) d[k] = tslot(&pf, &s, lit[k]);
        const p2_digest keep[4] = {*d[0], *d[1], *d[2], *d[3]};
        *d[1] = *d[0];
        d[1]->v[3] = gl_add(d[1]->v[3], 1);
        *d[2] = *d[0];
        d[2]->v[1] = gl_add(d[2]->v[1], 1);
        *d[3] = *d[0];
        uint8_t *w;
        size_t wlen;
        CU_ASSERT_EQUAL_FATAL(stark_proof_write(&w, &wlen, &pf, &s, f.vk), CAIRN_OK);
        stark_proof pw;
        stark_shape sw;
        CU_ASSERT_EQUAL_FATAL(stark_proof_read(&pw, &sw, f.vk, w, wlen), CAIRN_OK);
        for (int k = 0; k < 4; k++) CU_ASSERT(!memcmp(tslot(&pw, &sw, lit[k]), d[k], sizeof *d[k]));
        stark_proof_free(&pw);
        EXPECT(verify_bytes(&f, w, wlen), CAIRN_ERR_VERIFY, "Merkle path mismatch");
        /* and i4 written in full: caught among its neighbours by first element */
        slots_t sw_;
        size_t st[NSEC], sz[NSEC], wd[NSEC][2];
        CU_ASSERT_EQUAL_FATAL(layout(st, sz, wd, &sw_, &s, f.vk, 0, w), wlen);
        size_t *ow = malloc(sl.n * sizeof *ow);
        uint8_t *x = malloc(wlen + 32);
        CU_ASSERT_FATAL(ow && x);
        slot_offsets(ow, &sw_, &s, f.vk, st[SEC_BITMAP] + sz[SEC_BITMAP]);
        CU_ASSERT(!is_ref(&sw_, lit[0]) && !is_ref(&sw_, lit[1]) && !is_ref(&sw_, lit[2]));
        CU_ASSERT_FATAL(is_ref(&sw_, lit[3]) && get_ref(w, &sw_, ow[lit[3]]) == lit[0]);
        memcpy(x, w, ow[lit[3]]);
        memcpy(x + ow[lit[3]], w + ow[lit[0]], 32);
        memcpy(x + ow[lit[3]] + 32, w + ow[lit[3]] + sl.ref_bytes, wlen - ow[lit[3]] - sl.ref_bytes);
        x[st[SEC_BITMAP] + lit[3] / 8] &= (uint8_t)~(1u << (lit[3] % 8));
        snprintf(want, sizeof want, "path slot %zu repeats the digest of slot %zu in full", lit[3], lit[0]);
        EXPECT(verify_bytes(&f, x, wlen - sl.ref_bytes + 32), CAIRN_ERR_FORMAT, want);
        free(x);
        free(ow);
        free(w);
        for (int k = 0; k < 4; k++) *d[k] = keep[k];
    }
    /* a bit past the last slot */
    CU_ASSERT_FATAL(sl.n % 8 != 0);
    for (size_t bit = sl.n % 8; bit < 8; bit++) {
        RESET();
        b[start[SEC_BITMAP] + size[SEC_BITMAP] - 1] |= (uint8_t)(1u << bit);
        snprintf(want, sizeof want, "path bitmap at offset %zu has bits set past its %zu slots",
                 start[SEC_BITMAP], sl.n);
        EXPECT(verify_bytes(&f, b, f.len), CAIRN_ERR_FORMAT, want);
    }
#undef RESET
    free(o);
    free(b);
    stark_proof_free(&pf);
    free_fix(&f);
}

/* ---- S1..S4 ---- */
static void test_statement(void)
{
    stark_params p = test_params(1, 1, 2);
    fixture f;
    if (fix_fib(&f, &p, 3, NULL)) return;
    /* S1 */
    EXPECT(stark_verify(f.vk, f.pub, 2, f.proof, f.len, TEST_ANY_HEIGHTS), CAIRN_ERR_USAGE,
           "2 public values, machine fib has 4");
    EXPECT(stark_verify(f.vk, f.pub, 5, f.proof, f.len, TEST_ANY_HEIGHTS), CAIRN_ERR_USAGE, "public values");
    EXPECT(stark_verify(f.vk, NULL, 0, f.proof, f.len, TEST_ANY_HEIGHTS), CAIRN_ERR_USAGE, "public values");
    /* S2: p itself, and a value congruent to a valid one */
    for (int i = 0; i < STARK_FIB_NPUB; i++) {
        gl_t old = f.pub[i];
        f.pub[i] = GL_P;
        EXPECT(verify_fix(&f), CAIRN_ERR_USAGE, "not canonical");
        if (old < (1ull << 32) - 1) {
            f.pub[i] = old + GL_P;
            EXPECT(verify_fix(&f), CAIRN_ERR_USAGE, "not canonical");
        }
        f.pub[i] = old;
    }
    EXPECT(verify_fix(&f), CAIRN_OK, NULL);
    free_fix(&f);
    /* S3: a machine with more than STARK_MAX_PUB public values gets no keys,
     * so no proof of it can exist that a verifier would have to refuse */
    air_machine *m;
    CU_ASSERT_EQUAL_FATAL(air_machine_new(&m, "pub65", STARK_MAX_PUB + 1), CAIRN_OK);
    air_table *t = air_table_add(m, "t", 0, 1);
    air_expr x = air_col(m, t, AIR_MAIN, 0, 0);
    air_constrain(m, t,
                  air_mul(m, t, air_sel(m, t, AIR_SEL_FIRST),
                          air_sub(m, t, x, air_pub(m, t, STARK_MAX_PUB))),
                  "x0");
    CU_ASSERT_EQUAL_FATAL(air_machine_finish(m, 3), CAIRN_OK);
    stark_pk *pk = NULL;
    stark_vk *vk = NULL;
    EXPECT(stark_setup(&pk, &vk, m, &p), CAIRN_ERR_LIMIT, "public values (max 64)");
    CU_ASSERT_PTR_NULL(pk);
    CU_ASSERT_PTR_NULL(vk);
    air_machine_free(m);
    /* S4: the heights are the caller's to state or to read back */
    if (fix_fib(&f, &p, 3, NULL)) return;
    EXPECT(stark_verify(f.vk, f.pub, f.npub, f.proof, f.len, NULL), CAIRN_ERR_USAGE,
           "no table heights");
    unsigned h[AIR_MAX_TABLES] = {4};
    EXPECT(stark_verify(f.vk, f.pub, f.npub, f.proof, f.len, h), CAIRN_ERR_VERIFY,
           "table fib has log height 3 in the proof, 4 expected");
    CU_ASSERT_EQUAL(h[0], 4); /* unchanged on failure */
    h[0] = 3;
    EXPECT(stark_verify(f.vk, f.pub, f.npub, f.proof, f.len, h), CAIRN_OK, NULL);
    h[0] = 0;
    EXPECT(stark_verify(f.vk, f.pub, f.npub, f.proof, f.len, h), CAIRN_OK, NULL);
    CU_ASSERT_EQUAL(h[0], 3);
    free_fix(&f);
    /* fib pins its height in the statement: a proof of 2^4 rows from the
     * same start does not verify under the public values of 2^3 rows (the
     * row count n is one of them; no grinding, so that the first check to
     * fail is the constraint identity) */
    fixture g;
    p.pow_bits = 0;
    if (fix_fib(&f, &p, 3, NULL) == 0 && fix_fib(&g, &p, 4, NULL) == 0) {
        CU_ASSERT_EQUAL(f.pub[3], 8);
        CU_ASSERT_EQUAL(g.pub[3], 16);
        memcpy(g.pub, f.pub, sizeof g.pub);
        EXPECT(verify_fix(&g), CAIRN_ERR_VERIFY, "constraint at zeta");
    }
    free_fix(&f);
    free_fix(&g);
}

/* ---- V1 ---- */
static void test_pow(void)
{
    /* a nonce meeting pow_bits - 1 but not pow_bits: the top bit checked is
     * the last one */
    static const unsigned bits[] = {1, 2, 7, 12};
    for (int i = 0; i < 4; i++) {
        stark_params p = test_params(1, 1, bits[i]);
        tamper_fib(&p, 3, (stark_tamper){.kind = STARK_TAMPER_POW_SHORT},
                   "proof-of-work nonce is invalid");
    }
    /* an edited nonce: with 16 bits an accidental witness has chance 2^-16,
     * and the fixed seed fixes the outcome */
    stark_params p = test_params(1, 1, 16);
    fixture f;
    stark_proof pf;
    stark_shape s;
    if (fix_fib(&f, &p, 3, NULL)) return;
    EXPECT(verify_fix(&f), CAIRN_OK, NULL);
    parse(&f, &pf, &s);
    for (int i = 1; i <= 3; i++) {
        pf.pow_nonce = gl_add(pf.pow_nonce, 1);
        EXPECT(verify_parsed(&f, &pf, &s), CAIRN_ERR_VERIFY, "proof-of-work nonce is invalid");
    }
    stark_proof_free(&pf);
    free_fix(&f);
}


/* ---- V2 ---- */
static const char *tab_msg(unsigned t, char *buf, size_t n)
{
    snprintf(buf, n, "table %s: constraint at zeta mismatch", mini->tables[t]->name);
    return buf;
}

static void test_constraints(void)
{
    /* no grinding: an edited public or opened value changes the transcript,
     * and with pow_bits > 0 V1 would (rightly) fail first */
    stark_params p = test_params(1, 1, 0);
    fixture f;
    char want[128];
    /* witnesses that break an AIR constraint: the prover does not check */
    if (fix_mini(&f, &p, 5, NULL, W_BAD_SUM) == 0)
        EXPECT(verify_fix(&f), CAIRN_ERR_VERIFY, "table vals: constraint at zeta mismatch");
    free_fix(&f);
    if (fix_fib_w(&f, &p, 5, NULL, W_BAD_SUM) == 0)
        EXPECT(verify_fix(&f), CAIRN_ERR_VERIFY, "table fib: constraint at zeta mismatch");
    free_fix(&f);
    /* public values that the constraints use */
    if (fix_fib(&f, &p, 5, NULL)) return;
    for (int i = 0; i < STARK_FIB_NPUB; i++) {
        f.pub[i] = gl_add(f.pub[i], 1);
        EXPECT(verify_fix(&f), CAIRN_ERR_VERIFY, "table fib: constraint at zeta mismatch");
        f.pub[i] = gl_sub(f.pub[i], 1);
    }
    /* every component of every opened value of fib (all are constrained);
     * zeta is drawn before the openings are absorbed, so it is unchanged */
    stark_proof pf;
    stark_shape s;
    parse(&f, &pf, &s);
    for (size_t i = 0; i < s.nopen; i++)
        for (int c = 0; c < 3; c++) {
            pf.open[i].c[c] = gl_add(pf.open[i].c[c], 1);
            EXPECT(verify_parsed(&f, &pf, &s), CAIRN_ERR_VERIFY,
                   "table fib: constraint at zeta mismatch");
            pf.open[i].c[c] = gl_sub(pf.open[i].c[c], 1);
        }
    stark_proof_free(&pf);
    free_fix(&f);
    /* mini: consistent forgeries per table */
    if (fix_mini(&f, &p, 5, NULL, W_HONEST)) return;
    EXPECT(verify_fix(&f), CAIRN_OK, NULL);
    parse(&f, &pf, &s);
    for (unsigned t = 0; t < 3; t++) {
        tab_msg(t, want, sizeof want);
        /* a quotient chunk coefficient, committed and opened consistently:
         * first and last coefficient of the coefficient matrix */
        size_t nw = ((size_t)1 << s.log_n[t]) * s.w[TREE_Q][t];
        size_t idx[2] = {0, nw - 1};
        for (int j = 0; j < 2; j++)
            tamper_mini(&p, 5, (stark_tamper){.kind = STARK_TAMPER_QUOTIENT, .table = t,
                                              .index = idx[j], .delta = ONE3},
                        want);
        /* the terminal LogUp sum, absorbed and used by the quotient */
        tamper_mini(&p, 5, (stark_tamper){.kind = STARK_TAMPER_LU_SUM, .table = t, .delta = ONE3},
                    want);
        tamper_mini(&p, 5, (stark_tamper){.kind = STARK_TAMPER_LU_SUM, .table = t, .delta = X3},
                    want);
        /* the running sum shifted on every row together with its terminal
         * sum: s' - s holds, sum / n moves, the last group's constraint
         * fails on every row */
        tamper_mini(&p, 5,
                    (stark_tamper){.kind = STARK_TAMPER_LU_RUNNING, .table = t, .delta = ONE3},
                    want);
        /* a consistently absorbed opening that the identity uses (DEEP
         * uses the honest one): each tree at zeta, LogUp also at g zeta */
        for (int k = 0; k < NTREES; k++)
            for (int pt = 0; pt < 2; pt++) {
                if (!s.w[k][t]) continue;
                int used = pt == 0 || k == TREE_LU;
                if (!used) continue;
                size_t o = s.open_off[t][k][pt] + s.w[k][t] - 1;
                tamper_mini(&p, 5, (stark_tamper){.kind = STARK_TAMPER_OPENING, .index = o,
                                                  .delta = X3},
                            want);
            }
        /* the same openings edited in the parsed proof */
        for (int k = 0; k < NTREES; k++)
            if (s.w[k][t]) {
                size_t o = s.open_off[t][k][0];
                pf.open[o] = gl3_add(pf.open[o], ONE3);
                EXPECT(verify_parsed(&f, &pf, &s), CAIRN_ERR_VERIFY, want);
                pf.open[o] = gl3_sub(pf.open[o], ONE3);
            }
    }
    stark_proof_free(&pf);
    free_fix(&f);
}

/* ---- V3 ---- */
static void test_balance(void)
{
    stark_params p = test_params(1, 1, 2);
    fixture f;
    /* a range value received once too often: every constraint holds */
    if (fix_mini(&f, &p, 5, NULL, W_BAD_MULT) == 0)
        EXPECT(verify_fix(&f), CAIRN_ERR_VERIFY, "LogUp buses do not balance");
    free_fix(&f);
    /* a boundary term (public multiplicity) the io table does not match */
    if (fix_mini(&f, &p, 5, NULL, W_BAD_BOUNDARY) == 0)
        EXPECT(verify_fix(&f), CAIRN_ERR_VERIFY, "LogUp buses do not balance");
    free_fix(&f);
    /* A machine whose only interactions are boundary terms: SEND (p0),
     * RECEIVE (p1) on one bus states p0 = p1. It gets LogUp challenges and
     * a balance check like any other (it once got neither: p0 = 5, p1 = 6
     * was accepted). */
    air_machine *m;
    CU_ASSERT_EQUAL_FATAL(air_machine_new(&m, "bnd", 2), CAIRN_OK);
    air_table *t = air_table_add(m, "t", 0, 1);
    air_expr x = air_col(m, t, AIR_MAIN, 0, 0);
    air_constrain(m, t, air_mul(m, t, air_sel(m, t, AIR_SEL_FIRST), x), "x0");
    air_expr p0 = air_pub(m, m->boundary, 0), p1 = air_pub(m, m->boundary, 1);
    air_expr one = air_const(m, m->boundary, 1);
    air_interact(m, m->boundary, 7, AIR_SEND, one, &p0, 1);
    air_interact(m, m->boundary, 7, AIR_RECEIVE, one, &p1, 1);
    CU_ASSERT_EQUAL_FATAL(air_machine_finish(m, 3), CAIRN_OK);
    stark_pk *pk;
    stark_vk *vk;
    CU_ASSERT_EQUAL_FATAL(stark_setup(&pk, &vk, m, &p), CAIRN_OK);
    gl_t col[8] = {0};
    stark_trace tr = {col, 3};
    const gl_t good[2] = {5, 5}, bad[2] = {5, 6};
    EXPECT(stark_check_trace(m, &tr, good, 2), CAIRN_OK, NULL);
    EXPECT(stark_check_trace(m, &tr, bad, 2), CAIRN_ERR_VERIFY, "do not balance: bus 7");
    /* the checker names the tuples that do not cancel */
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "tuple (5) net multiplicity 1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "tuple (6) net multiplicity -1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "table boundary"));
    uint8_t *proof;
    size_t len;
    CU_ASSERT_EQUAL_FATAL(stark_prove(pk, &tr, good, 2, &proof, &len), CAIRN_OK);
    EXPECT(stark_verify(vk, good, 2, proof, len, TEST_ANY_HEIGHTS), CAIRN_OK, NULL);
    free(proof);
    CU_ASSERT_EQUAL_FATAL(stark_prove(pk, &tr, bad, 2, &proof, &len), CAIRN_OK);
    EXPECT(stark_verify(vk, bad, 2, proof, len, TEST_ANY_HEIGHTS), CAIRN_ERR_VERIFY,
           "LogUp buses do not balance");
    free(proof);
    /* the security calculator credits a LogUp term: it is now checked */
    stark_security_bits sb;
    CU_ASSERT_EQUAL(stark_security(&sb, &p, m, NULL), CAIRN_OK);
    CU_ASSERT(isfinite(sb.logup) && sb.logup > 0);
    stark_pk_free(pk);
    stark_vk_free(vk);
    air_machine_free(m);
}

/* An honest proof of the mini machine at 2^5 rows with p, verified, and
 * parsed; -1 (a failure recorded) if it cannot be made. */
static int mini_parsed(fixture *f, stark_proof *pf, stark_shape *s, const stark_params *p)
{
    if (fix_mini(f, p, 5, NULL, W_HONEST)) return -1;
    EXPECT(verify_fix(f), CAIRN_OK, NULL);
    parse(f, pf, s);
    return 0;
}

/* ---- the native verifier's batches of queries (vctx.h "lanes backend")
 * ---- The queries run VLN_LANES at a time in one pass; a forged query
 * in any lane of any batch (first, last, the partial last batch) is
 * reported with its own index and message, and with two forged queries
 * the lower one, as one query at a time would. */
static void test_lanes(void)
{
    stark_params p = test_params(1, 0, 2);
    p.queries = 2 * VLN_LANES + 5; /* two full batches and a partial one */
    fixture f;
    stark_proof pf;
    stark_shape s;
    if (mini_parsed(&f, &pf, &s, &p)) return;
    char want[128];
    const unsigned nq = p.queries;
    const unsigned qs[] = {0, 1, VLN_LANES - 1, VLN_LANES, VLN_LANES + 1, 2 * VLN_LANES - 1, 2 * VLN_LANES, nq - 1};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        const unsigned q = qs[i];
        /* the first main value of query q's opened rows (after the
         * preprocessed tree's) */
        size_t pre = 0;
        for (unsigned m = 0; m < s.tree_nmats[TREE_PRE]; m++) pre += s.w[TREE_PRE][s.tree_tab[TREE_PRE][m]];
        gl_t *row = pf.q_rows + (size_t)q * s.q_rows + pre;
        *row = gl_add(*row, 1);
        snprintf(want, sizeof want, "query %u: main Merkle path mismatch", q);
        EXPECT(verify_parsed(&f, &pf, &s), CAIRN_ERR_VERIFY, want);
        /* with a later query forged too, still query q */
        const unsigned q2 = q + VLN_LANES + 1 < nq ? q + VLN_LANES + 1 : nq - 1;
        gl3_t *fv = pf.q_fri_vals + (size_t)q2 * s.q_fri_vals;
        if (q2 != q) {
            fv[0].c[0] = gl_add(fv[0].c[0], 1);
            EXPECT(verify_parsed(&f, &pf, &s), CAIRN_ERR_VERIFY, want);
            fv[0].c[0] = gl_sub(fv[0].c[0], 1);
        }
        *row = gl_sub(*row, 1);
        /* a FRI path sibling of query q: the FRI layer's message */
        p2_digest *fp = pf.q_fri_paths + (size_t)q * s.q_fri_paths;
        fp[0].v[1] = gl_add(fp[0].v[1], 1);
        snprintf(want, sizeof want, "query %u: FRI layer 0 Merkle path mismatch", q);
        EXPECT(verify_parsed(&f, &pf, &s), CAIRN_ERR_VERIFY, want);
        fp[0].v[1] = gl_sub(fp[0].v[1], 1);
    }
    EXPECT(verify_parsed(&f, &pf, &s), CAIRN_OK, NULL);
    stark_proof_free(&pf);
    free_fix(&f);
}

/* ---- V4, V5 ---- */
static void test_merkle(void)
{
    static const char *tname[NTREES] = {"preprocessed", "main", "LogUp", "quotient"};
    char want[128];
    for (unsigned arity = 1; arity <= 3; arity += 2) {
        stark_params p = test_params(arity, 0, 2);
        fixture f;
        stark_proof pf;
        stark_shape s;
        if (mini_parsed(&f, &pf, &s, &p)) return;
        const unsigned qlast = f.vk->p.queries - 1;
        for (unsigned q = 0; q <= qlast; q += qlast) {
            gl_t *rows = pf.q_rows + (size_t)q * s.q_rows;
            p2_digest *paths = pf.q_paths + (size_t)q * s.q_paths;
            for (int k = 0; k < NTREES; k++) {
                CU_ASSERT(s.tree_nmats[k] > 0); /* mini has every tree */
                snprintf(want, sizeof want, "query %u: %s Merkle path mismatch", q, tname[k]);
                /* first and last value of each table's opened row */
                for (unsigned i = 0; i < s.tree_nmats[k]; i++) {
                    unsigned w = s.w[k][s.tree_tab[k][i]];
                    size_t at[2] = {0, w - 1};
                    for (int j = 0; j < 2; j++) {
                        rows[at[j]] = gl_add(rows[at[j]], 1);
                        EXPECT(verify_parsed(&f, &pf, &s), CAIRN_ERR_VERIFY, want);
                        rows[at[j]] = gl_sub(rows[at[j]], 1);
                    }
                    rows += w;
                }
                /* every sibling of the path */
                for (unsigned l = 0; l < s.tree_log_h[k]; l++) {
                    paths[l].v[l % 4] = gl_add(paths[l].v[l % 4], 1);
                    EXPECT(verify_parsed(&f, &pf, &s), CAIRN_ERR_VERIFY, want);
                    paths[l].v[l % 4] = gl_sub(paths[l].v[l % 4], 1);
                }
                /* the wrong direction at the bottom: the sibling swapped in */
                p2_digest sib = paths[0];
                paths[0] = (p2_digest){{0}};
                EXPECT(verify_parsed(&f, &pf, &s), CAIRN_ERR_VERIFY, want);
                paths[0] = sib;
                paths += s.tree_log_h[k];
            }
            /* FRI layers: every value of the coset row, every sibling */
            gl3_t *fv = pf.q_fri_vals + (size_t)q * s.q_fri_vals;
            p2_digest *fp = pf.q_fri_paths + (size_t)q * s.q_fri_paths;
            for (unsigned l = 0; l < s.nlayers; l++) {
                unsigned m = 1u << s.layer_arity[l], depth = s.layer_log[l] - s.layer_arity[l];
                snprintf(want, sizeof want, "query %u: FRI layer %u Merkle path mismatch", q, l);
                for (unsigned t = 0; t < m; t++) {
                    fv[t].c[t % 3] = gl_add(fv[t].c[t % 3], 1);
                    EXPECT(verify_parsed(&f, &pf, &s), CAIRN_ERR_VERIFY, want);
                    fv[t].c[t % 3] = gl_sub(fv[t].c[t % 3], 1);
                }
                for (unsigned d = 0; d < depth; d++) {
                    fp[d].v[3 - d % 4] = gl_add(fp[d].v[3 - d % 4], 1);
                    EXPECT(verify_parsed(&f, &pf, &s), CAIRN_ERR_VERIFY, want);
                    fp[d].v[3 - d % 4] = gl_sub(fp[d].v[3 - d % 4], 1);
                }
                fv += m;
                fp += depth;
            }
        }
        EXPECT(verify_parsed(&f, &pf, &s), CAIRN_OK, NULL); /* every edit undone */
        /* a root that differs in one element only, absorbed consistently:
         * each element of the recomputed root is compared */
        for (unsigned e = 0; e < P2_DIGEST && arity == 1; e++) {
            for (int k = TREE_MAIN; k < NTREES; k++) {
                snprintf(want, sizeof want, "query 0: %s Merkle path mismatch", tname[k]);
                tamper_mini(&p, 5, (stark_tamper){.kind = STARK_TAMPER_ROOT, .tree = (unsigned)k,
                                                  .index = e, .delta = ONE3},
                            want);
            }
            for (unsigned l = 0; l < s.nlayers; l += s.nlayers - 1) {
                snprintf(want, sizeof want, "query 0: FRI layer %u Merkle path mismatch", l);
                tamper_mini(&p, 5, (stark_tamper){.kind = STARK_TAMPER_ROOT, .tree = NTREES,
                                                  .layer = l, .index = e, .delta = ONE3},
                            want);
            }
        }
        stark_proof_free(&pf);
        free_fix(&f);
    }
}

/* ---- V6, V7 ---- */

/* Index of the FRI layer of log size h (-1: none, it is the final size). */
static int layer_of(const stark_shape *s, unsigned h)
{
    for (unsigned l = 0; l < s->nlayers; l++)
        if (s->layer_log[l] == h) return (int)l;
    return -1;
}

static void fold_msg(char *buf, size_t n, unsigned l)
{
    if (l == 0)
        snprintf(buf, n, "FRI query 0 layer 0: value does not match the DEEP composition");
    else
        snprintf(buf, n, "FRI query 0 layer %u: value does not match the fold of layer %u", l, l - 1);
}

static void test_fri(void)
{
    char want[160];
    /* V6 at every layer, for each arity: layer l shifted by a constant under
     * a valid root keeps its degree, so only its fold check can fail */
    for (unsigned arity = 1; arity <= 3; arity++) {
        stark_params p = test_params(arity, 0, 2);
        fixture f;
        stark_proof pf;
        stark_shape s;
        if (fix_mini(&f, &p, 5, NULL, W_HONEST)) return;
        parse(&f, &pf, &s);
        CU_ASSERT(s.nlayers >= 3);
        for (unsigned l = 0; l < s.nlayers; l++) {
            fold_msg(want, sizeof want, l);
            tamper_mini(&p, 5, (stark_tamper){.kind = STARK_TAMPER_FRI_LAYER, .layer = l, .delta = X3},
                        want);
        }
        /* the roll-in: the DEEP codeword of each table, and an opening only
         * DEEP uses (g zeta of a main or preprocessed column) */
        for (unsigned t = 0; t < 3; t++) {
            unsigned h = s.log_n[t] + s.log_b;
            int l = layer_of(&s, h);
            if (l < 0)
                snprintf(want, sizeof want, "final polynomial mismatch");
            else
                fold_msg(want, sizeof want, (unsigned)l);
            if (l > 0) strcat(want, " plus the DEEP roll-in");
            tamper_mini(&p, 5, (stark_tamper){.kind = STARK_TAMPER_DEEP, .h = h, .delta = ONE3}, want);
            int k = t == T_RANGE ? TREE_PRE : TREE_MAIN;
            tamper_mini(&p, 5, (stark_tamper){.kind = STARK_TAMPER_OPENING,
                                              .index = s.open_off[t][k][1], .delta = X3},
                        want);
        }
        /* a committed column that does not match its openings makes the
         * DEEP codeword of its size far from low-degree; the folds stay
         * consistent, so the final polynomial check rejects it (main, LogUp
         * and quotient columns of every table; the preprocessed tree is the
         * key's) */
        for (unsigned t = 0; t < 3 && arity == 1; t++)
            for (unsigned k = TREE_MAIN; k < NTREES; k++)
                tamper_mini(&p, 5, (stark_tamper){.kind = STARK_TAMPER_COLUMN, .tree = k, .table = t,
                                                  .index = s.w[k][t] - 1, .delta = ONE3},
                            "FRI query 0: final polynomial mismatch");
        /* the same at blowup 4, where the prover keeps only blocks 0 and 1
         * of the tallest main and LogUp LDEs, streams the LogUp blocks into
         * the tree and rebuilds the queried rows of blocks 2 and 3 */
        stark_params p4 = p;
        p4.log_blowup = 2;
        for (unsigned t = 0; t < 3 && arity == 1; t++)
            for (unsigned k = TREE_MAIN; k < NTREES; k++)
                tamper_mini(&p4, 5, (stark_tamper){.kind = STARK_TAMPER_COLUMN, .tree = k, .table = t,
                                                   .index = s.w[k][t] - 1, .delta = ONE3},
                            "FRI query 0: final polynomial mismatch");
        /* V7: a final coefficient, first and last */
        size_t nc = (size_t)1 << s.log_final;
        tamper_mini(&p, 5, (stark_tamper){.kind = STARK_TAMPER_FINAL, .index = 0, .delta = ONE3},
                    "FRI query 0: final polynomial mismatch");
        tamper_mini(&p, 5, (stark_tamper){.kind = STARK_TAMPER_FINAL, .index = nc - 1, .delta = X3},
                    "FRI query 0: final polynomial mismatch");
        stark_proof_free(&pf);
        free_fix(&f);
    }
    /* the smallest table rolled into the final polynomial */
    {
        stark_params p = test_params(2, 2, 2);
        fixture f;
        stark_proof pf;
        stark_shape s;
        if (fix_mini(&f, &p, 5, NULL, W_HONEST)) return;
        parse(&f, &pf, &s);
        unsigned h = s.log_n[T_IO] + s.log_b;
        CU_ASSERT_EQUAL(layer_of(&s, h), -1);
        CU_ASSERT_EQUAL(s.log_final + s.log_b, h);
        const char *m = "FRI query 0: final polynomial mismatch (with the last fold plus the DEEP roll-in)";
        tamper_mini(&p, 5, (stark_tamper){.kind = STARK_TAMPER_DEEP, .h = h, .delta = X3}, m);
        tamper_mini(&p, 5, (stark_tamper){.kind = STARK_TAMPER_OPENING,
                                          .index = s.open_off[T_IO][TREE_MAIN][1] + 1, .delta = ONE3},
                    m);
        stark_proof_free(&pf);
        free_fix(&f);
    }
    /* fib: every layer at arity 2 with a final polynomial of 2 coefficients */
    {
        stark_params p = test_params(2, 1, 2);
        fixture f;
        stark_proof pf;
        stark_shape s;
        if (fix_fib(&f, &p, 7, NULL)) return;
        parse(&f, &pf, &s);
        for (unsigned l = 0; l < s.nlayers; l++) {
            fold_msg(want, sizeof want, l);
            tamper_fib(&p, 7, (stark_tamper){.kind = STARK_TAMPER_FRI_LAYER, .layer = l, .delta = ONE3},
                       want);
        }
        tamper_fib(&p, 7, (stark_tamper){.kind = STARK_TAMPER_FINAL, .index = 1, .delta = ONE3},
                   "FRI query 0: final polynomial mismatch");
        stark_proof_free(&pf);
        free_fix(&f);
    }
    /* no FRI layers at all (fib of 4 rows, final polynomial of 4
     * coefficients): V7 is the DEEP check */
    {
        stark_params p = test_params(1, 2, 2);
        fixture f;
        stark_proof pf;
        stark_shape s;
        if (fix_fib(&f, &p, 2, NULL)) return;
        EXPECT(verify_fix(&f), CAIRN_OK, NULL);
        parse(&f, &pf, &s);
        CU_ASSERT_EQUAL(s.nlayers, 0);
        tamper_fib(&p, 2, (stark_tamper){.kind = STARK_TAMPER_DEEP, .h = s.log_l0, .delta = ONE3},
                   "FRI query 0: final polynomial mismatch (with the DEEP composition of the opened rows)");
        tamper_fib(&p, 2, (stark_tamper){.kind = STARK_TAMPER_FINAL, .index = 3, .delta = X3},
                   "FRI query 0: final polynomial mismatch");
        stark_proof_free(&pf);
        free_fix(&f);
    }
}

/* ---- bindings: edits of absorbed values without re-commitment ---- */
static void test_bindings(void)
{
    stark_params p = test_params(1, 1, 0); /* no grinding: PoW cannot catch it first */
    fixture f;
    stark_proof pf;
    stark_shape s;
    if (fix_mini(&f, &p, 6, NULL, W_HONEST)) return;
    EXPECT(verify_fix(&f), CAIRN_OK, NULL);
    parse(&f, &pf, &s);
    /* absorbed before zeta: every later challenge changes */
    p2_digest *roots[3] = {&pf.main_root, &pf.lu_root, &pf.q_root};
    for (int i = 0; i < 3; i++) {
        roots[i]->v[i] = gl_add(roots[i]->v[i], 1);
        EXPECT(verify_parsed(&f, &pf, &s), CAIRN_ERR_VERIFY, "constraint at zeta mismatch");
        roots[i]->v[i] = gl_sub(roots[i]->v[i], 1);
    }
    for (unsigned t = 0; t < 3; t++) {
        pf.lu_sum[t] = gl3_add(pf.lu_sum[t], X3);
        EXPECT(verify_parsed(&f, &pf, &s), CAIRN_ERR_VERIFY, "constraint at zeta mismatch");
        pf.lu_sum[t] = gl3_sub(pf.lu_sum[t], X3);
    }
    /* a public value only the boundary term uses */
    f.pub[0] = gl_add(f.pub[0], 1);
    EXPECT(verify_fix(&f), CAIRN_ERR_VERIFY, "constraint at zeta mismatch");
    f.pub[0] = gl_sub(f.pub[0], 1);
    /* absorbed after zeta: FRI challenges and query indices change */
    for (unsigned l = 0; l < s.nlayers; l++) {
        pf.fri_root[l].v[0] = gl_add(pf.fri_root[l].v[0], 1);
        EXPECT(verify_parsed(&f, &pf, &s), CAIRN_ERR_VERIFY, NULL);
        pf.fri_root[l].v[0] = gl_sub(pf.fri_root[l].v[0], 1);
    }
    pf.final_poly[0] = gl3_add(pf.final_poly[0], ONE3);
    EXPECT(verify_parsed(&f, &pf, &s), CAIRN_ERR_VERIFY, NULL);
    pf.final_poly[0] = gl3_sub(pf.final_poly[0], ONE3);
    /* with pow_bits = 0 any nonce passes V1, but it is still absorbed */
    pf.pow_nonce = gl_add(pf.pow_nonce, 1);
    EXPECT(verify_parsed(&f, &pf, &s), CAIRN_ERR_VERIFY, "Merkle path mismatch");
    pf.pow_nonce = gl_sub(pf.pow_nonce, 1);
    EXPECT(verify_parsed(&f, &pf, &s), CAIRN_OK, NULL);
    stark_proof_free(&pf);
    free_fix(&f);
}

/* ---- K1..K4 ---- */
static void test_keys(void)
{
    stark_params ok = test_params(1, 1, 2), p;
    /* each field at both limits is valid, one past them is not */
#define BOUND(fld, lo, hi, nm)                                                         \
    do {                                                                               \
        p = ok;                                                                        \
        p.fld = lo;                                                                    \
        EXPECT(stark_params_validate(&p), CAIRN_OK, NULL);                             \
        p.fld = hi;                                                                    \
        EXPECT(stark_params_validate(&p), CAIRN_OK, NULL);                             \
        p.fld = hi + 1;                                                                \
        EXPECT(stark_params_validate(&p), CAIRN_ERR_USAGE, nm);                        \
        if (lo > 0) {                                                                  \
            p.fld = lo - 1;                                                            \
            EXPECT(stark_params_validate(&p), CAIRN_ERR_USAGE, nm);                    \
        }                                                                              \
    } while (0)
    BOUND(log_blowup, 1, 6, "log_blowup");
    BOUND(queries, 1, 512, "queries");
    BOUND(pow_bits, 0, 32, "pow_bits");
    BOUND(log_arity, 1, 3, "log_arity");
    BOUND(log_final_len, 0, 8, "log_final_len");
#undef BOUND
    stark_pk *pk;
    stark_vk *vk;
    p = ok;
    p.queries = 0;
    EXPECT(stark_setup(&pk, &vk, fib, &p), CAIRN_ERR_USAGE, "queries");
    CU_ASSERT_PTR_NULL(pk);
    CU_ASSERT_PTR_NULL(vk);
    /* K2 */
    air_machine *m;
    CU_ASSERT_EQUAL_FATAL(air_machine_new(&m, "raw", 0), CAIRN_OK);
    air_table *t = air_table_add(m, "t", 0, 1);
    air_expr x = air_col(m, t, AIR_MAIN, 0, 0);
    EXPECT(stark_setup(&pk, &vk, m, &ok), CAIRN_ERR_USAGE, "machine raw is not finished");
    /* K3: 65 interactions in one table */
    for (int i = 0; i < STARK_MAX_INTS + 1; i++) air_interact(m, t, 1, AIR_SEND, x, &x, 1);
    CU_ASSERT_EQUAL_FATAL(air_machine_finish(m, 3), CAIRN_OK);
    EXPECT(stark_setup(&pk, &vk, m, &ok), CAIRN_ERR_LIMIT, "interactions");
    air_machine_free(m);
    /* K4: constraints of degree up to 8 (air.h), whatever the blowup: a
     * quotient domain larger than the LDE is computed for the quotient
     * alone (test_stark_qdomain proves and forges such machines) */
    CU_ASSERT_EQUAL_FATAL(air_machine_new(&m, "deg8", 0), CAIRN_OK);
    t = air_table_add(m, "t", 0, 1);
    x = air_col(m, t, AIR_MAIN, 0, 0);
    air_expr x2 = air_mul(m, t, x, x), x4 = air_mul(m, t, x2, x2);
    air_constrain(m, t, air_mul(m, t, x4, x4), "x8");
    EXPECT(air_machine_finish(m, 9), CAIRN_ERR_USAGE, "max degree 9 outside 2..8");
    CU_ASSERT_EQUAL_FATAL(air_machine_finish(m, 8), CAIRN_OK);
    EXPECT(stark_setup(&pk, &vk, m, &ok), CAIRN_OK, NULL);
    stark_pk_free(pk);
    stark_vk_free(vk);
    air_machine_free(m);
    CU_ASSERT_EQUAL_FATAL(air_machine_new(&m, "deg5", 0), CAIRN_OK);
    t = air_table_add(m, "t", 0, 1);
    x = air_col(m, t, AIR_MAIN, 0, 0);
    x2 = air_mul(m, t, x, x);
    air_constrain(m, t, air_mul(m, t, x, air_mul(m, t, x2, x2)), "x5");
    CU_ASSERT_EQUAL_FATAL(air_machine_finish(m, 5), CAIRN_OK);
    EXPECT(stark_setup(&pk, &vk, m, &ok), CAIRN_OK, NULL);
    stark_pk_free(pk);
    stark_vk_free(vk);
    p = ok;
    p.log_blowup = 2;
    EXPECT(stark_setup(&pk, &vk, m, &p), CAIRN_OK, NULL);
    stark_pk_free(pk);
    stark_vk_free(vk);
    air_machine_free(m);
    /* and proves: x^5 = x on a 0/1 column (4 quotient chunks, so the
     * prover rebuilds LDE blocks 2 and 3 for the quotient) */
    CU_ASSERT_EQUAL_FATAL(air_machine_new(&m, "deg5b", 0), CAIRN_OK);
    t = air_table_add(m, "t", 0, 1);
    x = air_col(m, t, AIR_MAIN, 0, 0);
    x2 = air_mul(m, t, x, x);
    air_constrain(m, t, air_sub(m, t, air_mul(m, t, x, air_mul(m, t, x2, x2)), x), "x5 = x");
    CU_ASSERT_EQUAL_FATAL(air_machine_finish(m, 5), CAIRN_OK);
    EXPECT(stark_setup(&pk, &vk, m, &p), CAIRN_OK, NULL);
    gl_t col[64];
    for (int i = 0; i < 64; i++) col[i] = (gl_t)((i * 7 + 3) % 5 < 2);
    stark_trace tr = {col, 6};
    uint8_t *proof = NULL;
    size_t len = 0;
    EXPECT(stark_prove(pk, &tr, NULL, 0, &proof, &len), CAIRN_OK, NULL);
    EXPECT(stark_verify(vk, NULL, 0, proof, len, TEST_ANY_HEIGHTS), CAIRN_OK, NULL);
    col[5] = 2; /* 2^5 != 2 */
    free(proof);
    proof = NULL;
    if (stark_prove(pk, &tr, NULL, 0, &proof, &len) == CAIRN_OK)
        CU_ASSERT_NOT_EQUAL(stark_verify(vk, NULL, 0, proof, len, TEST_ANY_HEIGHTS), CAIRN_OK);
    free(proof);
    stark_pk_free(pk);
    stark_vk_free(vk);
    air_machine_free(m);
}

/* ---- control flow: a recording backend ----
 * Wraps the native backend and hashes the kind of every operation and
 * every constant; values read from the proof and results are not part of
 * the record. Equal records for different proofs of one shape mean the
 * verifier did the same thing for both. */
typedef struct {
    vctx ctx;
    vctx_native nat;
    uint64_t h, n;
} recorder;

static void rec(vctx *c, uint64_t op)
{
    recorder *r = c->impl;
    r->h = (r->h ^ op) * 0x100000001b3ull;
    r->n++;
}
#define NAT(c) (&((recorder *)(c)->impl)->nat.ctx)
#define NOPS(c) (NAT(c)->ops)
static vb r_const(vctx *c, gl_t x) { rec(c, 1); rec(c, x); return NOPS(c)->b_const(NAT(c), x); }
static vb r_input(vctx *c, gl_t x) { rec(c, 2); return NOPS(c)->b_input(NAT(c), x); }
static vb r_add(vctx *c, vb a, vb b) { rec(c, 3); return NOPS(c)->b_add(NAT(c), a, b); }
static vb r_sub(vctx *c, vb a, vb b) { rec(c, 4); return NOPS(c)->b_sub(NAT(c), a, b); }
static vb r_mul(vctx *c, vb a, vb b) { rec(c, 5); return NOPS(c)->b_mul(NAT(c), a, b); }
static vb r_inv(vctx *c, vb a) { rec(c, 6); return NOPS(c)->b_inv(NAT(c), a); }
static vb r_select(vctx *c, vb s, vb a, vb b) { rec(c, 7); return NOPS(c)->b_select(NAT(c), s, a, b); }
static void r_bits(vctx *c, vb *o, vb x, unsigned n)
{
    rec(c, 8);
    rec(c, n);
    NOPS(c)->b_bits(NAT(c), o, x, n);
}
static ve r_econst(vctx *c, gl3_t x)
{
    rec(c, 9);
    for (int i = 0; i < 3; i++) rec(c, x.c[i]);
    return NOPS(c)->e_const(NAT(c), x);
}
static ve r_einput(vctx *c, gl3_t x) { rec(c, 10); return NOPS(c)->e_input(NAT(c), x); }
static ve r_efrom(vctx *c, vb a) { rec(c, 11); return NOPS(c)->e_from_base(NAT(c), a); }
static ve r_eadd(vctx *c, ve a, ve b) { rec(c, 12); return NOPS(c)->e_add(NAT(c), a, b); }
static ve r_esub(vctx *c, ve a, ve b) { rec(c, 13); return NOPS(c)->e_sub(NAT(c), a, b); }
static ve r_emul(vctx *c, ve a, ve b) { rec(c, 14); return NOPS(c)->e_mul(NAT(c), a, b); }
static ve r_emulb(vctx *c, ve a, vb b) { rec(c, 15); return NOPS(c)->e_mul_base(NAT(c), a, b); }
static ve r_einv(vctx *c, ve a) { rec(c, 16); return NOPS(c)->e_inv(NAT(c), a); }
static ve r_emulbadd(vctx *c, ve s, ve a, vb b)
{
    rec(c, 23);
    return NOPS(c)->e_mul_base_add(NAT(c), s, a, b);
}
static ve r_emulbadd2(vctx *c, ve s, ve a1, vb b1, ve a2, vb b2)
{
    rec(c, 24);
    return NOPS(c)->e_mul_base_add2(NAT(c), s, a1, b1, a2, b2);
}
static ve r_ehorner2(vctx *c, ve s, ve a1, vb b1, ve a2, vb b2)
{
    rec(c, 25);
    return NOPS(c)->e_horner2(NAT(c), s, a1, b1, a2, b2);
}
static ve r_esel(vctx *c, vb s, ve a, ve b) { rec(c, 17); return NOPS(c)->e_select(NAT(c), s, a, b); }
static void r_eparts(vctx *c, vb o[3], ve a)
{
    rec(c, 18);
    NOPS(c)->e_parts(NAT(c), o, a);
}
static void r_permute(vctx *c, vb st[P2_WIDTH])
{
    rec(c, 19);
    NOPS(c)->permute(NAT(c), st);
}
static void r_permute_swap(vctx *c, vb st[P2_WIDTH], vb bit)
{
    rec(c, 22);
    NOPS(c)->permute_swap(NAT(c), st, bit);
}
static void r_assert(vctx *c, vb a, vb b, const char *fmt, va_list ap)
{
    rec(c, 20);
    NOPS(c)->b_assert_eq(NAT(c), a, b, fmt, ap);
}
static void r_eassert(vctx *c, ve a, ve b, const char *fmt, va_list ap)
{
    rec(c, 21);
    NOPS(c)->e_assert_eq(NAT(c), a, b, fmt, ap);
}
static const vctx_ops rec_ops = {r_const, r_input, r_add,    r_sub,   r_mul,   r_inv,
                                 r_select, r_bits, r_econst, r_einput, r_efrom, r_eadd,
                                 r_esub,  r_emul,  r_emulb,  r_emulbadd, r_emulbadd2, r_ehorner2, r_einv,  r_esel,  r_eparts,
                                 r_permute, r_permute_swap, r_assert, r_eassert};

static void record(recorder *r, const fixture *f, const stark_proof *pf, const stark_shape *s)
{
    memset(r, 0, sizeof *r);
    vctx_native_init(&r->nat);
    r->ctx.ops = &rec_ops;
    r->ctx.impl = r;
    r->h = 0xcbf29ce484222325ull;
    CU_ASSERT_EQUAL(stark_verify_vctx(&r->ctx, f->vk, s, pf, f->pub, f->npub), CAIRN_OK);
}

static void test_control_flow(void)
{
    stark_params p = test_params(2, 0, 3);
    fixture f;
    stark_proof pf;
    stark_shape s;
    if (fix_mini(&f, &p, 5, NULL, W_HONEST)) return;
    parse(&f, &pf, &s);
    recorder honest, r;
    record(&honest, &f, &pf, &s);
    CU_ASSERT_EQUAL(honest.nat.failures, 0);
    CU_ASSERT(honest.n > 10000);
    unsigned forgeries = 0;
#define SAME_FLOW()                                                                            \
    do {                                                                                       \
        record(&r, &f, &pf, &s);                                                               \
        CU_ASSERT(r.nat.failures > 0);                                                         \
        CU_ASSERT_EQUAL(r.n, honest.n);                                                        \
        CU_ASSERT_EQUAL(r.h, honest.h);                                                        \
        forgeries++;                                                                           \
    } while (0)
    /* every kind of proof value, changed: a different transcript, other
     * query indices (other Merkle directions, other coset elements) */
    pf.main_root.v[0] ^= 1;
    SAME_FLOW();
    pf.main_root.v[0] ^= 1;
    pf.lu_sum[T_IO] = gl3_add(pf.lu_sum[T_IO], ONE3);
    SAME_FLOW();
    pf.lu_sum[T_IO] = gl3_sub(pf.lu_sum[T_IO], ONE3);
    pf.open[3] = gl3_add(pf.open[3], X3);
    SAME_FLOW();
    pf.open[3] = gl3_sub(pf.open[3], X3);
    pf.final_poly[0] = gl3_add(pf.final_poly[0], X3);
    SAME_FLOW();
    pf.final_poly[0] = gl3_sub(pf.final_poly[0], X3);
    for (int i = 1; i <= 3; i++) {
        pf.pow_nonce = gl_add(pf.pow_nonce, 1);
        SAME_FLOW();
    }
    pf.pow_nonce = gl_sub(pf.pow_nonce, 3);
    pf.q_rows[2] = gl_add(pf.q_rows[2], 1);
    SAME_FLOW();
    pf.q_rows[2] = gl_sub(pf.q_rows[2], 1);
    pf.q_fri_vals[1] = gl3_add(pf.q_fri_vals[1], ONE3);
    SAME_FLOW();
    pf.q_fri_vals[1] = gl3_sub(pf.q_fri_vals[1], ONE3);
    pf.q_paths[0].v[0] = 0;
    SAME_FLOW();
    /* another witness, tampered, of the same shape */
    fixture w;
    if (fix_mini(&w, &p, 5, &(stark_tamper){.kind = STARK_TAMPER_FRI_LAYER, .layer = 1, .delta = ONE3},
                 W_BAD_MULT) == 0) {
        stark_proof pw;
        stark_shape sw;
        parse(&w, &pw, &sw);
        record(&r, &w, &pw, &sw);
        CU_ASSERT(r.nat.failures > 0);
        CU_ASSERT_EQUAL(r.n, honest.n);
        CU_ASSERT_EQUAL(r.h, honest.h);
        forgeries++;
        stark_proof_free(&pw);
    }
    free_fix(&w);
#undef SAME_FLOW
    fprintf(stderr, "control flow: %llu operations, identical for %u forgeries\n",
            (unsigned long long)honest.n, forgeries);
    stark_proof_free(&pf);
    free_fix(&f);
}

int main(void)
{
    if (stark_machine_fib(&fib) != CAIRN_OK || machine_mini(&mini) != CAIRN_OK) return 1;
    static const test_case cases[] = {{"P1-P12 parser", test_parser},
                                      {"P13 path references", test_paths},
                                      {"S1-S4 statement", test_statement},
                                      {"V1 proof of work", test_pow},
                                      {"V2 constraints at zeta", test_constraints},
                                      {"V3 LogUp balance", test_balance},
                                      {"V4 V5 Merkle openings", test_merkle},
                                      {"V4 V5 queries in batches of VLN_LANES", test_lanes},
                                      {"V6 V7 FRI folds, DEEP, final polynomial", test_fri},
                                      {"bindings", test_bindings},
                                      {"K1-K4 keys and parameters", test_keys},
                                      {"control flow independent of the proof", test_control_flow},
                                      {NULL, NULL}};
    int rc = test_run_suite("stark_forge", cases);
    fprintf(stderr, "stark_forge: %u forgeries checked\n", n_checked);
    air_machine_free(fib);
    air_machine_free(mini);
    return rc;
}
