/* The hand-encoded RV32IM programs of the CLI tests (tests/vm/rvasm.h), for
 * cli_mkelf (which writes them as ELF files) and the suites that need them
 * in memory (tests/storage/test_jobs.c):
 *   hello  writes "hello\n" to fd 1 (the journal) and exits with 0
 *   loop   counts to 2000 (about 4000 cycles: four segments of 2^10),
 *          writes "hello\n" and exits with 3
 *   fault  writes "hello\n", then runs an illegal instruction (qemu
 *          status 132) */
#ifndef CAIRN_TESTS_CLI_PROGS_H
#define CAIRN_TESTS_CLI_PROGS_H

#include <string.h>

#include "vm/rvasm.h"

#define CLI_PROG_DATA_ADDR 0x20000u

/* The ELF of program `kind` (malloc'ed, *len bytes), or NULL for an
 * unknown kind. */
static inline uint8_t *cli_prog_elf(size_t *len, const char *kind)
{
    if (strcmp(kind, "hello") && strcmp(kind, "loop") && strcmp(kind, "fault")) return NULL;
    static const char msg[] = "hello\n";
    static prog_t p;
    p.n = 0;
    if (!strcmp(kind, "loop")) {
        emit(&p, ADDI(S0, ZERO, 0));
        emit_li(&p, S1, 2000);
        size_t loop = p.n;
        emit(&p, ADDI(S0, S0, 1));
        emit(&p, BLT(S0, S1, -(int32_t)(4 * (p.n - loop))));
    }
    emit(&p, ADDI(A0, ZERO, 1));
    emit_li(&p, A1, CLI_PROG_DATA_ADDR);
    emit(&p, ADDI(A2, ZERO, (int32_t)(sizeof msg - 1)));
    emit(&p, ADDI(A7, ZERO, RV_SYS_WRITE));
    emit(&p, ECALL);
    if (!strcmp(kind, "fault")) emit(&p, 0xffffffffu); /* an unassigned encoding */
    emit_exit(&p, !strcmp(kind, "loop") ? 3 : 0);
    return prog_elf(len, &p, CLI_PROG_DATA_ADDR, msg, sizeof msg - 1, 0x1000);
}

#endif
