/* NTTs over Goldilocks (ntt.h): twiddle tables, the order of the
 * butterflies (cache blocking and threads), bit reversal, and the scalar
 * kernels. The SIMD kernels are in ntt_avx2.c / ntt_avx512.c.
 *
 * Every transform is a radix-2 DIF (natural in, bit-reversed out) or DIT
 * (bit-reversed in, natural out) over the same per-layer twiddle tables
 * (ntt_kern.h):
 *   forward, inverse, coset forward: DIF, then a bit-reversal pass (none
 *   for ntt_coset_forward_batch_bitrev); inverse scales by 1/n and coset
 *   forward by shift^i while DIF loads its first pass, so neither costs a
 *   pass of its own;
 *   LDE: see lde() and lde_bitrev_fused() below.
 *
 * Cache blocking. The layers are cut into passes; one pass touches every
 * element once, and inside a pass a thread runs all the pass's layers on
 * one group of elements that fits in L2:
 *   - the pass over the low layers [s_lo, b) works on contiguous blocks of
 *     2^b rows;
 *   - a pass over layers [s0, s1) with s0 > 0 works on groups of 2^(s1-s0)
 *     rows spaced 2^s0 apart (rows that share their low s0 bits and their
 *     bits above s1), a few cache lines per row, copied into a contiguous
 *     buffer for the layers (in place, rows a power of two apart would
 *     compete for a few cache sets).
 * A 2^20-row transform thus reads and writes the data twice, plus once
 * for the bit reversal where the output order needs it.
 * Matrices: a row is `cols` contiguous elements, and the butterflies of a
 * pair of rows use one twiddle across the row, so the SIMD lanes run across
 * columns; wide matrices are cut into strips of columns. One column: the
 * contiguous-block pass runs the block kernel (shuffles for pairs 1, 2, 4
 * apart), and a strided pass takes 64 neighbouring "rows" as the lanes of a
 * unit, each lane with its own twiddle. Matrices with fewer than 8 columns
 * go column by column through the one-column code (lanes across so few
 * columns would mostly idle).
 *
 * Twiddle tables are built on first use for each layer and kept for the
 * life of the process (one table of 2^s entries per layer s and
 * direction; a 2^L transform uses 2^L entries per direction).
 *
 * Out of memory (tables, work buffers) is an error code like any other.
 * Buffers allocated inside a parallel region are per thread: a thread
 * whose allocation failed skips its share of the work and raises a flag,
 * and the calling thread reports CAIRN_ERR_NOMEM after the region (the
 * error message is thread-local, so only the caller's thread may set it).
 */
#include "ntt.h"

#include <assert.h>
#include <omp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../common/alloc.h"
#include "../common/cpu.h"
#include "../common/err.h"
#include "hugemem.h"
#include "ntt_kern.h"

/* ---- tuning (measured on the 2-core Zen 5 host, see bench/prim_field.c) */

/* Bytes of one group of a strided pass: most of a 1 MiB L2, leaving room
 * for the twiddles and the other core's traffic. */
#define GROUP_BYTES (512u << 10)
/* log2 of the elements of a contiguous one-column block: 32 KiB, in L1. */
#define COL_BLOCK_LOG 12
/* Lanes of one unit of a strided one-column pass (64 elements: 512 bytes,
 * eight cache lines per row of the group). */
#define COL_UNIT 64
/* Columns per strip of a matrix pass. */
#define STRIP_COLS 64
/* Below this many columns a matrix goes column by column. */
#define MIN_BATCH_COLS 8

/* Work below this many elements runs on the calling thread: a parallel
 * region costs microseconds, and far more when the cores are
 * oversubscribed and threads spin at the barrier. */
#define PAR_MIN_LOG 16
#define PAR_MIN ((size_t)1 << PAR_MIN_LOG)

/* The blocking in force: the defaults above, or a test's override. */
static size_t group_bytes = GROUP_BYTES, col_unit = COL_UNIT, strip_cols = STRIP_COLS;
static unsigned col_block_log = COL_BLOCK_LOG;

void ntt_set_blocking(size_t gbytes, unsigned cblock_log, size_t cunit, size_t scols)
{
    group_bytes = gbytes ? gbytes : GROUP_BYTES;
    col_block_log = cblock_log ? cblock_log : COL_BLOCK_LOG;
    col_unit = cunit ? cunit : COL_UNIT;
    strip_cols = scols ? scols : STRIP_COLS;
}

/* ---- scalar kernels ---- */

static inline void bfly_scalar(gl_t *x, gl_t *y, gl_t t, int dif)
{
    if (dif) {
        gl_t s = gl_add(*x, *y), d = gl_sub(*x, *y);
        *x = s;
        *y = gl_mul(d, t);
    } else {
        gl_t p = gl_mul(*y, t);
        gl_t s = gl_add(*x, p), d = gl_sub(*x, p);
        *x = s;
        *y = d;
    }
}

static void layer_scalar(gl_t *base, size_t ustride, size_t width, size_t nunits, size_t hr,
                         const gl_t *tw, size_t tw_step, unsigned mode)
{
    int dif = mode & NTT_K_DIF, vec = (mode & NTT_K_VEC) != 0;
    for (size_t kb = 0; kb < nunits; kb += 2 * hr)
        for (size_t i = 0; i < hr; i++) {
            gl_t *x = base + (kb + i) * ustride, *y = x + hr * ustride;
            const gl_t *w = tw + i * tw_step;
            for (size_t j = 0; j < width; j++) bfly_scalar(x + j, y + j, w[vec ? j : 0], dif);
        }
}

void ntt_block_scalar(gl_t *a, unsigned s_lo, unsigned s_hi, const gl_t *const *tw, int dif)
{
    size_t n = (size_t)1 << s_hi;
    for (unsigned k = s_lo; k < s_hi; k++) {
        unsigned s = dif ? s_hi - 1 - (k - s_lo) : k;
        size_t h = (size_t)1 << s;
        for (size_t kb = 0; kb < n; kb += 2 * h)
            for (size_t j = 0; j < h; j++) bfly_scalar(a + kb + j, a + kb + j + h, tw[s][j], dif);
    }
}

const ntt_kern ntt_kern_scalar = {layer_scalar, ntt_block_scalar};

