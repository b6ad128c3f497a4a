/* Fixtures shared by the RV32IM AIR suites (test_rv_air_*.c): a test
 * machine and its keys, the checker / prover / verifier expectations, the
 * lookup multiplicities a cheating prover would set for a tampered trace,
 * the exact per-bus balance that names the bus the checker's LogUp sum
 * cannot, and the segments of an executed program. */
#ifndef CAIRN_TESTS_RV_AIR_TESTUTIL_H
#define CAIRN_TESTS_RV_AIR_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "rvasm.h"
#include "stark/stark.h"
#include "testutil.h"
#include "vm/rv32im/rv.h"
#include "vm/rv32im/rv_air_int.h"

/* A finished test machine and its keys (the "test" parameters). */
typedef struct {
    air_machine *m;
    stark_pk *pk;
    stark_vk *vk;
} rvt_keys;

/* Finishes m at degree 3 (every rv air gadget stays within it): *out = m,
 * or m freed and the error returned. */
cairn_err rvt_finish(air_machine **out, air_machine *m);

/* Keys for k->m, once the caller's own setup (building k->m, running a
 * program) succeeded (`built`). Returns 1 when ready; else prints
 * "setup: <last error>" and returns 0 (main exits 1). */
int rvt_setup(rvt_keys *k, int built);

/* Runs the suite, then frees the keys and the machine; the exit status. */
int rvt_run(rvt_keys *k, const char *suite, const test_case *cases);

/* The checker on tr (one trace per table of m) and pub: accepts iff ok; a
 * rejection must name msg (a substring; NULL or "": any). Returns its
 * result. */
cairn_err rvt_expect_check(const air_machine *m, const stark_trace *tr, const gl_t *pub, size_t npub,
                           int ok, const char *msg, const char *what);

/* Proves tr with k (the prover must succeed) and verifies the proof at the
 * traces' heights: accepted iff ok, else CAIRN_ERR_VERIFY naming vmsg
 * (NULL: any check). Prints the proof's size and time. Returns 1 if the
 * verifier accepted. */
int rvt_expect_proof(const rvt_keys *k, const stark_trace *tr, const gl_t *pub, size_t npub, int ok,
                     const char *vmsg, const char *what);

/* The checker, and with `prove` the verifier, both accept iff ok. */
void rvt_expect(const rvt_keys *k, const stark_trace *tr, const gl_t *pub, size_t npub, int ok, int prove,
                const char *msg, const char *vmsg, const char *what);

/* The multiplicities a cheating prover would give the lookup tables of m
 * (those that receive on RV_BUS_RANGE, RV_BUS_BYTES, RV_BUS_DECODE) for
 * the lookups every other table of tr makes: each send is counted, as a
 * field element, at the row its tuple matches; a tuple no row holds cannot
 * be counted. Overwrites the lookup tables' traces in tr (buffers the
 * caller owns and may write) and returns the number of uncounted sends. */
size_t rvt_recount(const air_machine *m, const stark_trace *tr, const gl_t *pub);

/* Bit b set for every bus b whose multisets of sent and received tuples in
 * tr differ (boundary terms aside): the checker only says that the sum
 * does not balance. */
unsigned rvt_unbalanced(const air_machine *m, const stark_trace *tr, const gl_t *pub);

/* The smallest log2 >= 2 of a table that holds n rows. */
unsigned rvt_log_for(size_t n);

/* Every segment of a run, decoded (rv_config.on_segment = rvt_keep_segment,
 * segment_arg = the rvt_segments). */
#define RVT_MAX_SEG 32
typedef struct {
    rv_snapshot seg[RVT_MAX_SEG];
    size_t n;
} rvt_segments;
cairn_err rvt_keep_segment(void *arg, const rv_snapshot *s);
void rvt_segments_free(rvt_segments *s);

/* The first segment's encoding only (segment_arg = an rvt_first, zeroed;
 * the caller frees enc). */
typedef struct {
    uint8_t *enc;
    size_t len;
} rvt_first;
cairn_err rvt_keep_first(void *arg, const rv_snapshot *s);

/* A syscall with immediate arguments: a0 = fd, a1 = buf, a2 = len, a7 = num. */
void rvt_syscall(prog_t *p, uint32_t num, uint32_t fd, uint32_t buf, uint32_t len);

#endif
