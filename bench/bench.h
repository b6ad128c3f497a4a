/* Benchmarks: each prints figures (text, or JSON with --json) and returns
 * an exit status. Never used as timed tests. */
#ifndef CAIRN_BENCH_H
#define CAIRN_BENCH_H

#include <stddef.h>
#include <stdio.h>

/* Output sink shared by benchmarks: one "key value unit" line per figure,
 * or one JSON object with a member per figure. */
typedef struct {
    int json;
    int first;
} bench_out;

void bench_begin(bench_out *o, int json);
void bench_report(bench_out *o, const char *key, double value, const char *unit);
void bench_report_str(bench_out *o, const char *key, const char *value);
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

/* Parts of `cairn bench primitives`, one per area. */
void bench_prim_field(bench_out *o);  /* field, extension, NTT, LDE */
void bench_prim_hash(bench_out *o);   /* Poseidon2 */
void bench_prim_merkle(bench_out *o); /* Merkle commit */

#endif
