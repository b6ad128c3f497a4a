# Integer comparisons and arithmetic at the edges: SLT/SLTI signed,
# SLTU/SLTIU unsigned with the immediate sign-extended first, wrapping
# ADD/SUB/ADDI, logical immediates sign-extended, and the six branches on
# signed/unsigned extremes.
	.include "check.inc"
	BEGIN
	li	a0, 0x80000000
	li	a1, 0x7fffffff
	li	a2, -1
	li	a3, 1
	slt	t0, a0, a1
	CHECK	t0, 1
	sltu	t0, a0, a1
	CHECK	t0, 0
	slt	t0, a2, a3
	CHECK	t0, 1
	sltu	t0, a2, a3
	CHECK	t0, 0
	slt	t0, a3, a3
	CHECK	t0, 0
	sltu	t0, zero, a3		# snez
	CHECK	t0, 1
	slti	t0, a2, 0
	CHECK	t0, 1
	slti	t0, a0, -2048
	CHECK	t0, 1
	slti	t0, a1, 2047
	CHECK	t0, 0
	sltiu	t0, a3, -1		# 1 < 0xffffffff
	CHECK	t0, 1
	sltiu	t0, a2, -1		# 0xffffffff < 0xffffffff
	CHECK	t0, 0
	sltiu	t0, zero, 1		# seqz
	CHECK	t0, 1
	sltiu	t0, a0, 2047
	CHECK	t0, 0

	addi	t0, a1, 1		# wrap-around
	CHECK	t0, 0x80000000
	addi	t0, a0, -1
	CHECK	t0, 0x7fffffff
	add	t0, a1, a1
	CHECK	t0, 0xfffffffe
	add	t0, a0, a0
	CHECK	t0, 0
	sub	t0, zero, a0
	CHECK	t0, 0x80000000
	sub	t0, a0, a3
	CHECK	t0, 0x7fffffff
	addi	t0, zero, -2048
	CHECK	t0, 0xfffff800
	addi	t0, zero, 2047
	CHECK	t0, 0x7ff

	xori	t0, a0, -1		# not
	CHECK	t0, 0x7fffffff
	andi	t0, a2, -2048
	CHECK	t0, 0xfffff800
	andi	t0, a2, 2047
	CHECK	t0, 0x7ff
	ori	t0, zero, -1
	CHECK	t0, 0xffffffff
	ori	t0, a0, 0x555
	CHECK	t0, 0x80000555
	li	a4, 0x0ff00ff0
	li	a5, 0x00ffff00
	and	t0, a4, a5
	CHECK	t0, 0x00f00f00
	or	t0, a4, a5
	CHECK	t0, 0x0ffffff0
	xor	t0, a4, a5
	CHECK	t0, 0x0f0ff0f0

	TAKEN	beq, zero, zero
	NOT_TAKEN bne, zero, zero
	TAKEN	bne, a0, a1
	TAKEN	blt, a2, a3		# -1 < 1 signed
	NOT_TAKEN bltu, a2, a3		# 0xffffffff > 1 unsigned
	TAKEN	blt, a0, a1		# INT_MIN < INT_MAX
	NOT_TAKEN bltu, a0, a1
	NOT_TAKEN bge, a0, a1
	TAKEN	bgeu, a0, a1
	TAKEN	bge, a3, a3		# equal: >= holds
	TAKEN	bgeu, a3, a3
	NOT_TAKEN blt, a3, a3
	NOT_TAKEN bltu, a3, a3
	TAKEN	bge, zero, a2		# 0 >= -1
	NOT_TAKEN bgeu, zero, a2	# 0 < 0xffffffff
	TAKEN	bltu, zero, a2
	END
