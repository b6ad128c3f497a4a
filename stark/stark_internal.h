/* Internal to the stark engine (prover.c, verifier.c, keys.c, proof.c,
 * fri.c, check.c, verify_rec.c): keys, the shape of a proof, the parsed
 * proof. Modules above the proof system that run the verifier on a
 * backend of their own use verify_rec.h instead. */
#ifndef CAIRN_STARK_STARK_INTERNAL_H
#define CAIRN_STARK_STARK_INTERNAL_H

#include <pthread.h>

#include "air.h"
#include "mt.h"
#include "stark.h"
#include "transcript.h"
#include "vctx.h"

#define STARK_MAGIC "CAIRNPRF"
#define STARK_VERSION 5u
#define STARK_DOMAIN_TAG "cairn-stark-v1"
#define STARK_MAX_INTS 160   /* interactions per table (the RV32IM cpu table needs ~60-100; group indices fit uint8_t) */
#define STARK_MAX_LAYERS 40  /* FRI layers */
#define STARK_MIN_LOG_N 2    /* smallest table height 2^2 */
#define STARK_MAX_LOG_N 26   /* largest table height a proof may state */
#define STARK_SHIFT GL_GENERATOR /* LDE and quotient coset shift */
/* A quotient of at most 2^3 chunks: constraint degree <= 9 (the prover's
 * per-block tables hold 8) */
#define STARK_MAX_QLOG 3

enum { TREE_PRE = 0, TREE_MAIN, TREE_LU, TREE_Q, NTREES };

/* Interactions per LogUp group (logup_impl.h) */
#define STARK_MAX_GROUP 8

/* The degree a LogUp group's constraint may reach: what the LDE's own
 * 2^log_blowup blocks hold (2^log_blowup + 1, a quotient of at most
 * 2^log_blowup chunks), at least 3 (pairs of degree-1 tuples), at most
 * the machine's max_degree. A larger group takes fewer helper columns
 * (each committed, opened and hashed by every query) at the price of a
 * quotient evaluated on more of the LDE; past the LDE it would also take
 * blocks rebuilt for the LogUp columns, which the split by degree
 * (qsplit) avoids. At blowup 2 this is 3 (pairs), at blowup 4 it is 5
 * (four degree-1 interactions per helper). */
static inline unsigned stark_lu_degree(const air_machine *m, unsigned log_blowup)
{
    const unsigned max = m->max_degree ? m->max_degree : 3;
    /* from blowup 8 on, 9 or more: above any max_degree (<= 8) */
    const unsigned d = log_blowup >= 3 ? 9 : (1u << log_blowup) + 1;
    const unsigned lo = d < 3 ? 3 : d;
    return lo < max ? lo : max;
}

/* Verifying key: fixed by machine + parameters. No owned pointers, so the
 * proving key embeds a copy. */
struct stark_vk {
    const air_machine *m;
    stark_params p;
    p2_digest pre_root;
    int has_pre;
    p2_digest digest;
    /* LogUp grouping: interactions of table t are split into consecutive
     * groups of 1 to STARK_MAX_GROUP (one helper column each) whose
     * constraint has degree at most max_lu_degree (stark_lu_degree). */
    unsigned ngroups[AIR_MAX_TABLES];
    uint8_t group_size[AIR_MAX_TABLES][STARK_MAX_INTS];
    uint8_t group_first[AIR_MAX_TABLES][STARK_MAX_INTS];
    unsigned qlog[AIR_MAX_TABLES]; /* quotient has 2^qlog chunks, qlog <= STARK_MAX_QLOG */
    /* A quotient domain larger than the LDE (qlog > log_blowup) is split
     * by degree (prover.c, quotient_table): the constraints of degree >
     * 2^log_blowup + 1 ("high") are evaluated on all 2^qlog blocks, the
     * others and the LogUp constraints on the LDE's own 2^log_blowup
     * blocks only, their sum interpolated from there. qsplit[t] says the
     * split applies (the LogUp constraints are low); qhi_reads[t] has bit
     * AIR_PRE / AIR_MAIN set when a high constraint reads a column of
     * that kind, so only those LDEs get blocks past the LDE's. */
    uint8_t qsplit[AIR_MAX_TABLES], qhi_reads[AIR_MAX_TABLES];
    /* qsplit[t] == 2: the other way round, within the LDE. The LogUp
     * constraints (groups up to stark_lu_degree) need all 2^qlog blocks,
     * the table's own constraints fewer: they are evaluated on the first
     * 2^qlo_log[t] blocks only and interpolated from there, the LogUp
     * constraints on every block. qlo_log[t] is the low part's block
     * count (log) for either split: log_blowup for qsplit 1. */
    uint8_t qlo_log[AIR_MAX_TABLES];
    unsigned max_lu_degree; /* stark_lu_degree of the machine and blowup */
    /* LogUp challenges are drawn and the balance is checked whenever any
     * interaction exists, boundary terms included; the LogUp tree exists
     * only when some table has interactions (shape.tree_nmats[TREE_LU]). */
    int has_lu;
    transcript tr0;                /* after the domain tag and the key digest */
};

