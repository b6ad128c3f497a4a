/* Poseidon2 over Goldilocks, width 12: the reference permutation, the
 * portable fast path, dispatch to the SIMD kernels (p2_avx2.c,
 * p2_avx512.c), and the sponge / compression functions of p2.h.
 *
 * Fast-path arithmetic (here and in p2_simd.h): state words between layers
 * are any values < 2^64 that are congruent to the true state mod p, not
 * necessarily canonical; only the output of a permutation is made
 * canonical. Linear layers accumulate in more than 64 bits (128-bit
 * integers here, 32-bit halves in SIMD) and reduce once per output, and
 * each round constant is added inside the reduction of the linear layer
 * that precedes it. */
#include "p2.h"

#include <string.h>

#include "../common/cpu.h"
#include "p2_constants.h"
#include "p2_impl.h"

/* ---------------------------------------------------------------------
 * Reference: the round structure of the vector file, literally, with the
 * canonical field operations of gl.h.
 * ------------------------------------------------------------------- */

/* M4 = circ(2, 3, 1, 1), as written in the vector file. */
static const gl_t REF_M4[4][4] = {{2, 3, 1, 1}, {1, 2, 3, 1}, {1, 1, 2, 3}, {3, 1, 1, 2}};

static void ref_external(gl_t st[P2_WIDTH])
{
    gl_t y[P2_WIDTH];
    for (int b = 0; b < P2_WIDTH; b += 4)
        for (int i = 0; i < 4; i++) {
            gl_t acc = 0;
            for (int j = 0; j < 4; j++) acc = gl_add(acc, gl_mul(REF_M4[i][j], st[b + j]));
            y[b + i] = acc;
        }
    for (int i = 0; i < P2_WIDTH; i++) {
        gl_t s = 0;
        for (int j = i % 4; j < P2_WIDTH; j += 4) s = gl_add(s, y[j]);
        st[i] = gl_add(y[i], s);
    }
}

static void ref_internal(gl_t st[P2_WIDTH])
{
    gl_t sum = 0;
    for (int i = 0; i < P2_WIDTH; i++) sum = gl_add(sum, st[i]);
    for (int i = 0; i < P2_WIDTH; i++) st[i] = gl_add(gl_mul(P2_DIAG[i], st[i]), sum);
}

static gl_t ref_sbox(gl_t x) { return gl_exp(x, 7); }

static void ref_full_round(gl_t st[P2_WIDTH], const uint64_t rc[P2_WIDTH])
{
    for (int i = 0; i < P2_WIDTH; i++) st[i] = ref_sbox(gl_add(st[i], rc[i]));
    ref_external(st);
}

void p2_permute_ref(gl_t st[P2_WIDTH])
{
    ref_external(st);
    for (int r = 0; r < P2_ROUNDS_F_HALF; r++) ref_full_round(st, P2_RC_EXT_INIT[r]);
    for (int r = 0; r < P2_ROUNDS_P; r++) {
        st[0] = ref_sbox(gl_add(st[0], P2_RC_INT[r]));
        ref_internal(st);
    }
    for (int r = 0; r < P2_ROUNDS_F_HALF; r++) ref_full_round(st, P2_RC_EXT_FINAL[r]);
}

/* ---------------------------------------------------------------------
 * Portable fast path.
 * ------------------------------------------------------------------- */

typedef unsigned __int128 u128;

/* a + b, plus 2^32 - 1 (= 2^64 mod p) if the sum wrapped; the callers
 * guarantee a second wrap is impossible. Whether it wraps is data
 * dependent and close to a coin flip for products, so this must not be a
 * branch: on x86-64 the carry becomes 2^32 - 1 through sbb on a 32-bit
 * register (0 or 0xffffffff, zero-extended). */
static inline uint64_t add_wrap(uint64_t a, uint64_t b)
{
#if defined(__x86_64__)
    uint64_t adj;
    __asm__("add %[b], %[a]\n\tsbb %k[adj], %k[adj]"
            : [a] "+r"(a), [adj] "=r"(adj)
            : [b] "r"(b)
            : "cc");
    return a + adj;
#else
    uint64_t r;
    uint64_t c = __builtin_add_overflow(a, b, &r);
    return r + ((0 - c) & GL_EPS);
#endif
}

/* A value < 2^64 congruent to v, for v < 2^96 (hi word < 2^32): with
 * 2^64 = 2^32 - 1 (mod p), lo + hi (2^32 - 1) wraps at most once, and
 * after a wrap the low word is below hi (2^32 - 1), so adding 2^32 - 1 for
 * the lost 2^64 cannot wrap again. */
