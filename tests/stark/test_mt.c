/* Merkle commitments: roots against a naive recomputation from p2_hash and
 * p2_compress, openings at every index of mixed-height trees, single-bit
 * tampering of every opened value, sibling and index bit, root sensitivity
 * to every element, argument checks, and the SIMD paths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cpu.h"
#include "common/err.h"
#include "stark/mt.h"
#include "testutil.h"

static gl_t rand_gl(rng_t *r) { return rng_u64(r) % GL_P; }

/* A set of matrices with their own storage. */
typedef struct {
    size_t n;
    mt_matrix m[8];
    mt_dims d[8];
    gl_t *data[8];
} matset;

static void matset_make(matset *s, rng_t *r, size_t n, const size_t (*hw)[2])
{
    s->n = n;
    for (size_t k = 0; k < n; k++) {
        size_t h = hw[k][0], w = hw[k][1];
        s->data[k] = malloc((h * w + 1) * sizeof(gl_t));
        for (size_t i = 0; i < h * w; i++) s->data[k][i] = rand_gl(r);
        s->m[k] = (mt_matrix){s->data[k], h, w};
        s->d[k] = (mt_dims){h, w};
    }
}

static void matset_free(matset *s)
{
    for (size_t k = 0; k < s->n; k++) free(s->data[k]);
}

static int digest_eq(p2_digest a, p2_digest b) { return !memcmp(a.v, b.v, sizeof a.v); }

/* p2_hash of the concatenated row j of every matrix of height h, written
 * straight from the definition in mt.h. */
static p2_digest naive_row_hash(const matset *s, size_t h, size_t j)
{
    gl_t buf[256];
    size_t n = 0;
    for (size_t k = 0; k < s->n; k++) {
        if (s->m[k].height != h) continue;
        for (size_t c = 0; c < s->m[k].width; c++) buf[n++] = s->m[k].data[j * s->m[k].width + c];
    }
    p2_digest d;
    p2_hash(&d, buf, n);
    return d;
}

static int has_height(const matset *s, size_t h)
{
    for (size_t k = 0; k < s->n; k++)
        if (s->m[k].height == h) return 1;
    return 0;
}

/* Node j of the layer with n nodes, in a tree whose leaf layer has H. */
static p2_digest naive_node(const matset *s, size_t H, size_t n, size_t j)
{
    if (n == H) return naive_row_hash(s, H, j);
    p2_digest l = naive_node(s, H, 2 * n, 2 * j), r = naive_node(s, H, 2 * n, 2 * j + 1), c;
    p2_compress(&c, &l, &r);
    if (has_height(s, n)) {
        p2_digest inj = naive_row_hash(s, n, j), c2;
        p2_compress(&c2, &c, &inj);
        c = c2;
    }
    return c;
}

static size_t max_height(const matset *s)
{
    size_t H = 0;
    for (size_t k = 0; k < s->n; k++)
        if (s->m[k].height > H) H = s->m[k].height;
    return H;
}

static const size_t MIXED[][2] = {{64, 5}, {16, 3}, {16, 2}, {2, 7}};
/* the same kinds of matrices given out of height order, with a height-1
 * matrix (injected at the root) and an empty one */
static const size_t MIXED2[][2] = {{16, 3}, {1, 3}, {64, 5}, {2, 7}, {8, 0}, {16, 2}};

static void check_against_naive(const matset *s)
{
    mt_tree *t = NULL;
    CU_ASSERT_EQUAL_FATAL(mt_commit(&t, s->m, s->n), CAIRN_OK);
    size_t H = max_height(s);
    CU_ASSERT(digest_eq(mt_root(t), naive_node(s, H, 1, 0)));
    CU_ASSERT_EQUAL(1u << mt_log_height(t), H);
    CU_ASSERT_EQUAL(mt_num_matrices(t), s->n);
    for (size_t k = 0; k < s->n; k++) {
        mt_dims d = mt_matrix_dims(t, k);
        CU_ASSERT(d.height == s->d[k].height && d.width == s->d[k].width);
    }
    mt_free(t);
}