/* The least degree of a high constraint of a split quotient (qsplit):
 * above 2^log_blowup + 1, the most whose quotient the LDE's points hold. */
static inline unsigned stark_qhi_degree(const struct stark_vk *vk) { return (1u << vk->p.log_blowup) + 2; }

/* The LDE blocks 0 .. u-1 of table t's main (*um), LogUp (*ul) and
 * preprocessed (*up) columns that its quotient reads: 2^qlog, or the LDE's
 * own 2^log_blowup for a kind that no high constraint reads (qsplit).
 * The prover and its memory model (prove_mem.c) both size by it. */
void stark_quotient_blocks(const struct stark_vk *vk, unsigned t, size_t *um, size_t *ul, size_t *up);

struct stark_pk {
    struct stark_vk vk;
    gl_t *pre_lde[AIR_MAX_TABLES]; /* bitrev LDE of preprocessed columns */
    mt_tree *pre_tree;
    int check_trace; /* run the debug checker before proving (params) */
    /* a key whose root came from the key cache commits when it first
     * proves (stark_pk_ready); lock guards that */
    int lazy;
    pthread_mutex_t lock;
    char cache_path[4160];
};

/* Commits the preprocessed columns of a key built from the key cache
 * (nothing for others) and checks the root against the cached one. */
cairn_err stark_pk_ready(stark_pk *pk);

/* The key cache's internals (keycache.c): *found = 1 and *root when an
 * entry of (m, p) exists and passes its checks; path gets the entry's
 * file name (empty with the cache off). */
cairn_err stark_keycache_lookup(int *found, p2_digest *root, char *path, size_t cap, const air_machine *m,
                                const stark_params *p);
/* Stores root for (m, p); failures are silent (the next process only
 * recomputes). */
void stark_keycache_store(const air_machine *m, const stark_params *p, const p2_digest *root);
/* A prover found the entry at path wrong: deletes it. */
void stark_keycache_forget(const char *path);

