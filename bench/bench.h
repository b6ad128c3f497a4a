/* Benchmarks: each prints figures (text, or JSON with --json) and returns
 * an exit status. Never used as timed tests. */
#ifndef CAIRN_BENCH_H
#define CAIRN_BENCH_H

int bench_primitives(int argc, char **argv);

#endif
