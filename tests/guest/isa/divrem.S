# M extension division: the results RISC-V defines instead of trapping
# (unprivileged spec, "Division Operations" table): x / 0 = -1 (all ones
# unsigned), x % 0 = x, INT_MIN / -1 = INT_MIN, INT_MIN % -1 = 0; and
# rounding toward zero with the remainder taking the dividend's sign.
	.include "check.inc"
	BEGIN
	li	a0, 7
	li	a1, 0
	div	t0, a0, a1
	CHECK	t0, -1
	divu	t0, a0, a1
	CHECK	t0, 0xffffffff
	rem	t0, a0, a1
	CHECK	t0, 7
	remu	t0, a0, a1
	CHECK	t0, 7

	li	a0, -7
	div	t0, a0, a1
	CHECK	t0, -1
	divu	t0, a0, a1
	CHECK	t0, 0xffffffff
	rem	t0, a0, a1
	CHECK	t0, -7
	remu	t0, a0, a1
	CHECK	t0, 0xfffffff9

	li	a0, 0			# 0 / 0
	div	t0, a0, a1
	CHECK	t0, -1
	divu	t0, a0, a1
	CHECK	t0, 0xffffffff
	rem	t0, a0, a1
	CHECK	t0, 0
	remu	t0, a0, a1
	CHECK	t0, 0

	li	a0, 0x80000000		# INT_MIN / 0
	div	t0, a0, zero
	CHECK	t0, -1
	rem	t0, a0, zero
	CHECK	t0, 0x80000000

	li	a1, -1			# INT_MIN / -1: the signed overflow
	div	t0, a0, a1
	CHECK	t0, 0x80000000
	rem	t0, a0, a1
	CHECK	t0, 0
	divu	t0, a0, a1		# 0x80000000 / 0xffffffff
	CHECK	t0, 0
	remu	t0, a0, a1
	CHECK	t0, 0x80000000

	li	a0, -7			# rounding toward zero, all sign cases
	li	a1, 2
	div	t0, a0, a1
	CHECK	t0, -3
	rem	t0, a0, a1
	CHECK	t0, -1
	divu	t0, a0, a1
	CHECK	t0, 0x7ffffffc
	remu	t0, a0, a1
	CHECK	t0, 1
	li	a0, 7
	li	a1, -2
	div	t0, a0, a1
	CHECK	t0, -3
	rem	t0, a0, a1
	CHECK	t0, 1
	divu	t0, a0, a1
	CHECK	t0, 0
	remu	t0, a0, a1
	CHECK	t0, 7
	li	a0, -7
	div	t0, a0, a1
	CHECK	t0, 3
	rem	t0, a0, a1
	CHECK	t0, -1

	li	a0, 0x7fffffff		# INT_MAX / -1
	li	a1, -1
	div	t0, a0, a1
	CHECK	t0, 0x80000001
	rem	t0, a0, a1
	CHECK	t0, 0
	li	a0, 0x80000000		# INT_MIN / 1, / 2
	li	a1, 1
	div	t0, a0, a1
	CHECK	t0, 0x80000000
	li	a1, 2
	div	t0, a0, a1
	CHECK	t0, 0xc0000000
	divu	t0, a0, a1
	CHECK	t0, 0x40000000
	li	a0, 0xffffffff		# largest unsigned
	li	a1, 0xfffffffe
	divu	t0, a0, a1
	CHECK	t0, 1
	remu	t0, a0, a1
	CHECK	t0, 1

	li	a0, 100			# rd aliasing a source
	li	a1, 7
	div	a0, a0, a1
	CHECK	a0, 14
	rem	a1, a0, a1
	CHECK	a1, 0
	li	a0, 5
	div	zero, a0, zero		# written to x0: discarded
	CHECK	zero, 0
	END