/* Everything a proof's layout depends on: key + the tables' heights. */
typedef struct {
    unsigned ntables;
    unsigned log_b;                 /* log blowup */
    unsigned log_n[AIR_MAX_TABLES]; /* trace heights */
    unsigned w[NTREES][AIR_MAX_TABLES]; /* base columns per table per tree */
    /* Quotient: one polynomial per table height. The tables of one height
     * combine their constraints by consecutive powers of alpha (the
     * first table of the height from alpha^0, the next from the power
     * after the first's last, in table order) and share one quotient,
     * committed as the matrix of the first, qlead[t], with qchunks chunks
     * (the most any of them needs, nq); the others have qchunks 0 and no
     * quotient columns. Fewer quotient columns to commit, open and verify:
     * a lift, whose six tables have one height, commits 24 instead of 78.
     * A cheating prover cannot cancel one table's failing constraint by
     * another's: the powers of alpha make the whole height's combination
     * one random linear combination of all its tables' constraints. */
    unsigned nq[AIR_MAX_TABLES];      /* the table's quotient domain, blocks of n (2^qlog) */
    unsigned qchunks[AIR_MAX_TABLES]; /* chunks in its quotient matrix */
    uint8_t qlead[AIR_MAX_TABLES];
    unsigned log_l0;                /* largest LDE */
    /* trees: matrices (tables with nonzero width) in table order */
    unsigned tree_nmats[NTREES];
    unsigned tree_tab[NTREES][AIR_MAX_TABLES];
    unsigned tree_log_h[NTREES]; /* log of the tallest LDE in the tree */
    /* opened values: per table, offsets into the opened array (gl3) */
    size_t open_off[AIR_MAX_TABLES][NTREES][2]; /* [tree][point] */
    size_t nopen;
    unsigned nlu_sums; /* tables with interactions */
    /* FRI */
    unsigned log_final;                 /* final polynomial 2^log_final coeffs */
    unsigned nlayers;
    unsigned layer_log[STARK_MAX_LAYERS];   /* log size of the folded codeword */
    unsigned layer_arity[STARK_MAX_LAYERS]; /* log arity */
    /* per query sizes */
    size_t q_rows, q_paths, q_fri_vals, q_fri_paths;
} stark_shape;

/* Blocks of each main and LogUp LDE the prover keeps once they are
 * committed: 2^stark_keep_log(s). Two, because the quotient of degree-3
 * constraints is evaluated on the first 2n rows of the LDEs (blocks 0 and
 * 1), the openings and the DEEP codewords read block 0, and only the
 * queries need the others, a few rows of them, which are rebuilt. */
static inline unsigned stark_keep_log(const stark_shape *s) { return s->log_b < 1 ? s->log_b : 1; }

/* LDEs of at least this many elements (128 MiB) are trimmed whatever
 * their height. */
#define STARK_TRIM_MIN_ELEMS ((size_t)1 << 24)

/* Whether the quotient of table t reads more blocks than the kept ones
 * but no more than an LDE of 2^rows_log rows holds (a table whose LogUp
 * groups reach degree 2^lb + 1, stark_lu_degree). */
static inline int stark_quotient_reads_lde(const stark_shape *s, unsigned t, unsigned rows_log)
{
    const size_t qrows = (size_t)s->nq[t] << s->log_n[t];
    return qrows > ((size_t)1 << (s->log_n[t] + stark_keep_log(s))) && qrows <= ((size_t)1 << rows_log);
}

/* Whether the prover trims table t's LDE in tree k (main or LogUp), now of
 * 2^rows_log rows, to its kept blocks after the commitment: those of the
 * tree's largest height and the large ones. Small LDEs stay whole:
 * rebuilding their queried rows would cost more, for small matrices, than
 * the memory is worth. Nor is one, the tallest or not, whose quotient
 * reads every block of the LDE and more (a constraint degree above the
 * blowup + 1: the recursion machine's p2 table): the quotient would
 * rebuild the blocks it gave back, and then more, at a peak that holds
 * them all anyway, and the queries would rebuild its rows through an
 * inverse NTT of the widest matrix (a lift at rc-100, where every table
 * is the tallest: 0.25 CPU seconds). Nor is any LDE whose quotient reads more
 * than the kept blocks and at most the LDE (stark_quotient_reads_lde):
 * the quotient would rebuild at once what was given back; a large LogUp
 * one of those is trimmed once the quotient is done
 * (stark_trimmed_after_quotient). (prover.c trims; prove_mem.c counts on
 * it.) */
static inline int stark_trimmed(const stark_shape *s, int k, unsigned t, unsigned rows_log)
{
    if (stark_quotient_reads_lde(s, t, rows_log)) return 0;
    const int tallest = s->log_n[t] + s->log_b == s->tree_log_h[k];
    const int large = ((size_t)s->w[k][t] << rows_log) >= STARK_TRIM_MIN_ELEMS;
    const int quotient_reads_all = ((size_t)s->nq[t] << s->log_n[t]) > ((size_t)1 << rows_log);
    return rows_log > s->log_n[t] + stark_keep_log(s) && !quotient_reads_all && (tallest || large);
}