static void test_naive_root(void)
{
    rng_t r;
    rng_seed(&r, test_seed("mt naive root"));
    static const size_t ONE[][2] = {{32, 9}};
    static const size_t TWO_TALL[][2] = {{32, 9}, {32, 1}, {8, 16}};
    static const size_t WIDE[][2] = {{4, 17}, {4, 8}, {2, 24}};
    const struct {
        const size_t (*hw)[2];
        size_t n;
    } cfg[] = {{MIXED, 4}, {MIXED2, 6}, {ONE, 1}, {TWO_TALL, 3}, {WIDE, 3}};
    for (size_t c = 0; c < sizeof cfg / sizeof cfg[0]; c++) {
        matset s;
        matset_make(&s, &r, cfg[c].n, cfg[c].hw);
        check_against_naive(&s);
        matset_free(&s);
    }
}

/* mt_commit_begin / mt_hash_rows by blocks / mt_commit_finish gives
 * mt_commit's tree (root and every path) when the tallest matrices come
 * without data; the argument checks of the steps. */
static void test_stepwise(void)
{
    rng_t r;
    rng_seed(&r, test_seed("mt stepwise"));
    static const size_t TWO_TALL[][2] = {{32, 9}, {32, 1}, {8, 16}, {4, 3}};
    const struct {
        const size_t (*hw)[2];
        size_t n;
    } cfg[] = {{MIXED, 4}, {MIXED2, 6}, {TWO_TALL, 4}};
    for (size_t c = 0; c < sizeof cfg / sizeof cfg[0]; c++) {
        matset s;
        matset_make(&s, &r, cfg[c].n, cfg[c].hw);
        const size_t H = max_height(&s);
        mt_tree *want = NULL, *got = NULL;
        CU_ASSERT_EQUAL_FATAL(mt_commit(&want, s.m, s.n), CAIRN_OK);
        /* with data: the leaves are hashed by finish */
        CU_ASSERT_EQUAL_FATAL(mt_commit_begin(&got, s.m, s.n), CAIRN_OK);
        CU_ASSERT_PTR_NULL(mt_leaves(got));
        CU_ASSERT_EQUAL(mt_commit_finish(got), CAIRN_OK);
        CU_ASSERT(digest_eq(mt_root(got), mt_root(want)));
        mt_free(got);
        /* without: blocks of 8 rows hashed by the caller */
        mt_matrix m[8], blk[8];
        size_t nt = 0;
        for (size_t k = 0; k < s.n; k++) {
            m[k] = s.m[k];
            if (m[k].height == H) m[k].data = NULL;
        }
        CU_ASSERT_EQUAL_FATAL(mt_commit_begin(&got, m, s.n), CAIRN_OK);
        p2_digest *leaves = mt_leaves(got);
        CU_ASSERT_PTR_NOT_NULL_FATAL(leaves);
        for (size_t r0 = 0; r0 < H; r0 += 8) {
            nt = 0;
            for (size_t k = 0; k < s.n; k++)
                if (s.m[k].height == H) blk[nt++] = (mt_matrix){s.m[k].data + r0 * s.m[k].width, 8, s.m[k].width};
            CU_ASSERT_EQUAL(mt_hash_rows(leaves + r0, blk, nt, H - r0 < 8 ? H - r0 : 8), CAIRN_OK);
        }
        CU_ASSERT_EQUAL(mt_commit_finish(got), CAIRN_OK);
        CU_ASSERT(digest_eq(mt_root(got), mt_root(want)));
        for (size_t i = 0; i < H; i++) {
            mt_opening a, b;
            CU_ASSERT_EQUAL_FATAL(mt_open(want, &a, i), CAIRN_OK);
            CU_ASSERT_EQUAL_FATAL(mt_open(got, &b, i), CAIRN_OK);
            CU_ASSERT_EQUAL(memcmp(a.path, b.path, mt_log_height(want) * sizeof *a.path), 0);
            for (size_t k = 0; k < s.n; k++)
                if (s.m[k].height == H && s.m[k].width) CU_ASSERT_PTR_NULL(b.rows[k]);
            mt_opening_free(&a);
            mt_opening_free(&b);
        }
        mt_free(got);
        mt_free(want);
        /* some tall matrices with data and some without; a short one without */
        if (nt > 1 || cfg[c].n > 1) {
            for (size_t k = 0; k < s.n; k++) m[k] = s.m[k];
            size_t tall = 0, low = 0;
            for (size_t k = 0; k < s.n; k++) {
                if (s.m[k].height == H && s.m[k].width) tall++;
                if (s.m[k].height < H && s.m[k].width) low = k + 1;
            }
            if (tall > 1) {
                for (size_t k = 0; k < s.n; k++)
                    if (s.m[k].height == H && s.m[k].width) {
                        m[k].data = NULL;
                        break;
                    }
                got = (mt_tree *)1;
                CU_ASSERT_EQUAL(mt_commit_begin(&got, m, s.n), CAIRN_ERR_USAGE);
                CU_ASSERT_PTR_NULL(got);
                for (size_t k = 0; k < s.n; k++) m[k] = s.m[k];
            }
            if (low) {
                m[low - 1].data = NULL;
                CU_ASSERT_EQUAL(mt_commit_begin(&got, m, s.n), CAIRN_ERR_USAGE);
                CU_ASSERT_EQUAL(mt_commit(&got, m, s.n), CAIRN_ERR_USAGE);
            }
        }
        matset_free(&s);
    }
    mt_matrix none = {NULL, 4, 2};
    p2_digest d[4];
    CU_ASSERT_EQUAL(mt_hash_rows(d, &none, 1, 4), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(mt_hash_rows(d, NULL, 0, 4), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(mt_commit_finish(NULL), CAIRN_ERR_USAGE);
}

static void test_height_one(void)
{
    rng_t r;
    rng_seed(&r, test_seed("mt height one"));
    static const size_t HW[][2] = {{1, 11}, {1, 2}};
    for (size_t n = 1; n <= 2; n++) {
        matset s;
        matset_make(&s, &r, n, HW);
        mt_tree *t;
        CU_ASSERT_EQUAL_FATAL(mt_commit(&t, s.m, s.n), CAIRN_OK);
        CU_ASSERT_EQUAL(mt_log_height(t), 0);
        CU_ASSERT(digest_eq(mt_root(t), naive_row_hash(&s, 1, 0)));
        mt_opening o;
        CU_ASSERT_EQUAL_FATAL(mt_open(t, &o, 0), CAIRN_OK);
        CU_ASSERT_EQUAL(mt_verify(mt_root(t), s.d, s.n, 0, o.rows, o.path), CAIRN_OK);
        CU_ASSERT_EQUAL(mt_verify(mt_root(t), s.d, s.n, 1, o.rows, o.path), CAIRN_ERR_VERIFY);
        gl_t row[11];
        memcpy(row, o.rows[0], sizeof row);
        const gl_t *rows[2] = {row, n > 1 ? o.rows[1] : NULL};
        row[3] = gl_add(row[3], 1);
        CU_ASSERT_EQUAL(mt_verify(mt_root(t), s.d, s.n, 0, rows, o.path), CAIRN_ERR_VERIFY);
        mt_opening_free(&o);
        mt_opening o2;
        CU_ASSERT_NOT_EQUAL(mt_open(t, &o2, 1), CAIRN_OK);
        mt_free(t);
        matset_free(&s);
    }
}

/* Opens every index; the opened rows are the right rows; verification
 * passes; indices verified in a scrambled order with repeats all pass. */
static void open_all(const size_t (*hw)[2], size_t n, const char *name)
{
    rng_t r;
    rng_seed(&r, test_seed(name));
    matset s;
    matset_make(&s, &r, n, hw);
    mt_tree *t;
    CU_ASSERT_EQUAL_FATAL(mt_commit(&t, s.m, s.n), CAIRN_OK);
    size_t H = max_height(&s);
    p2_digest root = mt_root(t);
    for (size_t i = 0; i < H; i++) {
        mt_opening o;
        CU_ASSERT_EQUAL_FATAL(mt_open(t, &o, i), CAIRN_OK);
        CU_ASSERT_EQUAL(o.index, i);
        for (size_t k = 0; k < s.n; k++) {
            size_t row = i / (H / s.m[k].height);
            if (s.m[k].width) CU_ASSERT_PTR_EQUAL(o.rows[k], s.m[k].data + row * s.m[k].width);
        }
        CU_ASSERT_EQUAL(mt_verify(root, s.d, s.n, i, o.rows, o.path), CAIRN_OK);
        /* the same opening at another index fails (siblings are random) */
        if (H > 1)
            CU_ASSERT_EQUAL(mt_verify(root, s.d, s.n, i ^ 1, o.rows, o.path), CAIRN_ERR_VERIFY);
        mt_opening_free(&o);
    }
    for (int q = 0; q < 3 * (int)H; q++) {
        size_t i = rng_u64(&r) % H;
        mt_opening o;
        CU_ASSERT_EQUAL_FATAL(mt_open(t, &o, i), CAIRN_OK);
        CU_ASSERT_EQUAL(mt_verify(root, s.d, s.n, i, o.rows, o.path), CAIRN_OK);
        mt_opening_free(&o);
        mt_opening_free(&o); /* freeing twice is harmless */
    }
    mt_free(t);
    matset_free(&s);
}

static void test_open_every_index(void)
{
    open_all(MIXED, 4, "mt open mixed");
    open_all(MIXED2, 6, "mt open mixed, unordered heights");
}

/* Every single-bit change of an opened element, a sibling, the index or the
 * root makes verification fail, cleanly also when the element becomes
 * non-canonical. */
static void test_tamper(void)
{
    rng_t r;
    rng_seed(&r, test_seed("mt tamper"));
    matset s;
    matset_make(&s, &r, 4, MIXED);
    /* edge values in the opened rows, so flips reach p, p+1, 2^64-1, ... */
    s.data[0][0] = GL_P - 1;
    s.data[0][1] = 0;
    s.data[0][2] = (1ull << 32) - 1;
    s.data[1][0] = GL_P - 2;
    s.data[3][0] = 1ull << 32;
    mt_tree *t;
    CU_ASSERT_EQUAL_FATAL(mt_commit(&t, s.m, s.n), CAIRN_OK);
    p2_digest root = mt_root(t);
    const size_t idx[] = {0, 1, 37, 63};
    unsigned fails = 0, checks = 0;
    for (size_t q = 0; q < 4; q++) {
        size_t i = idx[q];
        mt_opening o;
        CU_ASSERT_EQUAL_FATAL(mt_open(t, &o, i), CAIRN_OK);
        gl_t rows[4][8];
        const gl_t *rp[4];
        for (size_t k = 0; k < 4; k++) {
            memcpy(rows[k], o.rows[k], s.m[k].width * sizeof(gl_t));
            rp[k] = rows[k];
        }
        p2_digest path[6];
        memcpy(path, o.path, sizeof path);
        CU_ASSERT_EQUAL_FATAL(mt_verify(root, s.d, 4, i, rp, path), CAIRN_OK);
        for (size_t k = 0; k < 4; k++)
            for (size_t c = 0; c < s.m[k].width; c++)
                for (int b = 0; b < 64; b++) {
                    rows[k][c] ^= 1ull << b;
                    cairn_err e = mt_verify(root, s.d, 4, i, rp, path);
                    checks++;
                    fails += e == CAIRN_ERR_VERIFY;
                    rows[k][c] ^= 1ull << b;
                }
        for (int l = 0; l < 6; l++)
            for (int e = 0; e < P2_DIGEST; e++)
                for (int b = 0; b < 64; b++) {
                    path[l].v[e] ^= 1ull << b;
                    checks++;
                    fails += mt_verify(root, s.d, 4, i, rp, path) == CAIRN_ERR_VERIFY;
                    path[l].v[e] ^= 1ull << b;
                }
        for (int b = 0; b < 64; b++) {
            checks++;
            fails += mt_verify(root, s.d, 4, i ^ ((size_t)1 << b), rp, path) == CAIRN_ERR_VERIFY;
            p2_digest bad = root;
            bad.v[b % 4] ^= 1ull << b;
            checks++;
            fails += mt_verify(bad, s.d, 4, i, rp, path) == CAIRN_ERR_VERIFY;
        }
        CU_ASSERT_EQUAL(mt_verify(root, s.d, 4, i, rp, path), CAIRN_OK); /* all restored */
        mt_opening_free(&o);
    }
    CU_ASSERT_EQUAL(fails, checks);
    if (fails != checks) fprintf(stderr, "tamper: %u of %u changes accepted\n", checks - fails, checks);
    mt_free(t);
    matset_free(&s);
}

/* Non-canonical encodings of an opened element (x + p when that fits,
 * 2^64 - 1) are rejected, not reduced. */
static void test_noncanonical(void)
{
    rng_t r;
    rng_seed(&r, test_seed("mt noncanonical"));
    matset s;
    matset_make(&s, &r, 4, MIXED);
    s.data[0][5 * 9] = 3; /* row 9, column 0 */
    mt_tree *t;
    CU_ASSERT_EQUAL_FATAL(mt_commit(&t, s.m, s.n), CAIRN_OK);
    mt_opening o;
    CU_ASSERT_EQUAL_FATAL(mt_open(t, &o, 9), CAIRN_OK);
    gl_t row[5];
    memcpy(row, o.rows[0], sizeof row);
    const gl_t *rp[4] = {row, o.rows[1], o.rows[2], o.rows[3]};
    CU_ASSERT_EQUAL(mt_verify(mt_root(t), s.d, 4, 9, rp, o.path), CAIRN_OK);
    row[0] = 3 + GL_P;
    CU_ASSERT_EQUAL(mt_verify(mt_root(t), s.d, 4, 9, rp, o.path), CAIRN_ERR_VERIFY);
    row[0] = ~0ull;
    CU_ASSERT_EQUAL(mt_verify(mt_root(t), s.d, 4, 9, rp, o.path), CAIRN_ERR_VERIFY);
    row[0] = 3;
    p2_digest path[6];
    memcpy(path, o.path, sizeof path);
    path[2].v[1] = path[2].v[1] < (1ull << 32) - 1 ? path[2].v[1] + GL_P : ~0ull;
    CU_ASSERT_EQUAL(mt_verify(mt_root(t), s.d, 4, 9, rp, path), CAIRN_ERR_VERIFY);
    CU_ASSERT(strstr(cairn_last_error(), "canonical") != NULL);
    mt_opening_free(&o);
    mt_free(t);
    matset_free(&s);
}

/* Changing any one element of any matrix changes the root. */
static void test_root_binds_every_element(void)
{
    rng_t r;
    rng_seed(&r, test_seed("mt root binding"));
    matset s;
    matset_make(&s, &r, 6, MIXED2);
    mt_tree *t;
    CU_ASSERT_EQUAL_FATAL(mt_commit(&t, s.m, s.n), CAIRN_OK);
    p2_digest root = mt_root(t);
    mt_free(t);
    unsigned same = 0, tried = 0;
    for (size_t k = 0; k < s.n; k++)
        for (size_t e = 0; e < s.m[k].height * s.m[k].width; e++) {
            gl_t old = s.data[k][e];
            s.data[k][e] = gl_add(old, 1 + rng_u64(&r) % 1000);
            CU_ASSERT_EQUAL_FATAL(mt_commit(&t, s.m, s.n), CAIRN_OK);
            same += digest_eq(root, mt_root(t));
            tried++;
            mt_free(t);
            s.data[k][e] = old;
        }
    CU_ASSERT_EQUAL(same, 0);
    CU_ASSERT_EQUAL(tried, 64 * 5 + 16 * 3 + 16 * 2 + 2 * 7 + 3);
    /* swapping two matrices of the same height changes the root too */
    mt_matrix sw[6];
    memcpy(sw, s.m, sizeof sw);
    mt_matrix tmp = sw[0];
    sw[0] = sw[5];
    sw[5] = tmp;
    CU_ASSERT_EQUAL_FATAL(mt_commit(&t, sw, 6), CAIRN_OK);
    CU_ASSERT(!digest_eq(root, mt_root(t)));
    mt_free(t);
    matset_free(&s);
}

/* Dims that differ from the committed ones fail; malformed dims and
 * arguments are reported, never read through. */
static void test_bad_arguments(void)
{
    rng_t r;
    rng_seed(&r, test_seed("mt bad arguments"));
    matset s;
    matset_make(&s, &r, 4, MIXED);
    mt_tree *t;
    CU_ASSERT_EQUAL_FATAL(mt_commit(&t, s.m, s.n), CAIRN_OK);
    p2_digest root = mt_root(t);
    mt_opening o;
    CU_ASSERT_EQUAL_FATAL(mt_open(t, &o, 21), CAIRN_OK);
    mt_dims d[4];
    memcpy(d, s.d, sizeof d);
    CU_ASSERT_EQUAL(mt_verify(root, d, 4, 21, o.rows, o.path), CAIRN_OK);
    d[0].width = 4; /* narrower than committed: fewer elements hashed */
    CU_ASSERT_EQUAL(mt_verify(root, d, 4, 21, o.rows, o.path), CAIRN_ERR_VERIFY);
    memcpy(d, s.d, sizeof d);
    d[3].height = 4; /* injected at a different layer */
    CU_ASSERT_EQUAL(mt_verify(root, d, 4, 21, o.rows, o.path), CAIRN_ERR_VERIFY);
    memcpy(d, s.d, sizeof d);
    d[1].height = 12;
    CU_ASSERT_EQUAL(mt_verify(root, d, 4, 21, o.rows, o.path), CAIRN_ERR_USAGE);
    d[1].height = 0;
    CU_ASSERT_EQUAL(mt_verify(root, d, 4, 21, o.rows, o.path), CAIRN_ERR_USAGE);
    memcpy(d, s.d, sizeof d);
    CU_ASSERT_EQUAL(mt_verify(root, d, 0, 21, o.rows, o.path), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(mt_verify(root, d, 3, 21, o.rows, o.path), CAIRN_ERR_VERIFY);
    /* a huge claimed width overflows the length; rejected before reading */
    d[2].width = SIZE_MAX - 1;
    CU_ASSERT_EQUAL(mt_verify(root, d, 4, 21, o.rows, o.path), CAIRN_ERR_USAGE);
    memcpy(d, s.d, sizeof d);
    CU_ASSERT_EQUAL(mt_verify(root, d, 4, 64, o.rows, o.path), CAIRN_ERR_VERIFY);
    CU_ASSERT_EQUAL(mt_verify(root, d, 4, SIZE_MAX, o.rows, o.path), CAIRN_ERR_VERIFY);
    const gl_t *norows[4] = {o.rows[0], NULL, o.rows[2], o.rows[3]};
    CU_ASSERT_EQUAL(mt_verify(root, d, 4, 21, norows, o.path), CAIRN_ERR_USAGE);
    CU_ASSERT_EQUAL(mt_verify(root, d, 4, 21, o.rows, NULL), CAIRN_ERR_USAGE);
    mt_opening_free(&o);
    CU_ASSERT_EQUAL(mt_open(t, &o, 64), CAIRN_ERR_USAGE);
    mt_opening_free(&o);
    mt_free(t);
    mt_free(NULL);
    mt_opening_free(NULL);

    mt_matrix m[2] = {s.m[0], s.m[1]};
    CU_ASSERT_EQUAL(mt_commit(&t, m, 0), CAIRN_ERR_USAGE);
    CU_ASSERT_PTR_NULL(t);
    m[1].height = 24;
    CU_ASSERT_EQUAL(mt_commit(&t, m, 2), CAIRN_ERR_USAGE);
    CU_ASSERT(strstr(cairn_last_error(), "matrix 1") != NULL);
    m[1].height = 0;
    CU_ASSERT_EQUAL(mt_commit(&t, m, 2), CAIRN_ERR_USAGE);
    m[1] = (mt_matrix){NULL, 16, 3};
    CU_ASSERT_EQUAL(mt_commit(&t, m, 2), CAIRN_ERR_USAGE);
    matset_free(&s);
}

/* Random dims, rows and paths in buffers of exactly the sizes the dims
 * imply, random indices (often out of range), occasional malformed
 * heights: mt_verify returns an error (a match is out of reach) and, under
 * AddressSanitizer, is seen to stay inside the buffers. */
static void test_random_dims(void)
{
    rng_t r;
    rng_seed(&r, test_seed("mt random dims"));
    unsigned accepted = 0, usage = 0, verify = 0;
    for (int it = 0; it < 3000; it++) {
        size_t n = 1 + rng_u64(&r) % 5;
        mt_dims d[5];
        gl_t *rows[5];
        size_t H = 0;
        for (size_t k = 0; k < n; k++) {
            d[k].height = (size_t)1 << (rng_u64(&r) % 10);
            if (rng_u64(&r) % 50 == 0) d[k].height = rng_u64(&r) % 100;
            d[k].width = rng_u64(&r) % 20;
            if (d[k].height > H) H = d[k].height;
            rows[k] = malloc(d[k].width * sizeof(gl_t) + 1);
            for (size_t c = 0; c < d[k].width; c++)
                rows[k][c] = rng_u64(&r) % 8 ? rand_gl(&r) : rng_u64(&r);
        }
        unsigned logH = 0;
        while (((size_t)1 << logH) < H) logH++;
        p2_digest *path = malloc(logH * sizeof *path + 1);
        for (unsigned l = 0; l < logH; l++)
            for (int e = 0; e < P2_DIGEST; e++) path[l].v[e] = rand_gl(&r);
        p2_digest root;
        for (int e = 0; e < P2_DIGEST; e++) root.v[e] = rand_gl(&r);
        size_t index = rng_u64(&r) % 2 ? rng_u64(&r) % (2 * H + 1) : rng_u64(&r);
        cairn_err e = mt_verify(root, d, n, index, (const gl_t *const *)rows, path);
        accepted += e == CAIRN_OK;
        usage += e == CAIRN_ERR_USAGE;
        verify += e == CAIRN_ERR_VERIFY;
        for (size_t k = 0; k < n; k++) free(rows[k]);
        free(path);
    }
    CU_ASSERT_EQUAL(accepted, 0);
    CU_ASSERT_EQUAL(usage + verify, 3000);
    CU_ASSERT(usage > 0);
}

/* Several matrices of the largest height (rows gathered in blocks) commit
 * to the same root as one matrix holding their concatenated rows (hashed
 * in place), over several gather blocks and on every SIMD path. */
static void test_gather_and_simd_paths(void)
{
    rng_t r;
    rng_seed(&r, test_seed("mt gather"));
    const size_t H = 1 << 12, wa = 40, wb = 30, wc = 3;
    gl_t *a = malloc(H * wa * sizeof *a), *b = malloc(H * wb * sizeof *b);
    gl_t *ab = malloc(H * (wa + wb) * sizeof *ab), *c = malloc(H / 2 * wc * sizeof *c);
    for (size_t i = 0; i < H; i++) {
        for (size_t j = 0; j < wa; j++) ab[i * (wa + wb) + j] = a[i * wa + j] = rand_gl(&r);
        for (size_t j = 0; j < wb; j++) ab[i * (wa + wb) + wa + j] = b[i * wb + j] = rand_gl(&r);
    }
    for (size_t i = 0; i < H / 2 * wc; i++) c[i] = rand_gl(&r);
    mt_matrix split[3] = {{a, H, wa}, {c, H / 2, wc}, {b, H, wb}};
    mt_matrix joined[2] = {{ab, H, wa + wb}, {c, H / 2, wc}};
    const unsigned masks[] = {0, CPU_AVX2, CPU_AVX2 | CPU_AVX512 | CPU_AVX512IFMA};
    p2_digest first = {{0}};
    for (int m = 0; m < 3; m++) {
        cpu_features_restrict(masks[m]);
        mt_tree *t1, *t2;
        CU_ASSERT_EQUAL_FATAL(mt_commit(&t1, split, 3), CAIRN_OK);
        CU_ASSERT_EQUAL_FATAL(mt_commit(&t2, joined, 2), CAIRN_OK);
        CU_ASSERT(digest_eq(mt_root(t1), mt_root(t2)));
        if (m == 0) first = mt_root(t1);
        else CU_ASSERT(digest_eq(first, mt_root(t1)));
        mt_dims d[3] = {{H, wa}, {H / 2, wc}, {H, wb}};
        for (int q = 0; q < 20; q++) {
            size_t i = rng_u64(&r) % H;
            mt_opening o;
            CU_ASSERT_EQUAL_FATAL(mt_open(t1, &o, i), CAIRN_OK);
            CU_ASSERT_EQUAL(mt_verify(mt_root(t2), d, 3, i, o.rows, o.path), CAIRN_OK);
            mt_opening_free(&o);
        }
        mt_free(t1);
        mt_free(t2);
    }
    cpu_features_restrict(~0u);
    free(a);
    free(b);
    free(ab);
    free(c);
}

int main(void)
{
    static const test_case cases[] = {
        {"root equals naive recomputation from p2_hash/p2_compress", test_naive_root},
        {"height-1 trees", test_height_one},
        {"stepwise commitment with caller-hashed leaves equals mt_commit", test_stepwise},
        {"mixed heights open and verify at every index", test_open_every_index},
        {"every single-bit change of an opening is rejected", test_tamper},
        {"non-canonical elements are rejected", test_noncanonical},
        {"root changes with every element and matrix order", test_root_binds_every_element},
        {"bad dims and arguments", test_bad_arguments},
        {"random dims and indices stay in bounds", test_random_dims},
        {"gathered rows equal concatenated matrix, every SIMD path", test_gather_and_simd_paths},
        {NULL, NULL}};
    return test_run_suite("mt", cases);
}
