/* Merkle figures of `cairn bench primitives` (filled by the Merkle work). */
#include "bench.h"

void bench_prim_merkle(bench_out *o) { (void)o; }