static const ntt_kern *kern(void)
{
    unsigned f = cpu_features();
    if (f & CPU_AVX512) return &ntt_kern_avx512;
    if (f & CPU_AVX2) return &ntt_kern_avx2;
    return &ntt_kern_scalar;
}

/* Work memory, aligned to a cache line so that a 64-byte vector never
 * straddles two. */
static void *aligned_bytes(size_t bytes)
{
    /* large buffers (column copies of long transforms) on huge pages */
    return bytes >= ((size_t)2 << 20) ? stark_huge_alloc_static(bytes) : cairn_aligned_alloc(64, bytes);
}

/* Work memory of n elements, NULL if it cannot be had (nothing reported:
 * callable inside a parallel region). */
static gl_t *work_elems(size_t n)
{
    size_t bytes;
    return cairn_mul_size(&bytes, n, sizeof(gl_t)) ? aligned_bytes(bytes) : NULL;
}

static cairn_err work_nomem(size_t n, const char *what)
{
    size_t bytes;
    cairn_mul_size(&bytes, n, sizeof(gl_t));
    return cairn_fail_nomem(bytes, "NTT: out of memory for %s", what);
}

/* The transforms take log_n <= 32 (a shift by more is undefined). */
static cairn_err check_log(unsigned log_n)
{
    RETURN_ERROR_IF(log_n > GL_TWO_ADICITY, CAIRN_ERR_USAGE,
                    "NTT size 2^%u exceeds the two-adicity 2^%d of Goldilocks", log_n, GL_TWO_ADICITY);
    return CAIRN_OK;
}

/* ---- twiddle tables ---- */

static _Atomic(gl_t *) tw_tab[2][GL_TWO_ADICITY];
static pthread_mutex_t tw_mu = PTHREAD_MUTEX_INITIALIZER;

/* tab[j] = r^j for j < n, in chunks that each start from r^start so the
 * chunks can run on separate threads. */
static void fill_powers(gl_t *tab, size_t n, gl_t r)
{
    const size_t chunk = 4096;
    size_t nchunks = (n + chunk - 1) / chunk;
#pragma omp parallel for schedule(static) if (n >= PAR_MIN)
    for (size_t c = 0; c < nchunks; c++) {
        size_t lo = c * chunk, hi = lo + chunk < n ? lo + chunk : n;
        gl_t x = gl_exp(r, lo);
        for (size_t j = lo; j < hi; j++) {
            tab[j] = x;
            x = gl_mul(x, r);
        }
    }
}

static cairn_err tables(const gl_t **tw, unsigned log_n, int inv)
{
    RETURN_ERROR_IF(log_n > GL_TWO_ADICITY, CAIRN_ERR_USAGE,
                    "NTT size 2^%u exceeds the two-adicity 2^%d of Goldilocks", log_n, GL_TWO_ADICITY);
    for (unsigned s = 0; s < log_n; s++) {
        gl_t *t = atomic_load_explicit(&tw_tab[inv][s], memory_order_acquire);
        if (!t) {
            pthread_mutex_lock(&tw_mu);
            t = atomic_load_explicit(&tw_tab[inv][s], memory_order_relaxed);
            if (!t) {
                size_t n = (size_t)1 << s;
                t = aligned_bytes(n * sizeof *t);
                if (!t) {
                    pthread_mutex_unlock(&tw_mu);
                    return cairn_fail_nomem(n * sizeof *t, "NTT: out of memory for the twiddle table of layer %u", s);
                }
                gl_t w = gl_root_of_unity(s + 1);
                fill_powers(t, n, inv ? gl_inv(w) : w);
                atomic_store_explicit(&tw_tab[inv][s], t, memory_order_release);
            }
            pthread_mutex_unlock(&tw_mu);
        }
        tw[s] = t;
    }
    return CAIRN_OK;
}

cairn_err ntt_prepare(unsigned log_n)
{
    const gl_t *tw[GL_TWO_ADICITY];
    FORWARD_IF_ERROR(tables(tw, log_n, 0));
    return tables(tw, log_n, 1);
}

/* ---- bit reversal ---- */

/* x with its low `bits` bits in reverse order */
static size_t rev_idx(size_t x, unsigned bits)
{
    uint64_t v = x;
    v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
    v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
    v = ((v >> 4) & 0x0f0f0f0f0f0f0f0full) | ((v & 0x0f0f0f0f0f0f0f0full) << 4);
    v = __builtin_bswap64(v);
    return bits ? (size_t)(v >> (64 - bits)) : 0;
}

/* One column. Index i = (a, m, c) with a, c of Q bits each: i and rev(i)
 * lie in the tiles of middles m and rev(m), and the move between them is a
 * transpose with bit-reversed coordinates, so each tile is read and
 * written a cache line (2^Q elements) at a time. */
#define BR_Q 4
static void bitrev_col(gl_t *a, unsigned L)
{
    if (L < 2 * BR_Q + 1) {
        size_t n = (size_t)1 << L;
        for (size_t i = 0; i < n; i++) {
            size_t j = rev_idx(i, L);
            if (i < j) {
                gl_t t = a[i];
                a[i] = a[j];
                a[j] = t;
            }
        }
        return;
    }
    enum { T = 1 << BR_Q };
    unsigned mid = L - 2 * BR_Q;
    size_t nm = (size_t)1 << mid, hi_stride = (size_t)1 << (L - BR_Q);
    unsigned char rq[T];
    for (unsigned i = 0; i < T; i++) rq[i] = (unsigned char)rev_idx(i, BR_Q);
#pragma omp parallel for schedule(static) if (L >= PAR_MIN_LOG)
    for (size_t m = 0; m < nm; m++) {
        size_t mr = rev_idx(m, mid);
        if (mr < m) continue;
        gl_t A[T][T], B[T][T];
        gl_t *pa = a + (m << BR_Q), *pb = a + (mr << BR_Q);
        for (unsigned r = 0; r < T; r++) memcpy(A[r], pa + r * hi_stride, sizeof A[r]);
        if (mr != m)
            for (unsigned r = 0; r < T; r++) memcpy(B[r], pb + r * hi_stride, sizeof B[r]);
        /* element (r, m, c) goes to (rev c, rev m, rev r) */
        for (unsigned r = 0; r < T; r++)
            for (unsigned c = 0; c < T; c++) pb[r * hi_stride + c] = A[rq[c]][rq[r]];
        if (mr != m)
            for (unsigned r = 0; r < T; r++)
                for (unsigned c = 0; c < T; c++) pa[r * hi_stride + c] = B[rq[c]][rq[r]];
    }
}

