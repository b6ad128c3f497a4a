# Shifts use only the low 5 bits of rs2 (and the 5-bit shamt of the
# immediate forms); SRA/SRAI replicate the sign bit, SRL/SRLI shift in 0.
	.include "check.inc"
	BEGIN
	li	a0, 1
	li	a1, 33			# = 1 after masking
	sll	t0, a0, a1
	CHECK	t0, 2
	li	a1, 32			# = 0
	sll	t0, a0, a1
	CHECK	t0, 1
	li	a1, -1			# = 31
	sll	t0, a0, a1
	CHECK	t0, 0x80000000

	li	a0, 0x80000000
	li	a1, 63			# = 31
	srl	t0, a0, a1
	CHECK	t0, 1
	sra	t0, a0, a1
	CHECK	t0, 0xffffffff
	li	a1, 32			# = 0
	srl	t0, a0, a1
	CHECK	t0, 0x80000000
	sra	t0, a0, a1
	CHECK	t0, 0x80000000
	li	a1, 0xffffffe1		# = 1
	srl	t0, a0, a1
	CHECK	t0, 0x40000000
	sra	t0, a0, a1
	CHECK	t0, 0xc0000000
	li	a0, 0x40000000
	li	a1, 30
	sra	t0, a0, a1
	CHECK	t0, 1
	li	a0, 0x7fffffff
	li	a1, 31
	sra	t0, a0, a1
	CHECK	t0, 0

	li	a0, 1			# immediate forms, shamt 0 and 31
	slli	t0, a0, 0
	CHECK	t0, 1
	slli	t0, a0, 31
	CHECK	t0, 0x80000000
	li	a0, 0x80000000
	srli	t0, a0, 31
	CHECK	t0, 1
	srai	t0, a0, 31
	CHECK	t0, 0xffffffff
	srai	t0, a0, 0
	CHECK	t0, 0x80000000
	srli	t0, a0, 0
	CHECK	t0, 0x80000000
	li	a0, 0xffffffff
	srli	t0, a0, 1
	CHECK	t0, 0x7fffffff
	li	a0, 0xfffffff0
	srai	t0, a0, 4
	CHECK	t0, 0xffffffff
	li	a0, 0x12345678
	slli	t0, a0, 4
	CHECK	t0, 0x23456780
	srli	t0, a0, 4
	CHECK	t0, 0x01234567
	srai	t0, a0, 28
	CHECK	t0, 1
	li	a0, 0x87654321
	srai	t0, a0, 4
	CHECK	t0, 0xf8765432
	END
