/* cairn — the single command-line entry point. Subcommands live in their
 * own files and are listed in `commands` below. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "recursion/rc_fold.h"

static const cli_command commands[] = {
    {"bench", cmd_bench, "measure primitives and provers (cairn bench -h)"},
    {"inspect", cmd_inspect, "describe a job file (.h5): program, journal, segments"},
    {"exec", cmd_exec, "run an RV32IM ELF program (cairn exec --help)"},
    {"prove", cmd_prove, "run an RV32IM ELF program and prove every segment"},
    {"verify", cmd_verify, "verify a job file's final proof (or --segments, or an exported --proof FILE)"},
    {"export", cmd_export, "write a job file's final proof to a small self-describing file"},
    {"report", cmd_report, "where a proven job's time went: per-rank figures, SVG timeline"},
    {"submit", cmd_submit, "prove a program as a Slurm batch job that survives time limits"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: cairn <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'cairn <command> --help' describes a command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("cairn 0.1.0\n");
        return EXIT_OK;
    }
    /* the fold roots this build computed when it was built: a verifier
     * of those (preset, po2) needs no key build */
    rc_fold_ship(rc_fold_roots_built, rc_fold_roots_built_n);
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    cli_ctx c;
    cli_ctx_init(&c, "cairn", NULL, stdout, argc, argv);
    cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "unknown command '%s'", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
