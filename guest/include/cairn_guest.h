/* cairn_guest.h — what an RV32IM guest program uses to talk to its host.
 *
 * A guest reads private input, appends to the public journal, may write a
 * debug log, and exits with a code. A proof claims "image ID X ran with some
 * private input, wrote journal J and exited with code c" (DESIGN.md).
 *
 * The calls are Linux RISC-V system calls (number in a7, arguments in
 * a0..a2, result in a0), so the same ELF runs under qemu-riscv32:
 *   63 read(0, buf, len)       private input; returns 0 at end of input
 *   64 write(1, buf, len)      append to the journal (qemu: stdout)
 *   64 write(2, buf, len)      debug log, not part of any claim (qemu: stderr)
 *   93 exit(code)              halt; the host reports code & 0xff
 * Any other descriptor gives -9 (EBADF), any other number -38 (ENOSYS).
 *
 * With the cairn runtime (crt0.S, cairn_glue.c, cairn_guest.ld; see
 * guest/README.md) a guest is an ordinary C program: main's return value is
 * the exit code, printf/puts/putchar go to the journal, fprintf(stderr, ...)
 * to the log, malloc works over the heap of cairn_guest.ld, and getchar/
 * scanf read the private input. stdout is buffered; every function below
 * that writes the journal or exits flushes it first, so the journal holds
 * the bytes in program order whichever interface wrote them.
 */
#ifndef CAIRN_GUEST_H
#define CAIRN_GUEST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* System call numbers (Linux RISC-V generic ABI, DESIGN.md). */
#define CAIRN_SYS_READ       63
#define CAIRN_SYS_WRITE      64
#define CAIRN_SYS_EXIT       93
#define CAIRN_SYS_EXIT_GROUP 94
/* Numbers from 0x1000 up are reserved for accelerators. */
#define CAIRN_SYS_ACCEL_BASE 0x1000

/* File descriptors. */
#define CAIRN_FD_INPUT   0
#define CAIRN_FD_JOURNAL 1
#define CAIRN_FD_LOG     2

/* The most bytes one read or write system call moves in cairn's runtime
 * below (read, write, cairn_read, cairn_commit, printf's flushes): larger
 * requests are split into calls of at most this many bytes, with the same
 * results as one call (qemu-riscv32 gives the same). Why: the smallest
 * segments hold 2^6 words of input/output and 2^4 journal blocks of 16
 * bytes (vm/rv32im/rv_air.c, rv_air_heights); 224 bytes at any alignment
 * fit both (57 words, 15 blocks), so each call fits a segment whole. A
 * larger call (a raw cairn_syscall3, another libc) is correct too: it
 * runs in parts across segments (vm/rv32im/rv.h "System calls in
 * parts"), each part ending a segment, so the split only saves segments. */
#define CAIRN_IO_CHUNK 224

/* Error results of the system calls (negated Linux errno values). */
#define CAIRN_EBADF  (-9)
#define CAIRN_ENOSYS (-38)

#if defined(__riscv) /* the constants above serve host code too (tests) */
/* Raw system call with up to three arguments; returns a0. No buffering,
 * no flushing: prefer the functions below. */
static inline long cairn_syscall3(long num, long a0, long a1, long a2)
{
    register long r_a0 __asm__("a0") = a0;
    register long r_a1 __asm__("a1") = a1;
    register long r_a2 __asm__("a2") = a2;
    register long r_a7 __asm__("a7") = num;
    __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a1), "r"(r_a2), "r"(r_a7) : "memory");
    return r_a0;
}

/* Reads up to len bytes of private input into buf, repeating short reads;
 * returns the number of bytes read, less than len only at end of input. */
size_t cairn_read(void *buf, size_t len);

/* Reads the rest of the private input into a malloc'ed buffer (NUL-
 * terminated for convenience; the terminator is not counted in *len).
 * Returns NULL if the heap is exhausted. The caller frees the buffer. */
uint8_t *cairn_read_all(size_t *len);

/* Reads a 32-bit little-endian word of input; returns 0 and leaves *value
 * unchanged at end of input, 1 on success. */
int cairn_read_u32(uint32_t *value);

/* Appends len bytes to the public journal (fd 1), after anything printf
 * has buffered. */
void cairn_commit(const void *buf, size_t len);
#define cairn_write_journal cairn_commit

/* Writes len bytes to the debug log (fd 2). */
void cairn_log(const void *buf, size_t len);

/* printf to the debug log. */
void cairn_logf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes len bytes as 2*len lowercase hex digits and a NUL into out
 * (which must hold 2*len + 1 chars); returns out. For digests in logs. */
static inline char *cairn_hex(char *out, const void *in, size_t len)
{
    const unsigned char *b = (const unsigned char *)in;
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = "0123456789abcdef"[b[i] >> 4];
        out[2 * i + 1] = "0123456789abcdef"[b[i] & 15];
    }
    out[2 * len] = 0;
    return out;
}

/* Flushes stdout/stderr and halts with code (the host reports code & 0xff). */
_Noreturn void cairn_exit(int code);
#endif /* __riscv */

#ifdef __cplusplus
}
#endif

#endif /* CAIRN_GUEST_H */