/* Whether the prover trims table t's LDE in tree k once the quotient is
 * done: a large LogUp LDE that stark_trimmed kept for the quotient. The
 * DEEP codewords and FRI come after the quotient and would otherwise hold
 * its blocks at the prover's peak; the queries rebuild a few rows of it.
 * A main LDE stays whole: its rows would be rebuilt through an inverse
 * NTT of the widest matrix, and at po2 20 (segment machine, groups of
 * four) trimming it as well lowered the peak by 20 MiB only, the
 * quotient's own peak being as high, for 4 CPU seconds more per two
 * segments (docs/rv-air.md "Groups of four, taken"). A small LDE stays
 * whole too (the recursion machine's). */
static inline int stark_trimmed_after_quotient(const stark_shape *s, int k, unsigned t, unsigned rows_log)
{
    return k == TREE_LU && stark_quotient_reads_lde(s, t, rows_log) && rows_log > s->log_n[t] + stark_keep_log(s) &&
           ((size_t)s->w[k][t] << rows_log) >= STARK_TRIM_MIN_ELEMS;
}

/* Columns of the DEEP buffers (S1, S2 as six base columns, padded to
 * eight for the NTT's matrix path). */
#define STARK_DEEP_COLS 8

/* The key digest is p2_hash over the key description (machine and
 * parameters as field elements, keys.c) followed by the preprocessed root.
 * stark_key_desc gives the description (malloc'd, *n elements, with room
 * for 4 more after it); stark_vk_rekey gives the key of the same machine
 * and parameters with another preprocessed root (digest and tr0 derived
 * from it; out may be vk). */
cairn_err stark_key_desc(gl_t **out, size_t *n, const air_machine *m, const stark_params *p);
cairn_err stark_vk_rekey(struct stark_vk *out, const struct stark_vk *vk, const p2_digest *pre_root);

/* The inner key as an input of the verifier (verify_rec.h): the verifier
 * reads the preprocessed root as 4 inputs right after the public values,
 * computes the key digest from it (finishing p2_hash from `state`, the
 * sponge after the description's full blocks, over `tail` and the root)
 * and starts the transcript from that digest, instead of taking root,
 * digest and transcript as constants of the key. */
typedef struct {
    gl_t state[P2_WIDTH];
    gl_t tail[P2_RATE]; /* the description's last ntail (< 8) elements */
    unsigned ntail;
    p2_digest pre_root; /* the root's value (the witness) */
    vb root[P2_DIGEST];   /* out: the root as read by the verifier */
    vb digest[P2_DIGEST]; /* out: the digest the verifier computed */
    vb pub[STARK_MAX_PUB];  /* out: the public values as read */
} stark_key_input;

cairn_err stark_key_input_init(stark_key_input *k, const struct stark_vk *vk, const p2_digest *pre_root);

/* Computes the shape; CAIRN_ERR_FORMAT if heights are out of range or
 * contradict the key. */
cairn_err stark_shape_init(stark_shape *s, const struct stark_vk *vk, const unsigned *log_n);

/* Parsed proof. All arrays owned, freed by stark_proof_free. */
typedef struct {
    p2_digest vk_digest;
    unsigned log_n[AIR_MAX_TABLES];
    p2_digest main_root, lu_root, q_root;
    gl3_t lu_sum[AIR_MAX_TABLES]; /* tables with interactions only */
    gl3_t *open;                  /* shape.nopen */
    p2_digest fri_root[STARK_MAX_LAYERS];
    gl3_t *final_poly;            /* 2^log_final */
    gl_t pow_nonce;
    gl_t *q_rows;                 /* queries * shape.q_rows */
    p2_digest *q_paths;           /* queries * shape.q_paths */
    gl3_t *q_fri_vals;            /* queries * shape.q_fri_vals */
    p2_digest *q_fri_paths;       /* queries * shape.q_fri_paths */
} stark_proof;