void ntt_bitrev_rows(gl_t *m, unsigned log_n, size_t cols)
{
    if (cols == 1) {
        bitrev_col(m, log_n);
        return;
    }
    size_t n = (size_t)1 << log_n;
#pragma omp parallel for schedule(static) if (n * cols >= PAR_MIN)
    for (size_t i = 0; i < n; i++) {
        size_t j = rev_idx(i, log_n);
        if (i < j) {
            gl_t *x = m + i * cols, *y = m + j * cols;
            for (size_t c = 0; c < cols; c++) {
                gl_t t = x[c];
                x[c] = y[c];
                y[c] = t;
            }
        }
    }
}

/* ---- what a transform does to its input while loading the first pass ---- */

typedef struct {
    const gl_t *src;  /* copy the input from here (same shape), or NULL */
    gl_t scale;       /* multiply everything by scale ... */
    int twist;        /* ... or row r by thi[r >> lo_bits] * tlo[r & lo_mask] */
    gl_t *tlo, *thi;  /* = scale * g^r, tables of the powers of g */
    unsigned lo_bits;
    /* matrices only: read row r from src row r with its low src_bits bits
     * reversed instead (src has src_cols columns) */
    int src_bitrev;
    unsigned src_bits;
    size_t src_cols;
} pre_op;

static int pre_active(const pre_op *p) { return p && (p->src || p->twist || p->scale != 1); }

/* Tables for row r -> c * g^r, r < 2^L. On failure p holds nothing to
 * free beyond what pre_free frees. */
static cairn_err pre_twist(pre_op *p, unsigned L, gl_t c, gl_t g)
{
    p->twist = 1;
    p->scale = c;
    p->lo_bits = (L + 1) / 2;
    size_t nlo = (size_t)1 << p->lo_bits, nhi = (size_t)1 << (L - p->lo_bits);
    p->tlo = work_elems(nlo);
    p->thi = work_elems(nhi);
    if (!p->tlo || !p->thi) return work_nomem(nlo + nhi, "twist tables");
    fill_powers(p->tlo, nlo, g);
    fill_powers(p->thi, nhi, gl_exp(g, nlo));
    gl_vec_mul_scalar(p->thi, p->thi, c, nhi);
    return CAIRN_OK;
}

static void pre_free(pre_op *p)
{
    free(p->tlo);
    free(p->thi);
    p->tlo = p->thi = NULL;
}

static gl_t pre_factor(const pre_op *p, size_t r)
{
    return gl_mul(p->thi[r >> p->lo_bits], p->tlo[r & (((size_t)1 << p->lo_bits) - 1)]);
}

/* Loads `width` elements of row r of a matrix (one strip of it), which
 * live at `at` in the matrix m, into dst (dst may equal at); the input is
 * read from the same place in pre->src if set, else from `at`. */
static void pre_row(const pre_op *p, gl_t *dst, const gl_t *at, const gl_t *m, size_t width, size_t r)
{
    const gl_t *from = p && p->src ? p->src + (at - m) : at;
    if (p && p->src_bitrev) from += ((ptrdiff_t)rev_idx(r, p->src_bits) - (ptrdiff_t)r) * (ptrdiff_t)p->src_cols;
    if (p && p->twist) gl_vec_mul_scalar(dst, from, pre_factor(p, r), width);
    else if (p && p->scale != 1) gl_vec_mul_scalar(dst, from, p->scale, width);
    else if (from != dst) memcpy(dst, from, width * sizeof *dst);
}

/* The same for elements r .. r+width-1 of one column; r is a multiple of
 * width, and width a power of two. */
static void pre_col(const pre_op *p, gl_t *dst, const gl_t *at, const gl_t *m, size_t width, size_t r)
{
    assert(!p || !p->src_bitrev);
    if (!p || !p->twist) {
        pre_row(p, dst, at, m, width, r);
        return;
    }
    const gl_t *from = p->src ? p->src + (at - m) : at;
    enum { CH = 256 };
    gl_t f[CH];
    size_t len = width < CH ? width : CH, lo_mask = ((size_t)1 << p->lo_bits) - 1;
    if (len > lo_mask + 1) len = lo_mask + 1;
    for (size_t o = 0; o < width; o += len) {
        size_t q = r + o;
        gl_vec_mul_scalar(f, p->tlo + (q & lo_mask), p->thi[q >> p->lo_bits], len);
        gl_vec_mul(dst + o, from + o, f, len);
    }
}

/* ---- pass plan ---- */

/* Layer boundaries s_lo = b[0] < b[1] < ... < b[np] = L: the first pass
 * (contiguous blocks) runs layers [s_lo, first_hi), at least one; the
 * others are split evenly, at most g_max layers each. Returns np. */
static unsigned plan(unsigned *b, unsigned s_lo, unsigned L, unsigned first_hi, unsigned g_max)
{
    unsigned np = 0;
    b[np++] = s_lo;
    if (s_lo >= L) return 0;
    unsigned f = first_hi > L ? L : first_hi;
    if (f <= s_lo) f = s_lo + 1;
    b[np++] = f;
    if (g_max < 1) g_max = 1;
    unsigned rest = L - f, npass = (rest + g_max - 1) / g_max;
    for (unsigned k = 1; k <= npass; k++) b[np++] = f + (rest * k + npass - 1) / npass;
    return np - 1;
}

static unsigned log2_floor(size_t x)
{
    unsigned r = 0;
    while (x >>= 1) r++;
    return r;
}

typedef struct {
    const ntt_kern *k;
    gl_t *m;
    unsigned L;
    size_t cols; /* 1: one column (lanes along the column); else row mode */
    const gl_t *tw[GL_TWO_ADICITY];
    int dif;
    /* DIF only: blocks of the contiguous pass (the last one) to run; NULL:
     * all (rows of the other blocks are then left unfinished) */
    const uint8_t *blk_mask;
} run_t;

/* Layers [s0, s1) (DIT upwards, DIF downwards) on a gathered group of
 * 2^(s1-s0) units of w elements at buf, whose row offset within 2^s0 (the
 * twiddle offset) is tw_off. */
