/* cairn guest start-up code (RV32IM).
 *
 * Entered at _start with nothing set up. The loader (cairn VM or
 * qemu-riscv32) has mapped the PT_LOAD segments of cairn_guest.ld, so
 * .data holds its initial values and the NOBITS parts (.bss, heap, stack)
 * read as zero. .bss is cleared here anyway, so that C's zero-initialised
 * statics do not depend on how a loader fills NOBITS memory; it costs four
 * cycles per word of .bss. The stack pointer given by qemu-user
 * (argc/argv/auxv) is deliberately ignored: the guest's stack is the one
 * in the linker script on every machine.
 */
	.section .text.cairn_start, "ax", @progbits
	.globl _start
	.type _start, @function
_start:
	/* gp must be loaded without linker relaxation: a relaxed `la gp`
	 * would itself be rewritten relative to the not-yet-set gp. */
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	la	sp, __stack_top
	/* One thread: the loaded TLS image is its TLS block. */
	la	tp, __tls_base

	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sw	zero, 0(t0)
	addi	t0, t0, 4
	j	1b
2:
	call	__libc_init_array      /* C constructors, if any */

	li	a0, 0                  /* argc = 0, argv = envp = NULL */
	li	a1, 0
	li	a2, 0
	call	main
	/* exit() runs atexit handlers and ends in _exit (cairn_glue.c),
	 * which flushes stdout/stderr and makes the exit system call. */
	call	exit
	/* not reached */
3:	j	3b
	.size _start, . - _start
