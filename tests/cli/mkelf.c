/* Writes the RV32IM programs the CLI tests run (run_cli.sh,
 * run_prove.sh). Hand-encoded (vm/rvasm.h): no guest toolchain is needed.
 *
 *   cli_mkelf OUT.elf          writes "hello\n" to fd 1 (the journal) and
 *                              exits with 0, so a test can tell whether
 *                              `cairn exec` ran it
 *   cli_mkelf OUT.elf loop     counts to 2000 (about 4000 cycles: four
 *                              segments of 2^10), writes "hello\n" and
 *                              exits with 3
 *   cli_mkelf OUT.elf fault    writes "hello\n", then runs an illegal
 *                              instruction (qemu status 132) */
#include <stdio.h>
#include <string.h>

#include "vm/rvasm.h"

#define DATA_ADDR 0x20000u

int main(int argc, char **argv)
{
    const char *kind = argc == 3 ? argv[2] : "hello";
    if ((argc != 2 && argc != 3) || (strcmp(kind, "hello") && strcmp(kind, "loop") && strcmp(kind, "fault"))) {
        fprintf(stderr, "usage: cli_mkelf OUT.elf [hello|loop|fault]\n");
        return 2;
    }
    static const char msg[] = "hello\n";
    static prog_t p;
    if (!strcmp(kind, "loop")) {
        emit(&p, ADDI(S0, ZERO, 0));
        emit_li(&p, S1, 2000);
        size_t loop = p.n;
        emit(&p, ADDI(S0, S0, 1));
        emit(&p, BLT(S0, S1, -(int32_t)(4 * (p.n - loop))));
    }
    emit(&p, ADDI(A0, ZERO, 1));
    emit_li(&p, A1, DATA_ADDR);
    emit(&p, ADDI(A2, ZERO, (int32_t)(sizeof msg - 1)));
    emit(&p, ADDI(A7, ZERO, RV_SYS_WRITE));
    emit(&p, ECALL);
    if (!strcmp(kind, "fault")) emit(&p, 0xffffffffu); /* an unassigned encoding */
    emit_exit(&p, !strcmp(kind, "loop") ? 3 : 0);
    size_t len;
    uint8_t *e = prog_elf(&len, &p, DATA_ADDR, msg, sizeof msg - 1, 0x1000);
    FILE *f = e ? fopen(argv[1], "wb") : NULL;
    int ok = f && fwrite(e, 1, len, f) == len;
    if (f && fclose(f) != 0) ok = 0;
    free(e);
    if (!ok) perror(argv[1]);
    return ok ? 0 : 1;
}