static void group_layers(const ntt_kern *k, const gl_t *const *tw, gl_t *buf, size_t w, size_t nunits,
                         unsigned s0, unsigned s1, size_t tw_off, unsigned mode)
{
    for (unsigned i = 0; i < s1 - s0; i++) {
        unsigned s = (mode & NTT_K_DIF) ? s1 - 1 - i : s0 + i;
        k->layer(buf, w, w, nunits, (size_t)1 << (s - s0), tw[s] + tw_off, (size_t)1 << s0, mode);
    }
}

/* Layers [s0, s1), s0 > 0, as groups of rows 2^s0 apart. A group is
 * gathered into a contiguous buffer first: its rows are a power of two
 * (often hundreds of KiB) apart, so in place they would all fall into the
 * same few cache sets and evict each other. */
static cairn_err pass_strided(const run_t *R, unsigned s0, unsigned s1, const pre_op *pre)
{
    const unsigned mode = (R->dif ? NTT_K_DIF : 0) | (R->cols == 1 ? NTT_K_VEC : 0);
    size_t cols = R->cols, nq = (size_t)1 << (R->L - s1), nunits = (size_t)1 << (s1 - s0);
    size_t span = (size_t)1 << s0, ustride = span * cols;
    /* a unit: one strip of a row, or col_unit neighbouring rows of a column */
    size_t width = cols == 1 ? (span < col_unit ? span : col_unit) : (cols < strip_cols ? cols : strip_cols);
    size_t nstrips = cols == 1 ? 1 : (cols + width - 1) / width;
    size_t nt = cols == 1 ? span / width : span;
    size_t ngroups = nq * nt * nstrips;
    if (!pre_active(pre)) pre = NULL;
    int oom = 0;
#pragma omp parallel if (ngroups > 1 && nunits * width * ngroups >= PAR_MIN)
    {
        gl_t *buf = work_elems(nunits * width);
        if (!buf) {
#pragma omp atomic write
            oom = 1;
        }
#pragma omp for schedule(static)
        for (size_t gi = 0; gi < ngroups; gi++) {
            if (!buf) continue;
            size_t strip = gi % nstrips, rest = gi / nstrips, t = rest % nt, q = rest / nt;
            size_t row0, w = width;
            gl_t *base;
            if (cols == 1) {
                row0 = (q << s1) + t * width;
                base = R->m + row0;
            } else {
                row0 = (q << s1) + t;
                base = R->m + row0 * cols + strip * width;
                if (cols - strip * width < w) w = cols - strip * width;
            }
            for (size_t i = 0; i < nunits; i++) {
                if (cols == 1) pre_col(pre, buf + i * w, base + i * ustride, R->m, w, row0 + (i << s0));
                else pre_row(pre, buf + i * w, base + i * ustride, R->m, w, row0 + (i << s0));
            }
            group_layers(R->k, R->tw, buf, w, nunits, s0, s1, cols == 1 ? t * width : t, mode);
            for (size_t i = 0; i < nunits; i++) memcpy(base + i * ustride, buf + i * w, w * sizeof *buf);
        }
        free(buf);
    }
    return oom ? work_nomem(nunits * width, "a group buffer (per thread)") : CAIRN_OK;
}

/* Layers [s_lo, s1) on contiguous blocks of 2^s1 rows. */
static void pass_blocks(const run_t *R, unsigned s_lo, unsigned s1, const pre_op *pre)
{
    size_t cols = R->cols, nb = (size_t)1 << (R->L - s1), rows = (size_t)1 << s1;
    int use_pre = pre_active(pre);
    if (cols == 1) {
#pragma omp parallel for schedule(static) if (nb > 1 && nb * rows >= PAR_MIN)
        for (size_t b = 0; b < nb; b++) {
            if (R->blk_mask && !R->blk_mask[b]) continue;
            gl_t *a = R->m + b * rows;
            if (use_pre) pre_col(pre, a, a, R->m, rows, b * rows);
            R->k->block(a, s_lo, s1, R->tw, R->dif);
        }
        return;
    }
    const unsigned mode = R->dif ? NTT_K_DIF : 0;
    size_t width = cols < strip_cols ? cols : strip_cols, nstrips = (cols + width - 1) / width;
    size_t span = (size_t)1 << s_lo, nunits = (size_t)1 << (s1 - s_lo);
    size_t ngroups = nb * nstrips;
#pragma omp parallel for schedule(static) if (ngroups > 1 && rows * cols * nb >= PAR_MIN)
    for (size_t gi = 0; gi < ngroups; gi++) {
        size_t strip = gi % nstrips, b = gi / nstrips, w = width;
        if (R->blk_mask && !R->blk_mask[b]) continue;
        if (cols - strip * width < w) w = cols - strip * width;
        gl_t *blk = R->m + b * rows * cols + strip * width;
        if (use_pre)
            for (size_t i = 0; i < rows; i++) pre_row(pre, blk + i * cols, blk + i * cols, R->m, w, b * rows + i);
        for (size_t t = 0; t < span; t++)
            for (unsigned k = 0; k < s1 - s_lo; k++) {
                unsigned s = R->dif ? s1 - 1 - k : s_lo + k;
                R->k->layer(blk + t * cols, span * cols, w, nunits, (size_t)1 << (s - s_lo),
                            R->tw[s] + t, span, mode);
            }
    }
}

/* The pass plan of a transform of 2^L rows of cols columns. */
static unsigned plan_for(unsigned *b, unsigned s_lo, unsigned L, size_t cols)
{
    unsigned first_hi, g_max;
    if (cols == 1) {
        first_hi = col_block_log;
        g_max = log2_floor(group_bytes / (col_unit * sizeof(gl_t)));
    } else {
        size_t w = cols < strip_cols ? cols : strip_cols;
        g_max = log2_floor(group_bytes / (w * sizeof(gl_t)));
        first_hi = g_max;
    }
    return plan(b, s_lo, L, first_hi, g_max);
}

/* Runs layers [s_lo, L) of a DIT or DIF over m (cols == 1: one column),
 * applying pre while loading the first pass. */
/* run() for a DIF of which only output rows rows[0..nrows) are wanted
 * (rows NULL: all): the last pass, on contiguous blocks, skips the blocks
 * that hold none of them. */
