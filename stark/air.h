/* AIR description: a machine is a list of tables ("chips") of power-of-two
 * heights; each table has preprocessed columns (fixed, committed in the
 * verifying key), main columns, polynomial constraints and LogUp
 * interactions (DESIGN.md, "Proof system").
 *
 * Expressions are data: a per-table DAG of nodes appended in topological
 * order (an operand always has a smaller index than its user). One
 * description serves the prover (evaluated node by node over blocks of rows
 * of the quotient domain), the verifier (evaluated once at the
 * out-of-domain point through vctx.h), the degree check done when the
 * machine is finished, and later a recursion-VM compiler.
 *
 * Degrees: a column and a first/last-row selector count 1 (the selectors
 * are Z_H(x)/(x - 1) and Z_H(x)/(x - g^-1), of degree n - 1, like a
 * column), the transition selector x - g^-1 counts 1 as well, constants and
 * public values 0. Constraints may have degree at most max_degree (default
 * 3, at most 8); LogUp adds constraints of its own that respect the same
 * bound. A table of degree d has a quotient of 2^q chunks, 2^q >= d - 1,
 * evaluated on 2^q n points: a subgroup of the LDE when 2^q is at most
 * the blowup, else the LDE's blocks and as many more, rebuilt for the
 * quotient alone (prover.c; tests/stark/test_stark_qdomain.c). There the
 * quotient is split by degree: only the constraints of degree above
 * blowup + 1 are evaluated on the extra blocks, and only the columns they
 * read are rebuilt; the others (LogUp's included) are evaluated on the
 * LDE's own points and interpolated (stark_internal.h, qsplit).
 *
 * LogUp (bus balance): an interaction (bus, send/receive, multiplicity m,
 * tuple t) contributes +-m / (beta + bus + sum_i alpha^(i+1) t_i), alpha and
 * beta drawn from the extension after the main commitment. The bus id enters
 * the fingerprint as a tuple element, so a single sum over every bus and
 * every table is checked: it must equal the sum of the boundary terms that
 * the machine declares over public values. (With the bus id in the
 * fingerprint, balance of the one global sum implies balance of each bus
 * except with the probability LogUp's soundness term already counts.)
 *
 * Builder calls record the first error (out of memory, a bad index) in the
 * machine; air_machine_finish reports it and checks degrees.
 */
#ifndef CAIRN_STARK_AIR_H
#define CAIRN_STARK_AIR_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"
#include "gl.h"

#define AIR_MAX_TABLES 16
#define AIR_NAME_LEN 32
/* Longest LogUp tuple: 32 lets one interaction carry a Poseidon2 call
 * (12 inputs and 12 outputs) plus a tag; the fingerprint's cost and the
 * LogUp soundness term grow with the length actually used, not this bound. */
#define AIR_MAX_TUPLE 32

typedef enum {
    AIR_CONST = 0, /* value c */
    AIR_COL,       /* kind = AIR_PRE/AIR_MAIN, a = column, offset 0/1 (next row) */
    AIR_PUB,       /* a = public value index */
    AIR_SEL,       /* kind = AIR_SEL_FIRST / LAST / TRANS */
    AIR_ADD,       /* a + b */
    AIR_SUB,       /* a - b */
    AIR_MUL,       /* a * b */
    AIR_NEG        /* -a */
} air_op;

enum { AIR_PRE = 0, AIR_MAIN = 1 };
enum { AIR_SEL_FIRST = 0, AIR_SEL_LAST = 1, AIR_SEL_TRANS = 2 };
enum { AIR_SEND = 0, AIR_RECEIVE = 1 };

typedef uint32_t air_expr; /* node index in its table */

typedef struct {
    uint8_t op, kind, offset, degree;
    uint32_t a, b;
    gl_t c;
} air_node;

typedef struct {
    air_expr e;
    char name[64]; /* the rule it enforces, as the checker names it */
} air_constraint;

typedef struct {
    uint32_t bus;
    uint8_t dir; /* AIR_SEND (+m) or AIR_RECEIVE (-m) */
    uint8_t len;
    air_expr mult;
    air_expr tuple[AIR_MAX_TUPLE];
} air_interaction;

