/* Writes the RV32IM programs the CLI tests run (run_cli.sh, run_prove.sh,
 * run_resume.sh). Hand-encoded (progs.h): no guest toolchain is needed.
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

#include "progs.h"

int main(int argc, char **argv)
{
    const char *kind = argc == 3 ? argv[2] : "hello";
    size_t len;
    uint8_t *e = argc == 2 || argc == 3 ? cli_prog_elf(&len, kind) : NULL;
    if (!e) {
        fprintf(stderr, "usage: cli_mkelf OUT.elf [hello|loop|fault]\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "wb");
    int ok = f && fwrite(e, 1, len, f) == len;
    if (f && fclose(f) != 0) ok = 0;
    free(e);
    if (!ok) perror(argv[1]);
    return ok ? 0 : 1;
}