static cairn_err run_rows(gl_t *m, unsigned L, size_t cols, int inv, int dif, unsigned s_lo, const pre_op *pre,
                          const size_t *rows, size_t nrows)
{
    run_t R = {.k = kern(), .m = m, .L = L, .cols = cols, .dif = dif};
    FORWARD_IF_ERROR(tables(R.tw, L, inv));
    unsigned b[GL_TWO_ADICITY + 2];
    unsigned np = plan_for(b, s_lo, L, cols);
    uint8_t *mask = NULL;
    if (rows && dif && np > 0) {
        size_t nb = (size_t)1 << (L - b[1]);
        mask = cairn_calloc(nb, 1);
        if (!mask) return cairn_fail_nomem(nb, "NTT: out of memory for a block mask");
        for (size_t i = 0; i < nrows; i++) mask[(rows[i] >> b[1]) & (nb - 1)] = 1;
        R.blk_mask = mask;
    }
    cairn_err err = CAIRN_OK;
    if (np == 0) {
        /* no layers: only the load step (a transform of size 1) */
        if (pre_active(pre)) {
            if (cols == 1) pre_col(pre, m, m, m, 1, 0);
            else pre_row(pre, m, m, m, cols, 0);
        }
        return CAIRN_OK;
    }
    for (unsigned k = 0; k < np && err == CAIRN_OK; k++) {
        unsigned p = dif ? np - 1 - k : k; /* DIF runs the passes top down */
        const pre_op *pp = k == 0 ? pre : NULL;
        if (p == 0) pass_blocks(&R, b[0], b[1], pp);
        else err = pass_strided(&R, b[p], b[p + 1], pp);
    }
    free(mask);
    return err;
}

static cairn_err run(gl_t *m, unsigned L, size_t cols, int inv, int dif, unsigned s_lo, const pre_op *pre)
{
    run_t R = {.k = kern(), .m = m, .L = L, .cols = cols, .dif = dif};
    FORWARD_IF_ERROR(tables(R.tw, L, inv));
    unsigned b[GL_TWO_ADICITY + 2];
    unsigned np = plan_for(b, s_lo, L, cols);
    if (np == 0) {
        /* no layers: only the load step (a transform of size 1) */
        if (pre_active(pre)) {
            if (cols == 1) pre_col(pre, m, m, m, 1, 0);
            else pre_row(pre, m, m, m, cols, 0);
        }
        return CAIRN_OK;
    }
    for (unsigned k = 0; k < np; k++) {
        unsigned p = dif ? np - 1 - k : k; /* DIF runs the passes top down */
        const pre_op *pp = k == 0 ? pre : NULL;
        if (p == 0) pass_blocks(&R, b[0], b[1], pp);
        else FORWARD_IF_ERROR(pass_strided(&R, b[p], b[p + 1], pp));
    }
    return CAIRN_OK;
}

/* ---- public transforms ---- */

cairn_err ntt_forward(gl_t *a, unsigned log_n)
{
    FORWARD_IF_ERROR(check_log(log_n));
    FORWARD_IF_ERROR(run(a, log_n, 1, 0, 1, 0, NULL));
    bitrev_col(a, log_n);
    return CAIRN_OK;
}

cairn_err ntt_inverse(gl_t *a, unsigned log_n)
{
    FORWARD_IF_ERROR(check_log(log_n));
    pre_op pre = {.scale = gl_inv(gl_from_u64((uint64_t)1 << log_n))};
    FORWARD_IF_ERROR(run(a, log_n, 1, 1, 1, 0, &pre));
    bitrev_col(a, log_n);
    return CAIRN_OK;
}

/* A matrix with few columns: each column through the one-column code, via
 * a contiguous copy: f gets the first 2^log_n elements of a column in a
 * buffer of 2^(log_n + log_out) and leaves the column's 2^(log_n +
 * log_out) results there (log_out > 0: an extension, m has that many
 * rows). */
static cairn_err by_column_ext(gl_t *m, unsigned log_n, unsigned log_out, size_t cols,
                               cairn_err (*f)(gl_t *, unsigned, void *), void *arg)
{
    size_t n = (size_t)1 << log_n, N = n << log_out;
    gl_t *col = work_elems(N);
    if (!col) return work_nomem(N, "a column buffer");
    cairn_err err = CAIRN_OK;
    for (size_t c = 0; c < cols && err == CAIRN_OK; c++) {
#pragma omp parallel for schedule(static) if (n >= PAR_MIN)
        for (size_t i = 0; i < n; i++) col[i] = m[i * cols + c];
        err = f(col, log_n, arg);
#pragma omp parallel for schedule(static) if (N >= PAR_MIN)
        for (size_t i = 0; i < N; i++) m[i * cols + c] = col[i];
    }
    free(col);
    return err;
}

static cairn_err by_column(gl_t *m, unsigned log_n, size_t cols,
                           cairn_err (*f)(gl_t *, unsigned, void *), void *arg)
{
    return by_column_ext(m, log_n, 0, cols, f, arg);
}

static cairn_err col_forward(gl_t *a, unsigned L, void *arg) { (void)arg; return ntt_forward(a, L); }
static cairn_err col_inverse(gl_t *a, unsigned L, void *arg) { (void)arg; return ntt_inverse(a, L); }

cairn_err ntt_forward_batch(gl_t *m, unsigned log_n, size_t cols)
{
    FORWARD_IF_ERROR(check_log(log_n));
    if (cols == 0) return CAIRN_OK;
    if (cols == 1) return ntt_forward(m, log_n);
    if (cols < MIN_BATCH_COLS) return by_column(m, log_n, cols, col_forward, NULL);
    FORWARD_IF_ERROR(run(m, log_n, cols, 0, 1, 0, NULL));
    ntt_bitrev_rows(m, log_n, cols);
    return CAIRN_OK;
}

cairn_err ntt_inverse_batch(gl_t *m, unsigned log_n, size_t cols)
{
    FORWARD_IF_ERROR(check_log(log_n));
    if (cols == 0) return CAIRN_OK;
    if (cols == 1) return ntt_inverse(m, log_n);
    if (cols < MIN_BATCH_COLS) return by_column(m, log_n, cols, col_inverse, NULL);
    pre_op pre = {.scale = gl_inv(gl_from_u64((uint64_t)1 << log_n))};
    FORWARD_IF_ERROR(run(m, log_n, cols, 1, 1, 0, &pre));
    ntt_bitrev_rows(m, log_n, cols);
    return CAIRN_OK;
}