static inline uint64_t red_wide(u128 v)
{
    return add_wrap((uint64_t)v, (uint64_t)(v >> 64) * GL_EPS);
}

/* a * b mod p for any a, b < 2^64; result < 2^64, not necessarily < p
 * (gl_reduce128 without its final conditional subtraction). */
static inline uint64_t mul_lazy(uint64_t a, uint64_t b)
{
    u128 x = (u128)a * b;
    uint64_t lo = (uint64_t)x, hi = (uint64_t)(x >> 64);
    uint64_t hh = hi >> 32, hl = hi & GL_EPS;
    uint64_t t0 = lo - hh;
    if (lo < hh) t0 -= GL_EPS; /* 2^96 = -1: a borrow of 2^64 is -(2^32 - 1);
                                * almost never taken (hh < 2^32) */
    return add_wrap(t0, hl * GL_EPS);
}

static inline uint64_t sbox_lazy(uint64_t x)
{
    uint64_t x2 = mul_lazy(x, x);
    uint64_t x3 = mul_lazy(x2, x), x4 = mul_lazy(x2, x2);
    return mul_lazy(x3, x4);
}

/* x/2 mod p for x < 2^64: an odd x becomes (x + p)/2 = (x >> 1) + (p+1)/2.
 * The result is < 2^63 + 2^63. */
#define HALF_P1 ((GL_P + 1) / 2)
static inline uint64_t half_lazy(uint64_t x) { return (x >> 1) + ((0 - (x & 1)) & HALF_P1); }

/* M4 = circ(2,3,1,1) with 8 additions (Plonky3's addition chain):
 * y0 = 2x0+3x1+x2+x3, y1 = x0+2x1+3x2+x3, y2 = x0+x1+2x2+3x3,
 * y3 = 3x0+x1+x2+2x3. */
static inline void m4_wide(u128 x[4])
{
    u128 t01 = x[0] + x[1], t23 = x[2] + x[3], t0123 = t01 + t23;
    u128 t01123 = t0123 + x[1], t01233 = t0123 + x[3];
    u128 y0 = t01123 + t01, y1 = t01123 + 2 * x[2];
    u128 y2 = t01233 + t23, y3 = t01233 + 2 * x[0];
    x[0] = y0;
    x[1] = y1;
    x[2] = y2;
    x[3] = y3;
}

/* External layer, then the next round's constants rc[0..nrc) added before
 * reducing. The column sums sum_b M4 x_b equal M4 (sum_b x_b), so they
 * come from one extra M4 on the summed blocks and each block's M4 output
 * can be reduced as soon as it is formed (fewer 128-bit values live at
 * once). Every output is below 28 * 2^64 + p before reduction. */
static inline void ext_layer_s(uint64_t x[P2_WIDTH], const uint64_t *rc, int nrc)
{
    u128 s[4];
    for (int j = 0; j < 4; j++) s[j] = (u128)x[j] + x[4 + j] + x[8 + j];
    m4_wide(s);
    for (int b = 0; b < P2_WIDTH; b += 4) {
        u128 y[4] = {x[b], x[b + 1], x[b + 2], x[b + 3]};
        m4_wide(y);
        for (int j = 0; j < 4; j++) {
            u128 v = y[j] + s[j];
            if (b + j < nrc) v += rc[b + j];
            x[b + j] = red_wide(v);
        }
    }
}

/* Internal layer x_i <- d_i x_i + sum with d = (-2, 1, 2, 1/2, 3, 4, -1/2,
 * -3, -4, 1/4, -1/4, 1/8) (P2_DIAG; the test checks that table against
 * these values). A negative d_i x_i is written as |d_i| (2p - x_i) or
 * 2p - |d_i| x_i, which is non-negative because x_i < 2^64 < 2p. */
