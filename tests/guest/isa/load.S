# Loads and stores: LB/LH sign-extend, LBU/LHU zero-extend, SB/SH store the
# low byte/half-word, memory is little-endian, offsets are signed 12-bit.
	.include "check.inc"
	BEGIN
	la	a0, buf
	lb	t0, 0(a0)		# 0x80
	CHECK	t0, 0xffffff80
	lbu	t0, 0(a0)
	CHECK	t0, 0x80
	lb	t0, 1(a0)		# 0x7f
	CHECK	t0, 0x7f
	lb	t0, 2(a0)		# 0xff
	CHECK	t0, 0xffffffff
	lbu	t0, 2(a0)
	CHECK	t0, 0xff
	lh	t0, 0(a0)		# 80 7f
	CHECK	t0, 0x7f80
	lh	t0, 2(a0)		# ff 01
	CHECK	t0, 0x01ff
	lh	t0, 4(a0)		# 00 80
	CHECK	t0, 0xffff8000
	lhu	t0, 4(a0)
	CHECK	t0, 0x8000
	lh	t0, 6(a0)		# ff 7f
	CHECK	t0, 0x7fff
	lh	t0, 8(a0)		# ff ff
	CHECK	t0, 0xffffffff
	lhu	t0, 8(a0)
	CHECK	t0, 0xffff
	lw	t0, 0(a0)
	CHECK	t0, 0x01ff7f80
	lw	t0, 4(a0)
	CHECK	t0, 0x7fff8000
	addi	a1, a0, 8		# negative offsets
	lw	t0, -4(a1)
	CHECK	t0, 0x7fff8000
	lb	t0, -8(a1)
	CHECK	t0, 0xffffff80
	la	a1, buf + 2048		# offset -2048, the most negative
	lbu	t0, -2048(a1)
	CHECK	t0, 0x80
	la	a1, buf - 2047		# offset 2047, the most positive
	lbu	t0, 2047(a1)
	CHECK	t0, 0x80

	la	a0, scratch		# SB/SH/SW store the low bits only
	li	a1, 0x12345678
	sw	zero, 0(a0)
	sb	a1, 0(a0)
	lw	t0, 0(a0)
	CHECK	t0, 0x78
	li	a1, 0xdeadbeef
	sh	a1, 2(a0)
	lw	t0, 0(a0)
	CHECK	t0, 0xbeef0078
	lhu	t0, 2(a0)
	CHECK	t0, 0xbeef
	lh	t0, 2(a0)
	CHECK	t0, 0xffffbeef
	sb	a1, 1(a0)
	lw	t0, 0(a0)
	CHECK	t0, 0xbeefef78
	li	a1, 0x11223344		# byte order of SW
	sw	a1, 4(a0)
	lbu	t0, 4(a0)
	CHECK	t0, 0x44
	lbu	t0, 5(a0)
	CHECK	t0, 0x33
	lbu	t0, 6(a0)
	CHECK	t0, 0x22
	lbu	t0, 7(a0)
	CHECK	t0, 0x11
	lhu	t0, 6(a0)
	CHECK	t0, 0x1122
	sw	zero, 4(a0)		# storing x0
	lw	t0, 4(a0)
	CHECK	t0, 0
	lw	a0, 0(a0)		# rd = base register
	CHECK	a0, 0xbeefef78
	la	a0, buf
	lw	zero, 0(a0)		# load into x0: discarded
	CHECK	zero, 0
	END

	.data
	.balign 4
buf:
	.byte	0x80, 0x7f, 0xff, 0x01, 0x00, 0x80, 0xff, 0x7f, 0xff, 0xff, 0x00, 0x00
	.balign 4
scratch:
	.space	16
