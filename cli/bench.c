/* cairn bench <what>: dispatches to the benchmarks in bench/. */
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "commands.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} benches[] = {
    {"primitives", bench_primitives, "field, NTT, Poseidon2, Merkle throughput"},
    {"stark", bench_stark, "prove and verify an example machine (poseidon2-chain, fib, lookup)"},
    {"exec", bench_exec, "RV32IM executor, snapshots and trace building (vs qemu-riscv32)"},
    {"prove", bench_prove, "RV32IM segment proofs of a guest: time split, kHz, size, shape, security"},
    {"cluster", bench_cluster, "cairn prove as 1 rank x 2 threads and mpirun 2 x 1: pipeline overhead, rank 0 memory"},
    {"recursion", bench_recursion, "an example proof's verifier as a recursion program, proven: rows per table, times"},
    {"sched", bench_sched, "the coordinator's scheduling on a simulated clock: efficiency at 16..1024 ranks"},
};
#define NBENCH (sizeof benches / sizeof benches[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: cairn bench <what> [--json]\n\n");
    for (size_t i = 0; i < NBENCH; i++)
        fprintf(f, "  %-12s %s\n", benches[i].name, benches[i].summary);
}

int cmd_bench(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(stdout);
        return EXIT_OK;
    }
    for (size_t i = 0; i < NBENCH; i++)
        if (!strcmp(argv[1], benches[i].name)) return benches[i].run(argc - 1, argv + 1);
    cli_ctx c;
    cli_ctx_init(&c, "cairn bench", NULL, stdout, argc, argv);
    cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "unknown benchmark '%s'", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