static inline void int_layer_s(uint64_t x[P2_WIDTH], const uint64_t *rc, int nrc)
{
    const u128 P2x = (u128)GL_P * 2;
    u128 sum = 0;
    for (int i = 0; i < P2_WIDTH; i++) sum += x[i];
    u128 t[P2_WIDTH];
    t[0] = 2 * (P2x - x[0]);
    t[1] = x[1];
    t[2] = 2 * (u128)x[2];
    t[3] = half_lazy(x[3]);
    t[4] = 3 * (u128)x[4];
    t[5] = 4 * (u128)x[5];
    t[6] = P2x - half_lazy(x[6]);
    t[7] = 3 * (P2x - x[7]);
    t[8] = 4 * (P2x - x[8]);
    t[9] = half_lazy(half_lazy(x[9]));
    t[10] = P2x - half_lazy(half_lazy(x[10]));
    t[11] = half_lazy(half_lazy(half_lazy(x[11])));
    for (int i = 0; i < P2_WIDTH; i++) {
        u128 v = sum + t[i];
        if (i < nrc) v += rc[i];
        x[i] = red_wide(v);
    }
}

void p2_partial_rounds_scalar(uint64_t x[P2_WIDTH])
{
    for (int r = 0; r < P2_ROUNDS_P; r++) {
        x[0] = sbox_lazy(x[0]);
        if (r + 1 < P2_ROUNDS_P) int_layer_s(x, P2_RC_INT + r + 1, 1);
        else int_layer_s(x, P2_RC_EXT_FINAL[0], P2_WIDTH);
    }
}

void p2_permute_scalar(gl_t st[P2_WIDTH])
{
    uint64_t x[P2_WIDTH];
    memcpy(x, st, sizeof x);
    ext_layer_s(x, P2_RC_EXT_INIT[0], P2_WIDTH);
    for (int r = 0; r < P2_ROUNDS_F_HALF; r++) {
        for (int i = 0; i < P2_WIDTH; i++) x[i] = sbox_lazy(x[i]);
        if (r + 1 < P2_ROUNDS_F_HALF) ext_layer_s(x, P2_RC_EXT_INIT[r + 1], P2_WIDTH);
        else ext_layer_s(x, P2_RC_INT, 1);
    }
    p2_partial_rounds_scalar(x);
    for (int r = 0; r < P2_ROUNDS_F_HALF; r++) {
        for (int i = 0; i < P2_WIDTH; i++) x[i] = sbox_lazy(x[i]);
        if (r + 1 < P2_ROUNDS_F_HALF) ext_layer_s(x, P2_RC_EXT_FINAL[r + 1], P2_WIDTH);
        else ext_layer_s(x, NULL, 0);
    }
    for (int i = 0; i < P2_WIDTH; i++) st[i] = gl_from_u64(x[i]);
}

int p2_test_op_scalar(int op, gl_t *out, const gl_t *a, const gl_t *b, size_t n)
{
    if (op == P2_OP_EXT || op == P2_OP_INT || op == P2_OP_INT_LAST) {
        for (size_t s = 0; s + P2_WIDTH <= n; s += P2_WIDTH) {
            memcpy(out + s, a + s, P2_WIDTH * sizeof *a);
            if (op == P2_OP_EXT) ext_layer_s(out + s, NULL, 0);
            else int_layer_s(out + s, NULL, 0);
        }
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        switch (op) {
        case P2_OP_MUL: out[i] = mul_lazy(a[i], b[i]); break;
        case P2_OP_SQR: out[i] = mul_lazy(a[i], a[i]); break;
        case P2_OP_SBOX: out[i] = sbox_lazy(a[i]); break;
        case P2_OP_HALF: out[i] = half_lazy(a[i]); break;
        case P2_OP_CANON: out[i] = gl_from_u64(a[i]); break;
        case P2_OP_WIDE: out[i] = red_wide((u128)b[i] << 64 | a[i]); break;
        default: return 0;
        }
    }
    return 1;
}

/* A single state fills vectors only in the full rounds (12 S-boxes); with
 * AVX-512 those run in two vectors and the partial rounds (one S-box each,
 * a dependency chain) stay scalar. AVX2 gains too little there to be
 * worth a path of its own. */
void p2_permute(gl_t st[P2_WIDTH])
{
    if (cpu_features() & CPU_AVX512) p2_permute_single_avx512(st);
    else p2_permute_scalar(st);
}

/* ---------------------------------------------------------------------
 * Batches: SIMD kernels over lanes of states, OpenMP over groups.
 * ------------------------------------------------------------------- */

typedef void (*soa_fn)(gl_t *soa);

/* The widest kernel the host and the restriction mask allow, and a
 * narrower one for tails. lanes = 1 means the portable path (a 1-lane SoA
 * is the state itself). */
typedef struct {
    unsigned lanes, lanes1;
    soa_fn fn, fn1;
} kernels;

