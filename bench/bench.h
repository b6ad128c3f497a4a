/* Benchmarks: each prints figures (text, or JSON with --json) and returns
 * an exit status. Never used as timed tests. */
#ifndef CAIRN_BENCH_H
#define CAIRN_BENCH_H

#include <stddef.h>
#include <stdio.h>

#include "stark/stark.h"

/* Output sink shared by benchmarks: one "key value unit" line per figure,
 * or one JSON object with a member per figure. */
typedef struct {
    int json;
    int first;
} bench_out;

void bench_begin(bench_out *o, int json);
void bench_report(bench_out *o, const char *key, double value, const char *unit);
void bench_report_str(bench_out *o, const char *key, const char *value);
/* The CPU seconds per prover phase of s (main_commit_cpu_s ..
 * fri_queries_cpu_s), all threads: steadier than wall times on a shared
 * machine. */
void bench_report_phase_cpu(bench_out *o, const stark_prove_stats *s);
/* Where the proof bytes go (stark_proof_measure): proof_commit_bytes,
 * proof_rows_bytes, proof_fri_values_bytes, proof_paths_bytes,
 * path_slots and path_refs, of one proof or summed over several. */
void bench_report_proof_sizes(bench_out *o, const stark_proof_sizes *s);
void bench_end(bench_out *o);

/* out = "<folder of the running cairn binary>/guest/<name>" (where the
 * build puts the example guests); -1 if /proc/self/exe cannot be read or
 * the path does not fit cap. */
int bench_guest_path(char *out, size_t cap, const char *name);

int bench_primitives(int argc, char **argv);
int bench_stark(int argc, char **argv); /* prove + verify an example machine */
int bench_exec(int argc, char **argv); /* RV32IM executor (bench/exec.c) */
int bench_prove(int argc, char **argv); /* RV32IM segment proofs (bench/prove.c) */
int bench_cluster(int argc, char **argv); /* cairn prove on 1 and 2 ranks (bench/cluster.c) */
int bench_sched(int argc, char **argv); /* the coordinator's scheduling, simulated (bench/sched.c) */
int bench_recursion(int argc, char **argv); /* an example proof's verifier proven (bench/recursion.c) */

/* An example machine of stark/machines.h by its benchmark name
 * ("poseidon2-chain", "fib", "lookup") with a trace of 2^log_rows rows
 * (seed 1; lookup's range table has its fixed 2^16 rows): traces tr[0 ..
 * ntr), public values pub[0 .. npub). Everything is owned by x
 * (bench_example_free; also after a failure). CAIRN_ERR_USAGE naming an
 * unknown machine. */
typedef struct {
    air_machine *m;
    gl_t *main[2];
    stark_trace tr[2];
    unsigned ntr;
    gl_t pub[STARK_MAX_PUB];
    size_t npub;
} bench_example;
cairn_err bench_example_make(bench_example *x, const char *name, unsigned log_rows);
void bench_example_free(bench_example *x);

/* Parts of `cairn bench primitives`, one per area. */
void bench_prim_field(bench_out *o);  /* field, extension, NTT, LDE */
void bench_prim_hash(bench_out *o);   /* Poseidon2 */
void bench_prim_merkle(bench_out *o); /* Merkle commit */

#endif