cairn_err stark_proof_alloc(stark_proof *pf, const stark_shape *s, unsigned queries);
void stark_proof_free(stark_proof *pf);
cairn_err stark_proof_write(uint8_t **out, size_t *len, const stark_proof *pf,
                            const stark_shape *s, const struct stark_vk *vk);
cairn_err stark_proof_read(stark_proof *pf, stark_shape *s, const struct stark_vk *vk,
                           const uint8_t *in, size_t len);

/* Verifies a parsed proof (verifier.c). */
cairn_err stark_verify_parsed(const struct stark_vk *vk, const stark_shape *s,
                              const stark_proof *pf, const gl_t *pub, size_t npub);
/* The verifier over any vctx backend (stark_verify_parsed uses the native
 * one): returns an error only for bad arguments (public values) or memory;
 * the checks themselves are the backend's assertions. */
cairn_err stark_verify_vctx(vctx *c, const struct stark_vk *vk, const stark_shape *s,
                            const stark_proof *pf, const gl_t *pub, size_t npub);
/* stark_verify_vctx with the key as input (key: see stark_key_input; its
 * outputs are set on return). */
cairn_err stark_verify_vctx_key(vctx *c, const struct stark_vk *vk, const stark_shape *s,
                                const stark_proof *pf, const gl_t *pub, size_t npub,
                                stark_key_input *key);

/* LogUp columns of one table over its trace domain (prover.c; also used
 * by the checker): lu receives n rows x 3*ngroups base columns (the
 * helper columns of every group but the last, then the running sum, as
 * logup_impl.h defines them), *sum the table's terminal sum. */
cairn_err stark_lu_columns(gl_t *lu, gl3_t *sum, const struct stark_vk *vk, unsigned ti,
                           const gl_t *pre, const gl_t *main, unsigned log_n, const gl_t *pub,
                           gl3_t lu_alpha, gl3_t lu_beta);

/* DEEP codeword values of len <= STARK_DEEP_CHUNK rows of an LDE
 * (prover.c, deep_codewords):
 *     ro[j] = (S1 + S2 - A) / (x[j] - zeta) + (S1 - B1) gK / (x[j] - gz)
 * with S1, S2 the extension values in elements 0..2 and 3..5 of row j of
 * ext (STARK_DEEP_COLS elements a row). stark_deep_rows runs on the
 * vector field operations (gl.h); stark_deep_rows_ref is the plain
 * row-by-row formula it is tested against. */
#define STARK_DEEP_CHUNK 512
typedef struct {
    gl3_t zeta, gz, A, B1, gK;
} stark_deep_k;
void stark_deep_rows(gl3_t *ro, const gl_t *ext, const gl_t *x, size_t len, const stark_deep_k *k);
void stark_deep_rows_ref(gl3_t *ro, const gl_t *ext, const gl_t *x, size_t len, const stark_deep_k *k);

/* Test only (tests/stark/test_security.c): nonzero makes
 * stark_security_eval, when it picks the slack (eta <= 0), evaluate every
 * candidate in order, the reference that its bisection must agree with
 * bit for bit. Not for concurrent use. */
extern int stark_security_scan_all;

/* ---- test-only tampering (tests/stark/test_stark_forge.c) ----
 * stark_prove_tampered makes a proof with one corruption applied at a point
 * where everything after it stays consistent with it (later commitments,
 * openings and the transcript include it), so that a test can show that one
 * particular verifier check, and no earlier one, rejects the proof. Some
 * forgeries cannot be made by editing proof bytes alone, because any edit
 * changes the challenges drawn after it. stark_prove passes NULL; each hook
 * costs one pointer test on the normal path. */