/* Rows in bit-reversed order: the inverse DIT, which takes that order,
 * with 1/n folded into its first pass (no bit-reversal pass). */
static cairn_err inverse_from_bitrev(gl_t *m, unsigned log_n, size_t cols)
{
    pre_op pre = {.scale = gl_inv(gl_from_u64((uint64_t)1 << log_n))};
    return run(m, log_n, cols, 1, 0, 0, &pre);
}

static cairn_err col_inverse_br(gl_t *a, unsigned L, void *arg)
{
    (void)arg;
    return inverse_from_bitrev(a, L, 1);
}

cairn_err ntt_inverse_batch_bitrev(gl_t *m, unsigned log_n, size_t cols)
{
    FORWARD_IF_ERROR(check_log(log_n));
    if (cols == 0) return CAIRN_OK;
    if (cols == 1 || cols >= MIN_BATCH_COLS) return inverse_from_bitrev(m, log_n, cols);
    return by_column(m, log_n, cols, col_inverse_br, NULL);
}

/* shift^i on coefficient i while DIF loads, then the DIF (bit-reversed
 * output), and the bit reversal of an ordinary forward transform unless
 * that order is wanted. */
/* coset_forward_rows reading the coefficients from src (NULL: m) while
 * the first pass loads them, instead of a copy into m first. */
static cairn_err coset_forward_from(gl_t *m, const gl_t *src, unsigned log_n, size_t cols, gl_t shift, int bitrev,
                                    const size_t *rows, size_t nrows)
{
    pre_op pre = {.src = src != m ? src : NULL, .scale = 1};
    cairn_err err = pre_twist(&pre, log_n, 1, shift);
    if (err == CAIRN_OK) err = run_rows(m, log_n, cols, 0, 1, 0, &pre, rows, nrows);
    pre_free(&pre);
    if (err == CAIRN_OK && !bitrev) ntt_bitrev_rows(m, log_n, cols);
    return err;
}

static cairn_err coset_forward_rows(gl_t *m, unsigned log_n, size_t cols, gl_t shift, int bitrev,
                                    const size_t *rows, size_t nrows)
{
    return coset_forward_from(m, NULL, log_n, cols, shift, bitrev, rows, nrows);
}

static cairn_err coset_forward(gl_t *m, unsigned log_n, size_t cols, gl_t shift, int bitrev)
{
    return coset_forward_rows(m, log_n, cols, shift, bitrev, NULL, 0);
}

static cairn_err col_coset(gl_t *a, unsigned L, void *arg)
{
    return coset_forward(a, L, 1, *(const gl_t *)arg, 0);
}
static cairn_err col_coset_br(gl_t *a, unsigned L, void *arg)
{
    return coset_forward(a, L, 1, *(const gl_t *)arg, 1);
}

cairn_err ntt_coset_forward_batch(gl_t *m, unsigned log_n, size_t cols, gl_t shift)
{
    FORWARD_IF_ERROR(check_log(log_n));
    if (cols == 0) return CAIRN_OK;
    if (cols == 1 || cols >= MIN_BATCH_COLS) return coset_forward(m, log_n, cols, shift, 0);
    return by_column(m, log_n, cols, col_coset, &shift);
}

typedef struct {
    gl_t shift;
    const size_t *rows;
    size_t nrows;
} rows_arg;

static cairn_err col_coset_br_rows(gl_t *a, unsigned L, void *arg)
{
    const rows_arg *r = arg;
    return coset_forward_rows(a, L, 1, r->shift, 1, r->rows, r->nrows);
}

cairn_err ntt_coset_forward_batch_bitrev_rows(gl_t *m, unsigned log_n, size_t cols, gl_t shift,
                                              const size_t *rows, size_t nrows)
{
    FORWARD_IF_ERROR(check_log(log_n));
    if (cols == 0) return CAIRN_OK;
    if (cols == 1 || cols >= MIN_BATCH_COLS) return coset_forward_rows(m, log_n, cols, shift, 1, rows, nrows);
    rows_arg ra = {shift, rows, nrows};
    return by_column(m, log_n, cols, col_coset_br_rows, &ra);
}

cairn_err ntt_coset_forward_bitrev_from(gl_t *dst, const gl_t *src, unsigned log_n, size_t cols, gl_t shift,
                                       const size_t *rows, size_t nrows)
{
    FORWARD_IF_ERROR(check_log(log_n));
    if (cols == 0) return CAIRN_OK;
    if (cols == 1 || cols >= MIN_BATCH_COLS) return coset_forward_from(dst, src, log_n, cols, shift, 1, rows, nrows);
    /* few columns go column by column through a copy anyway */
    if (src != dst) memcpy(dst, src, ((size_t)cols << log_n) * sizeof *dst);
    if (rows) return ntt_coset_forward_batch_bitrev_rows(dst, log_n, cols, shift, rows, nrows);
    return ntt_coset_forward_batch_bitrev(dst, log_n, cols, shift);
}

cairn_err ntt_coset_forward_batch_bitrev(gl_t *m, unsigned log_n, size_t cols, gl_t shift)
{
    FORWARD_IF_ERROR(check_log(log_n));
    if (cols == 0) return CAIRN_OK;
    if (cols == 1 || cols >= MIN_BATCH_COLS) return coset_forward(m, log_n, cols, shift, 1);
    return by_column(m, log_n, cols, col_coset_br, &shift);
}

/* LDE, both orders. n = 2^L, N = 2^(L+k), c_j the coefficients of a
 * column: evals = forward(c).
 *
 * First, an inverse DIF that copies `evals` into out while it loads gives
 * n*c in bit-reversed order in out[0, n) (the 1/n is folded into the
 * twists below).
 *
 * Natural order out: the size-N DIT of the zero-padded, twisted
 * coefficients needs them in bit-reversed order of N, where coefficient
 * rev_L(x) sits at row x*2^k and the rows between are zero; its first k
 * layers only copy each such row into the 2^k rows of its block. So row
 * x of the inverse output, times shift^rev_L(x) / n, is written to rows
 * x*2^k .. x*2^k + 2^k - 1, and the DIT runs from layer k.
 *
 * Bit-reversed order out: after a bit reversal out[0, n) holds n*c in
 * natural order. The top k layers of a size-N DIF on the zero-padded input
 * leave n-row blocks y = 0 .. 2^k-1 whose remaining layers are the size-n
 * DIF of c_j g_y^j with g_y = shift * w_N^rev_k(y); block y of the output
 * is exactly that (rows y*n + x hold P(shift w_N^rev_N(y*n + x))). Blocks
 * y > 0 read the coefficients from block 0, which is done last, in place.
 */
