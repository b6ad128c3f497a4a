# M extension multiplication: MUL is the low word; MULH, MULHSU, MULHU the
# high word of the 64-bit product with rs1/rs2 taken as signed/signed,
# signed/unsigned and unsigned/unsigned. Expected values computed exactly
# (64-bit products) from those definitions.
	.include "check.inc"

.macro MULCASE a, b, lo, h, hsu, hu
	li	a0, \a
	li	a1, \b
	mul	t0, a0, a1
	CHECK	t0, \lo
	mulh	t0, a0, a1
	CHECK	t0, \h
	mulhsu	t0, a0, a1
	CHECK	t0, \hsu
	mulhu	t0, a0, a1
	CHECK	t0, \hu
.endm

	BEGIN
	#        rs1         rs2         mul         mulh        mulhsu      mulhu
	MULCASE 0x12345678, 0x9abcdef0, 0x242d2080, 0xf8cc93d6, 0x0b00ea4e, 0x0b00ea4e
	MULCASE 0xffffffff, 0xffffffff, 0x00000001, 0x00000000, 0xffffffff, 0xfffffffe
	MULCASE 0x80000000, 0x80000000, 0x00000000, 0x40000000, 0xc0000000, 0x40000000
	MULCASE 0x80000000, 0xffffffff, 0x80000000, 0x00000000, 0x80000000, 0x7fffffff
	MULCASE 0x7fffffff, 0x7fffffff, 0x00000001, 0x3fffffff, 0x3fffffff, 0x3fffffff
	MULCASE 0xfffffffe, 0x00000003, 0xfffffffa, 0xffffffff, 0xffffffff, 0x00000002
	MULCASE 0x00000002, 0xffffffff, 0xfffffffe, 0xffffffff, 0x00000001, 0x00000001
	MULCASE 0x7fffffff, 0x80000000, 0x80000000, 0xc0000000, 0x3fffffff, 0x3fffffff
	MULCASE 0x00000000, 0xffffffff, 0x00000000, 0x00000000, 0x00000000, 0x00000000

	li	a0, 3			# same register as both sources, and as rd
	mul	a0, a0, a0
	CHECK	a0, 9
	li	a0, 0x80000000
	mulh	a0, a0, a0
	CHECK	a0, 0x40000000
	li	a0, 12345
	mul	zero, a0, a0
	CHECK	zero, 0
	END
