/* Writes the RV32IM program the CLI tests run (run_cli.sh): it writes
 * "hello\n" to fd 1 (the journal) and exits with 0, so a test can tell
 * whether `cairn exec` ran it. Hand-encoded (vm/rvasm.h): no guest
 * toolchain is needed. Usage: cli_mkelf OUT.elf */
#include <stdio.h>

#include "vm/rvasm.h"

#define DATA_ADDR 0x20000u

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: cli_mkelf OUT.elf\n");
        return 2;
    }
    static const char msg[] = "hello\n";
    static prog_t p;
    emit(&p, ADDI(A0, ZERO, 1));
    emit_li(&p, A1, DATA_ADDR);
    emit(&p, ADDI(A2, ZERO, (int32_t)(sizeof msg - 1)));
    emit(&p, ADDI(A7, ZERO, RV_SYS_WRITE));
    emit(&p, ECALL);
    emit_exit(&p, 0);
    size_t len;
    uint8_t *e = prog_elf(&len, &p, DATA_ADDR, msg, sizeof msg - 1, 0x1000);
    FILE *f = e ? fopen(argv[1], "wb") : NULL;
    int ok = f && fwrite(e, 1, len, f) == len;
    if (f && fclose(f) != 0) ok = 0;
    free(e);
    if (!ok) perror(argv[1]);
    return ok ? 0 : 1;
}