/* The bit-reversed coset LDE from scale times the coefficients in rows
 * [0, n) of out (natural order): block y (rows y*n ..) is the size-n DIF
 * of scale * c_j * g_y^j, g_y = shift * w_N^rev_k(y) (see lde() below),
 * made last to first so that block 0 is overwritten last, in place. */
static cairn_err blocks_from_coeffs(gl_t *out, unsigned L, size_t cols, unsigned k, gl_t scale, gl_t shift)
{
    const size_t n = (size_t)1 << L, nb = (size_t)1 << k;
    const gl_t wN = gl_root_of_unity(L + k);
    for (size_t y = nb; y-- > 0;) {
        pre_op tw = {.src = y ? out : NULL, .scale = 1};
        cairn_err err = pre_twist(&tw, L, scale, gl_mul(shift, gl_exp(wN, rev_idx(y, k))));
        if (err == CAIRN_OK) err = run(out + y * n * cols, L, cols, 0, 1, 0, &tw);
        pre_free(&tw);
        FORWARD_IF_ERROR(err);
    }
    return CAIRN_OK;
}

static cairn_err lde(gl_t *out, const gl_t *evals, unsigned L, size_t cols, unsigned k, gl_t shift,
                     int bitrev)
{
    size_t n = (size_t)1 << L, nb = (size_t)1 << k;
    pre_op copy = {.src = evals, .scale = 1};
    FORWARD_IF_ERROR(run(out, L, cols, 1, 1, 0, &copy));
    gl_t inv_n = gl_inv(gl_from_u64(n));
    if (!bitrev) {
        pre_op tw = {.scale = 1};
        cairn_err err = pre_twist(&tw, L, inv_n, shift);
        if (err != CAIRN_OK) {
            pre_free(&tw);
            return err;
        }
        /* Spread row x to rows [x*nb, (x+1)*nb), top down: a round takes
         * the rows x in [lo, hi) with lo*nb >= hi, so what it writes is
         * disjoint from every row not yet read, and its rows can go in
         * parallel. */
        size_t hi = n;
        if (nb == 1) { /* no spreading: twist in place */
#pragma omp parallel for schedule(static) if (n * cols >= PAR_MIN)
            for (size_t x = 1; x < n; x++)
                gl_vec_mul_scalar(out + x * cols, out + x * cols, pre_factor(&tw, rev_idx(x, L)), cols);
            hi = 1;
        }
        while (hi > 1) {
            size_t lo = (hi + nb - 1) / nb;
            if (lo == 0) lo = 1;
#pragma omp parallel for schedule(static) if ((hi - lo) * cols * nb >= PAR_MIN)
            for (size_t x = lo; x < hi; x++) {
                gl_t f = pre_factor(&tw, rev_idx(x, L));
                const gl_t *src = out + x * cols;
                gl_t *dst = out + x * nb * cols;
                if (cols == 1) { /* one element a row: not worth a call */
                    gl_t v = gl_mul(src[0], f);
                    for (size_t y = 0; y < nb; y++) dst[y] = v;
                } else {
                    for (size_t y = nb; y-- > 0;) gl_vec_mul_scalar(dst + y * cols, src, f, cols);
                }
            }
            hi = lo;
        }
        gl_t f0 = pre_factor(&tw, 0);
        for (size_t y = nb; y-- > 0;) gl_vec_mul_scalar(out + y * cols, out, f0, cols);
        pre_free(&tw);
        return run(out, L + k, cols, 0, 0, k, NULL);
    }
    ntt_bitrev_rows(out, L, cols);
    return blocks_from_coeffs(out, L, cols, k, inv_n, shift);
}

/* Bit-reversed LDE of a matrix whose transforms take two passes or more,
 * with the passes fused so that the coefficients are never written out in
 * full:
 *   A. inverse DIT, all passes but the top one, on out[0, n); its first pass
 *      reads `evals` in bit-reversed row order (the DIT's input order);
 *   B. per group of the top pass (rows 2^s0 apart): the inverse DIT's top
 *      layers give the group's rows of n*c in natural order; for each
 *      block y, those rows twisted by g_y^j / n go through the forward
 *      DIF's top layers and are written to block y;
 *   C. each block y: the remaining passes of its DIF.
 * Groups own their rows in every block, so B runs in place. */
