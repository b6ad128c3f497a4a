/* Poseidon2 figures of `cairn bench primitives` (filled by the Poseidon2 work). */
#include "bench.h"

void bench_prim_hash(bench_out *o) { (void)o; }