typedef enum {
    STARK_TAMPER_NONE = 0,
    /* terminal LogUp sum of `table` += delta before it is absorbed (the
     * quotient uses the changed sum) */
    STARK_TAMPER_LU_SUM,
    /* the running-sum column of `table` += delta on every row, and its
     * terminal sum too, before commitment: s' - s stays, S/n moves, so the
     * last group's constraint (logup_impl.h) breaks on every row */
    STARK_TAMPER_LU_RUNNING,
    /* base element `index` of `table`'s quotient chunk coefficients
     * (n rows x 3 nq, stark_shape) += delta.c[0], before its LDE, commitment
     * and opening */
    STARK_TAMPER_QUOTIENT,
    /* opened value `index` += delta in the proof and the transcript; the
     * DEEP codewords use the honest value */
    STARK_TAMPER_OPENING,
    /* DEEP codeword of LDE size 2^h += delta at every point, before FRI */
    STARK_TAMPER_DEEP,
    /* FRI codeword of `layer` += delta at every point before it is
     * committed (a constant keeps the degree: only the fold check fails) */
    STARK_TAMPER_FRI_LAYER,
    /* final polynomial coefficient `index` += delta before it is absorbed */
    STARK_TAMPER_FINAL,
    /* a nonce whose sample has pow_bits - 1 leading zero bits, not pow_bits */
    STARK_TAMPER_POW_SHORT,
    /* element `index` of the root of `tree` (TREE_MAIN, TREE_LU, TREE_Q, or
     * NTREES for FRI layer `layer`) += delta.c[0] before it is absorbed */
    STARK_TAMPER_ROOT,
    /* column `index` of `table`'s LDE in `tree` (TREE_MAIN, TREE_LU, TREE_Q)
     * += delta.c[0] on every row, committed and opened at the queries;
     * openings at zeta and the quotient use the honest values. The DEEP
     * codeword is then far from low-degree, and the prover (with any
     * tamper given) sends the truncation of its final codeword instead of
     * failing */
    STARK_TAMPER_COLUMN,
} stark_tamper_kind;

typedef struct {
    stark_tamper_kind kind;
    unsigned table, layer, h, tree;
    size_t index;
    gl3_t delta;
} stark_tamper;

/* stark_prove with a tamper (NULL: exactly stark_prove). */
cairn_err stark_prove_tampered(const stark_pk *pk, const stark_trace *traces, const gl_t *pub,
                               size_t npub, const stark_tamper *tp, uint8_t **proof, size_t *len);

static inline int stark_tampering(const stark_tamper *tp, stark_tamper_kind k)
{
    return tp && tp->kind == k;
}

static inline void stark_tamper_root(const stark_tamper *tp, unsigned tree, unsigned layer,
                                     p2_digest *root)
{
    if (stark_tampering(tp, STARK_TAMPER_ROOT) && tp->tree == tree &&
        (tree != NTREES || tp->layer == layer) && tp->index < P2_DIGEST)
        root->v[tp->index] = gl_add(root->v[tp->index], tp->delta.c[0]);
}

/* Fingerprint beta + bus + sum_k alpha^(k+1) t_k of a tuple (base values). */
static inline gl3_t stark_fingerprint(gl3_t alpha, gl3_t beta, unsigned bus, const gl_t *t,
                                      unsigned len)
{
    gl3_t acc = gl3_add_base(beta, gl_from_u64(bus)), pw = alpha;
    for (unsigned k = 0; k < len; k++) {
        acc = gl3_add(acc, gl3_mul_base(pw, t[k]));
        pw = gl3_mul(pw, alpha);
    }
    return acc;
}

/* Reverses the low `bits` bits of x. */
static inline uint32_t stark_bitrev(uint32_t x, unsigned bits)
{
    x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
    x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
    x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
    x = ((x >> 8) & 0x00ff00ffu) | ((x & 0x00ff00ffu) << 8);
    x = (x >> 16) | (x << 16);
    return bits ? x >> (32 - bits) : 0;
}

/* Multiplies by the basis element X^k (k < 3) of the extension: an
 * extension column committed as 3 base columns is sum_k X^k col_k. */
static inline gl3_t stark_ext_basis(gl3_t a, unsigned k)
{
    for (unsigned i = 0; i < k; i++) a = (gl3_t){{a.c[2], gl_add(a.c[0], a.c[2]), a.c[1]}};
    return a;
}

#endif
