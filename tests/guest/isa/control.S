# Control transfer and upper immediates: JAL/JALR link pc + 4, JALR
# computes (rs1 + imm) & ~1 -- clearing bit 0 -- from rs1 read before rd is
# written; AUIPC adds to its own address, LUI fills the upper 20 bits;
# writes to x0 are discarded by every instruction format.
	.include "check.inc"
	BEGIN
	# JALR to an odd address: bit 0 is cleared.
	la	t0, 1f + 1
	jalr	ra, 0(t0)
2:	li	t1, 0xbad		# not reached
	CHECK	t1, 0
1:	CHECKA	ra, 2b
	# Odd immediate, even base.
	la	t0, 1f
	jalr	ra, 1(t0)
	j	check_failed
1:	CHECKA	t0, 1b
	# Negative immediate.
	la	t0, 1f + 8
	jalr	ra, -8(t0)
	j	check_failed
1:	CHECK	zero, 0
	# rd == rs1: the target uses the old value.
	la	t0, 1f
	jalr	t0, 0(t0)
2:	j	check_failed
1:	CHECKA	t0, 2b
	# JAL links pc + 4; JAL x0 links nothing.
	jal	ra, 1f
2:	j	check_failed
1:	CHECKA	ra, 2b
	jal	zero, 1f
	j	check_failed
1:	CHECK	zero, 0
	# JALR x0 (a plain jump through a register).
	la	t0, 1f
	jalr	zero, 0(t0)
	j	check_failed
1:	CHECK	zero, 0

	# AUIPC: relative to its own address, 20-bit immediate shifted by 12.
1:	auipc	t0, 0
	CHECKA	t0, 1b
1:	auipc	t0, 1
	CHECKA	t0, 1b + 0x1000
1:	auipc	t0, 0xfffff		# -0x1000
	CHECKA	t0, 1b - 0x1000
1:	auipc	t0, 0x80000		# wraps modulo 2^32
	CHECKA	t0, 1b + 0x80000000

	lui	t0, 0xfffff
	CHECK	t0, 0xfffff000
	lui	t0, 0x80000
	CHECK	t0, 0x80000000
	lui	t0, 0
	CHECK	t0, 0
	lui	t0, 1
	CHECK	t0, 0x1000
	lui	t0, 0x12345
	addi	t0, t0, -1		# lui + negative addi, the li idiom
	CHECK	t0, 0x12344fff

	# x0 stays 0 whatever writes it.
	addi	zero, zero, 5
	CHECK	zero, 0
	lui	zero, 0x12345
	CHECK	zero, 0
	auipc	zero, 1
	CHECK	zero, 0
	li	t0, -1
	add	zero, t0, t0
	CHECK	zero, 0
	slli	zero, t0, 3
	CHECK	zero, 0
	add	t1, zero, zero
	CHECK	t1, 0
	sub	t1, zero, t0		# x0 as a source reads 0
	CHECK	t1, 1
	END