static kernels pick_kernels(void)
{
    unsigned f = cpu_features();
    if (f & CPU_AVX512)
        return (kernels){P2_AVX512_LANES, P2_AVX512_LANES_1, p2_permute_soa16_avx512,
                         p2_permute_soa8_avx512};
    if (f & CPU_AVX2)
        return (kernels){P2_AVX2_LANES, P2_AVX2_LANES_1, p2_permute_soa8_avx2,
                         p2_permute_soa4_avx2};
    return (kernels){1, 1, p2_permute_scalar, p2_permute_scalar};
}

/* Below this many permutations a batch stays on the calling thread: an
 * OpenMP fork costs a few microseconds, about ten permutations. */
#define P2_PAR_MIN 256

/* Tails of at most this many states use the single-state path: a narrow
 * kernel call costs about as much as 2.2 (AVX2) to 2.5 (AVX-512) single
 * permutations on Zen 5, and the top layers of a Merkle tree are such
 * tails. */
#define P2_TAIL_SINGLE 2

/* Permutes cnt <= lanes AoS states st[12*l + i] with an SoA kernel; lanes
 * beyond cnt are zero and their results dropped. */
static void permute_group(soa_fn fn, unsigned lanes, gl_t *st, size_t cnt)
{
    gl_t soa[P2_WIDTH * P2_MAX_LANES];
    for (int i = 0; i < P2_WIDTH; i++)
        for (unsigned l = 0; l < lanes; l++) soa[i * lanes + l] = l < cnt ? st[P2_WIDTH * l + i] : 0;
    fn(soa);
    for (size_t l = 0; l < cnt; l++)
        for (int i = 0; i < P2_WIDTH; i++) st[P2_WIDTH * l + i] = soa[i * lanes + l];
}

/* Runs group(g) for g < ngroups, in parallel when there are at least
 * P2_PAR_MIN permutations in total. Dynamic scheduling: a group is at
 * least 8 permutations (microseconds), so taking groups one at a time
 * costs little and keeps all threads busy when one is slowed down (other
 * processes, other work on the same cores). */
#define P2_FOR_GROUPS(ngroups, nperm, body)                                              \
    do {                                                                                 \
        long ng_ = (long)(ngroups);                                                      \
        int par_ = (nperm) >= P2_PAR_MIN;                                                \
        _Pragma("omp parallel for schedule(dynamic) if (par_)")                          \
        for (long g = 0; g < ng_; g++) { body; }                                         \
    } while (0)

void p2_permute_batch(gl_t *st, size_t n)
{
    kernels k = pick_kernels();
    size_t full = n / k.lanes;
    P2_FOR_GROUPS(full, n, permute_group(k.fn, k.lanes, st + (size_t)g * k.lanes * P2_WIDTH, k.lanes));
    /* tail: narrow kernel groups, the last one padded */
    for (size_t s = full * k.lanes; s < n; s += k.lanes1) {
        size_t cnt = n - s < k.lanes1 ? n - s : k.lanes1;
        if (cnt <= P2_TAIL_SINGLE)
            for (size_t l = 0; l < cnt; l++) p2_permute(st + (s + l) * P2_WIDTH);
        else permute_group(k.fn1, k.lanes1, st + s * P2_WIDTH, cnt);
    }
}

/* ---------------------------------------------------------------------
 * Sponge and compression.
 * ------------------------------------------------------------------- */

void p2_hash(p2_digest *out, const gl_t *in, size_t n)
{
    gl_t st[P2_WIDTH] = {0};
    st[P2_RATE] = gl_from_u64((uint64_t)n);
    size_t i = 0;
    do {
        size_t take = n - i < P2_RATE ? n - i : P2_RATE;
        if (take) memcpy(st, in + i, take * sizeof *in); /* in may be NULL when n = 0 */
        if (take < P2_RATE) { /* final partial block (or empty input): 10* */
            st[take] = 1;
            for (size_t j = take + 1; j < P2_RATE; j++) st[j] = 0;
        }
        p2_permute(st);
        i += take;
    } while (i < n);
    memcpy(out->v, st, sizeof out->v);
}

void p2_compress(p2_digest *out, const p2_digest *left, const p2_digest *right)
{
    gl_t st[P2_WIDTH] = {0};
    memcpy(st, left->v, sizeof left->v);
    memcpy(st + P2_DIGEST, right->v, sizeof right->v);
    p2_permute(st);
    memcpy(out->v, st, sizeof out->v);
}