static cairn_err lde_bitrev_fused(gl_t *out, const gl_t *evals, unsigned L, size_t cols, unsigned k,
                                  gl_t shift, const unsigned *b, unsigned np)
{
    size_t n = (size_t)1 << L, nb = (size_t)1 << k;
    run_t R = {.k = kern(), .m = out, .L = L, .cols = cols, .dif = 0};
    const gl_t *twf[GL_TWO_ADICITY];
    FORWARD_IF_ERROR(tables(R.tw, L, 1));
    FORWARD_IF_ERROR(tables(twf, L, 0));
    pre_op gather = {.src = evals, .scale = 1, .src_bitrev = 1, .src_bits = L, .src_cols = cols};
    if (evals == out) { /* in place: the DIT's input order first */
        ntt_bitrev_rows(out, L, cols);
        gather = (pre_op){.scale = 1};
    }
    pass_blocks(&R, b[0], b[1], &gather);
    for (unsigned p = 1; p + 1 < np; p++) FORWARD_IF_ERROR(pass_strided(&R, b[p], b[p + 1], NULL));

    gl_t inv_n = gl_inv(gl_from_u64(n)), wN = gl_root_of_unity(L + k);
    pre_op *tw = cairn_calloc(nb, sizeof *tw);
    if (!tw) return cairn_fail_nomem(nb * sizeof *tw, "NTT: out of memory for the LDE twist tables");
    cairn_err err = CAIRN_OK;
    for (size_t y = 0; y < nb && err == CAIRN_OK; y++) {
        tw[y] = (pre_op){.scale = 1};
        err = pre_twist(&tw[y], L, inv_n, gl_mul(shift, gl_exp(wN, rev_idx(y, k))));
    }
    if (err != CAIRN_OK) {
        for (size_t y = 0; y < nb; y++) pre_free(&tw[y]);
        free(tw);
        return err;
    }
    unsigned s0 = b[np - 1];
    size_t span = (size_t)1 << s0, nunits = (size_t)1 << (L - s0);
    /* two group buffers live at once here, so strips half as wide as
     * elsewhere keep them in L2 together */
    size_t sc = strip_cols > 1 ? strip_cols / 2 : 1, width = cols < sc ? cols : sc;
    size_t nstrips = (cols + width - 1) / width, ngroups = span * nstrips;
    int oom = 0;
#pragma omp parallel if (n * cols >= PAR_MIN)
    {
        gl_t *coef = work_elems(nunits * width), *buf = work_elems(nunits * width);
        if (!coef || !buf) {
#pragma omp atomic write
            oom = 1;
        }
#pragma omp for schedule(static)
        for (size_t gi = 0; gi < ngroups; gi++) {
            if (!coef || !buf) continue;
            size_t strip = gi % nstrips, t = gi / nstrips, w = width;
            if (cols - strip * width < w) w = cols - strip * width;
            size_t off = t * cols + strip * width, ustride = span * cols;
            for (size_t i = 0; i < nunits; i++) memcpy(coef + i * w, out + off + i * ustride, w * sizeof *coef);
            group_layers(R.k, R.tw, coef, w, nunits, s0, L, t, 0);
            for (size_t y = nb; y-- > 0;) {
                gl_t *blk = out + y * n * cols;
                for (size_t i = 0; i < nunits; i++)
                    gl_vec_mul_scalar(buf + i * w, coef + i * w, pre_factor(&tw[y], t + (i << s0)), w);
                group_layers(R.k, twf, buf, w, nunits, s0, L, t, NTT_K_DIF);
                for (size_t i = 0; i < nunits; i++) memcpy(blk + off + i * ustride, buf + i * w, w * sizeof *buf);
            }
        }
        free(coef);
        free(buf);
    }
    for (size_t y = 0; y < nb; y++) pre_free(&tw[y]);
    free(tw);
    if (oom) return work_nomem(2 * nunits * width, "two group buffers (per thread)");

    for (size_t y = 0; y < nb; y++) {
        run_t Ry = {.k = R.k, .m = out + y * n * cols, .L = L, .cols = cols, .dif = 1};
        memcpy(Ry.tw, twf, sizeof twf);
        for (unsigned p = np - 1; p-- > 0;) {
            if (p == 0) pass_blocks(&Ry, b[0], b[1], NULL);
            else FORWARD_IF_ERROR(pass_strided(&Ry, b[p], b[p + 1], NULL));
        }
    }
    return CAIRN_OK;
}

cairn_err ntt_lde_batch(gl_t *out, const gl_t *evals, unsigned log_n, size_t cols, unsigned log_blowup,
                        gl_t shift, int bitrev)
{
    RETURN_ERROR_IF(log_n > GL_TWO_ADICITY || log_blowup > GL_TWO_ADICITY - log_n, CAIRN_ERR_USAGE,
                    "NTT: LDE of 2^%u rows with blowup 2^%u exceeds the two-adicity 2^%d of Goldilocks",
                    log_n, log_blowup, GL_TWO_ADICITY);
    if (cols == 0) return CAIRN_OK;
    if (cols >= MIN_BATCH_COLS && bitrev) {
        unsigned b[GL_TWO_ADICITY + 2];
        unsigned np = plan_for(b, 0, log_n, cols);
        if (np >= 2) return lde_bitrev_fused(out, evals, log_n, cols, log_blowup, shift, b, np);
    }
    if (cols == 1 || cols >= MIN_BATCH_COLS) return lde(out, evals, log_n, cols, log_blowup, shift, bitrev);
    size_t n = (size_t)1 << log_n, N = n << log_blowup;
    gl_t *in = work_elems(n), *res = work_elems(N);
    if (!in || !res) {
        free(in);
        free(res);
        return work_nomem(n + N, "the LDE column buffers");
    }
    cairn_err err = CAIRN_OK;
    for (size_t c = 0; c < cols && err == CAIRN_OK; c++) {
#pragma omp parallel for schedule(static) if (n >= PAR_MIN)
        for (size_t i = 0; i < n; i++) in[i] = evals[i * cols + c];
        err = lde(res, in, log_n, 1, log_blowup, shift, bitrev);
#pragma omp parallel for schedule(static) if (N >= PAR_MIN)
        for (size_t i = 0; i < N; i++) out[i * cols + c] = res[i];
    }
    free(in);
    free(res);
    return err;
}

typedef struct {
    unsigned log_blowup;
    gl_t shift;
} lde_coeffs_arg;

static cairn_err col_lde_coeffs(gl_t *a, unsigned L, void *arg)
{
    const lde_coeffs_arg *c = arg;
    return blocks_from_coeffs(a, L, 1, c->log_blowup, 1, c->shift);
}

cairn_err ntt_coset_lde_coeffs_bitrev(gl_t *m, unsigned log_n, size_t cols, unsigned log_blowup, gl_t shift)
{
    RETURN_ERROR_IF(log_n > GL_TWO_ADICITY || log_blowup > GL_TWO_ADICITY - log_n, CAIRN_ERR_USAGE,
                    "NTT: LDE of 2^%u rows with blowup 2^%u exceeds the two-adicity 2^%d of Goldilocks",
                    log_n, log_blowup, GL_TWO_ADICITY);
    if (cols == 0) return CAIRN_OK;
    if (cols == 1 || cols >= MIN_BATCH_COLS) return blocks_from_coeffs(m, log_n, cols, log_blowup, 1, shift);
    lde_coeffs_arg a = {log_blowup, shift};
    return by_column_ext(m, log_n, log_blowup, cols, col_lde_coeffs, &a);
}

void ntt_forward_ref(gl_t *out, const gl_t *in, unsigned log_n)
{
    size_t n = (size_t)1 << log_n;
    gl_t w = gl_root_of_unity(log_n), wi = 1;
    for (size_t i = 0; i < n; i++) {
        /* Horner in w^i */
        gl_t acc = 0;
        for (size_t j = n; j-- > 0;) acc = gl_add(gl_mul(acc, wi), in[j]);
        out[i] = acc;
        wi = gl_mul(wi, w);
    }
}