typedef struct {
    char name[AIR_NAME_LEN];
    unsigned npre, nmain;
    /* Preprocessed values, 2^pre_log_n rows x npre, row-major, owned by the
     * table; a table with preprocessed columns has this fixed height. */
    gl_t *pre;
    unsigned pre_log_n;
    air_node *nodes;
    size_t nnodes, cap_nodes;
    air_constraint *cons;
    size_t ncons, cap_cons;
    air_interaction *ints;
    size_t nints, cap_ints;
    uint32_t *col_cache; /* node+1 of COL(kind, idx, off); 0 = none */
} air_table;

typedef struct {
    char name[AIR_NAME_LEN];
    unsigned npub;
    unsigned max_degree;
    air_table *tables[AIR_MAX_TABLES];
    unsigned ntables;
    /* Boundary terms of the LogUp sum: interactions whose expressions use
     * only constants and public values, built in this pseudo-table. */
    air_table *boundary;
    /* Set before the tables are added: air_table_set_pre keeps every
     * preprocessed value zero, and table builders may skip computing
     * them. For a machine built for its shape only (heights, constraints,
     * interactions: the security calculator, query planning). */
    int pre_zero;
    cairn_err err; /* first builder error, reported by finish */
    char errmsg[160];
    int finished;
} air_machine;

/* A new empty machine with npub public values. Free with air_machine_free. */
cairn_err air_machine_new(air_machine **out, const char *name, unsigned npub);
void air_machine_free(air_machine *m); /* accepts NULL */

/* Adds a table; returns NULL (and records the error) on failure. */
air_table *air_table_add(air_machine *m, const char *name, unsigned npre, unsigned nmain);

/* Sets the preprocessed values of a table (copied): 2^log_n rows x npre.
 * values = NULL: every value zero, for a machine whose preprocessed
 * heights matter and whose values do not, such as one that only verifies
 * under a known root (stark_vk_from_root); the zero pages are not touched
 * until read. Also NULL when m->pre_zero. */
void air_table_set_pre(air_machine *m, air_table *t, const gl_t *values, unsigned log_n);

/* Expression builders. The `t` argument is the table whose DAG receives
 * the node; the machine records builder errors. */
air_expr air_const(air_machine *m, air_table *t, gl_t c);
air_expr air_col(air_machine *m, air_table *t, int kind, unsigned idx, unsigned offset);
air_expr air_pub(air_machine *m, air_table *t, unsigned idx);
air_expr air_sel(air_machine *m, air_table *t, int sel);
air_expr air_add(air_machine *m, air_table *t, air_expr a, air_expr b);
air_expr air_sub(air_machine *m, air_table *t, air_expr a, air_expr b);
air_expr air_mul(air_machine *m, air_table *t, air_expr a, air_expr b);
air_expr air_neg(air_machine *m, air_table *t, air_expr a);

/* Constraint: e must vanish on every row of the trace domain. */
void air_constrain(air_machine *m, air_table *t, air_expr e, const char *name);

/* LogUp interaction of table t (or of m->boundary for a boundary term). */
void air_interact(air_machine *m, air_table *t, unsigned bus, int dir, air_expr mult,
                  const air_expr *tuple, unsigned len);

/* Records a builder error of the caller's own (e.g. out of memory while it
 * prepared preprocessed values); the first error wins and finish reports
 * it. */
void air_machine_fail(air_machine *m, cairn_err e, const char *msg);

/* Checks indices and degrees (max_degree 0 = default 3). Returns
 * CAIRN_ERR_USAGE naming table and constraint on failure. */
cairn_err air_machine_finish(air_machine *m, unsigned max_degree);

/* Degree of an expression (see above). */
unsigned air_degree(const air_table *t, air_expr e);

/* The nodes that the interactions of t (with_ints) and its constraints of
 * degree >= min_degree (0: none) read, directly or through other nodes,
 * ascending (so in evaluation order): a malloc'd list of their indices
 * (the caller frees it) and their number in *count; NULL on out of
 * memory. */
uint32_t *air_nodes_read(const air_table *t, int with_ints, unsigned min_degree, size_t *count);

/* Evaluates every node of table t in the base field at one row: vals
 * receives t->nnodes values. cur/next rows of pre and main (NULL allowed for
 * an empty kind), public values, and the selectors (first, last,
 * transition) as 0/1 flags. Used by the debug checker. */
void air_eval_row(const air_table *t, gl_t *vals, const gl_t *pre_cur, const gl_t *pre_next,
                  const gl_t *main_cur, const gl_t *main_next, const gl_t *pub,
                  const gl_t sel[3]);

#endif