/* Hashes rows r0 .. r0+cnt-1 (cnt <= lanes) in the lanes of one kernel;
 * the sponge of p2_hash, with the same block schedule in every lane since
 * all rows have the same length. */
static void hash_group(soa_fn fn, unsigned lanes, p2_digest *out, const gl_t *in, size_t cnt,
                       size_t len, size_t stride)
{
    gl_t soa[P2_WIDTH * P2_MAX_LANES];
    memset(soa, 0, sizeof soa);
    for (unsigned l = 0; l < lanes; l++) soa[P2_RATE * lanes + l] = gl_from_u64((uint64_t)len);
    size_t nblocks = len == 0 ? 1 : (len + P2_RATE - 1) / P2_RATE;
    for (size_t b = 0; b < nblocks; b++) {
        size_t base = b * P2_RATE;
        for (unsigned j = 0; j < P2_RATE; j++) {
            size_t idx = base + j;
            gl_t *dst = soa + j * lanes;
            if (idx < len) {
                for (size_t l = 0; l < cnt; l++) dst[l] = in[l * stride + idx];
                for (size_t l = cnt; l < lanes; l++) dst[l] = 0;
            } else {
                gl_t pad = idx == len ? 1 : 0;
                for (unsigned l = 0; l < lanes; l++) dst[l] = pad;
            }
        }
        fn(soa);
    }
    for (size_t l = 0; l < cnt; l++)
        for (int j = 0; j < P2_DIGEST; j++) out[l].v[j] = soa[j * lanes + l];
}

/* Row r of p2_hash_rows; rows of length 0 are never read, and then in may
 * be NULL (no pointer arithmetic on it). */
static const gl_t *row_at(const gl_t *in, size_t r, size_t len, size_t stride)
{
    return len ? in + r * stride : in;
}

void p2_hash_rows(p2_digest *out, const gl_t *in, size_t nrows, size_t len, size_t stride)
{
    kernels k = pick_kernels();
    size_t nblocks = len == 0 ? 1 : (len + P2_RATE - 1) / P2_RATE;
    size_t full = nrows / k.lanes;
    P2_FOR_GROUPS(full, nrows * nblocks,
                  hash_group(k.fn, k.lanes, out + (size_t)g * k.lanes,
                             row_at(in, (size_t)g * k.lanes, len, stride), k.lanes, len, stride));
    for (size_t r = full * k.lanes; r < nrows; r += k.lanes1) {
        size_t cnt = nrows - r < k.lanes1 ? nrows - r : k.lanes1;
        if (cnt <= P2_TAIL_SINGLE)
            for (size_t l = 0; l < cnt; l++) p2_hash(out + r + l, row_at(in, r + l, len, stride), len);
        else hash_group(k.fn1, k.lanes1, out + r, row_at(in, r, len, stride), cnt, len, stride);
    }
}

static void compress_group(soa_fn fn, unsigned lanes, p2_digest *out, const p2_digest *in,
                           size_t cnt)
{
    gl_t soa[P2_WIDTH * P2_MAX_LANES];
    for (unsigned l = 0; l < lanes; l++) {
        for (int j = 0; j < P2_DIGEST; j++) {
            soa[j * lanes + l] = l < cnt ? in[2 * l].v[j] : 0;
            soa[(P2_DIGEST + j) * lanes + l] = l < cnt ? in[2 * l + 1].v[j] : 0;
        }
        for (int j = 2 * P2_DIGEST; j < P2_WIDTH; j++) soa[j * lanes + l] = 0;
    }
    fn(soa);
    for (size_t l = 0; l < cnt; l++)
        for (int j = 0; j < P2_DIGEST; j++) out[l].v[j] = soa[j * lanes + l];
}

void p2_compress_pairs(p2_digest *out, const p2_digest *in, size_t n)
{
    kernels k = pick_kernels();
    size_t full = n / k.lanes;
    P2_FOR_GROUPS(full, n,
                  compress_group(k.fn, k.lanes, out + (size_t)g * k.lanes,
                                 in + 2 * (size_t)g * k.lanes, k.lanes));
    for (size_t s = full * k.lanes; s < n; s += k.lanes1) {
        size_t cnt = n - s < k.lanes1 ? n - s : k.lanes1;
        if (cnt <= P2_TAIL_SINGLE)
            for (size_t l = 0; l < cnt; l++) p2_compress(out + s + l, in + 2 * (s + l), in + 2 * (s + l) + 1);
        else compress_group(k.fn1, k.lanes1, out + s, in + 2 * s, cnt);
    }
}
