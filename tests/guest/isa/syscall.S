# System calls (DESIGN.md): Linux RISC-V numbers, a7 = number, result in a0.
# Run with empty input. Expected results are those of Linux, which
# qemu-riscv32 passes through: EBADF (-9) for a read or write on another
# descriptor, ENOSYS (-38) for an unknown number, EFAULT (-14) for a buffer
# in the unmapped page 0, 0 for zero-length transfers and at end of input,
# len for a write. The writes to fd 1 and 2 are compared by the test script.
	.include "check.inc"
	# Data first: li needs the lengths defined before use.
	.section .rodata
msg:	.ascii	"journal bytes from syscall.S\n"
	.set	msg_len, . - msg
log:	.ascii	"log bytes from syscall.S\n"
	.set	log_len, . - log
	.data
buf:	.space	16

	BEGIN
	li	a0, 1000		# read from an unopened descriptor
	la	a1, buf
	li	a2, 4
	li	a7, 63
	ecall
	CHECK	a0, -9
	li	a0, -1
	la	a1, buf
	li	a2, 4
	li	a7, 63
	ecall
	CHECK	a0, -9
	li	a0, 1000		# write to one
	la	a1, msg
	li	a2, 4
	li	a7, 64
	ecall
	CHECK	a0, -9
	li	a0, 1
	li	a7, 1234		# no such system call
	ecall
	CHECK	a0, -38
	li	a7, 0x1fff		# reserved for accelerators; none exist yet -> ENOSYS
	ecall
	CHECK	a0, -38

	li	a0, 0			# read of length 0
	la	a1, buf
	li	a2, 0
	li	a7, 63
	ecall
	CHECK	a0, 0
	li	a0, 0			# end of (empty) input
	la	a1, buf
	li	a2, 16
	li	a7, 63
	ecall
	CHECK	a0, 0
	li	a0, 1			# write of length 0
	la	a1, msg
	li	a2, 0
	li	a7, 64
	ecall
	CHECK	a0, 0
	li	a0, 1			# buffer in page 0
	li	a1, 0x10
	li	a2, 4
	li	a7, 64
	ecall
	CHECK	a0, -14

	li	a0, 1			# journal write returns its length
	la	a1, msg
	li	a2, msg_len
	li	a7, 64
	ecall
	CHECK	a0, msg_len
	li	a0, 2			# so does a log write
	la	a1, log
	li	a2, log_len
	li	a7, 64
	ecall
	CHECK	a0, log_len
	li	t0, 0x7a
	mv	a0, t0			# ecall preserves other registers
	li	a7, 1234
	ecall
	CHECK	t0, 0x7a
	END

