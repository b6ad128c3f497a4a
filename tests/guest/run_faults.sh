#!/usr/bin/env bash
# Faults: each program writes "before\n" to the journal, then executes one
# faulting instruction (labelled fault_pc). `cairn exec` must end with the
# qemu-user status of the fault -- 132 (SIGILL) for illegal instructions
# and EBREAK, 135 (SIGBUS) for misaligned accesses and jump targets, 139
# (SIGSEGV) for page 0 -- keep the journal written before the fault, and
# name the faulting pc on stderr. Where qemu-riscv32 faults the same way it
# must agree; where it does not (it allows misaligned accesses, reports
# EBREAK as SIGTRAP 133, implements CSRs and the C extension), only cairn's
# documented status is checked (vm/rv32im/rv.h).
#
#   run_faults.sh CAIRN QEMU CROSS_GCC CROSS_NM
. "$(dirname "$0")/lib.sh"
CC=$1
NM=$2

# NAME | cairn status | "same" if qemu must agree, else "doc" | instruction(s)
#   [| faulting pc, if not fault_pc: a fetch fault happens at the target]
CASES=(
    "lw_misaligned|135|doc|lw a0, 1(t0)"
    "lh_misaligned|135|doc|lh a0, 3(t0)"
    "lhu_misaligned|135|doc|lhu a0, 1(t0)"
    "sw_misaligned|135|doc|sw a0, 2(t0)"
    "sh_misaligned|135|doc|sh a0, 1(t0)"
    "jalr_misaligned|135|doc|jalr zero, 2(t0)"
    "branch_misaligned|135|doc|beq zero, zero, .+6"
    "ebreak|132|doc|ebreak"
    "csr_cycle|132|doc|.word 0xc0002573"
    "fp_fadd|132|doc|.word 0x00000053"
    "illegal_zero|132|same|.word 0x00000000"
    "illegal_ones|132|same|.word 0xffffffff"
    "illegal_16bit|132|same|.word 0x00000001"
    "illegal_branch_funct3|132|same|.word 0x00002063"
    "illegal_load_ld|132|same|.word 0x00003003"
    "illegal_store_sd|132|same|.word 0x00003023"
    "illegal_op_funct7|132|same|.word 0xfe000033"
    "illegal_slli_shamt5|132|same|.word 0x02001013"
    "illegal_srai_shamt5|132|same|.word 0x42005013"
    "illegal_fence_funct3|132|same|.word 0x0000200f"
    "illegal_mret|132|same|.word 0x30200073"
    "illegal_wfi|132|same|.word 0x10500073"
    "illegal_csrrw|132|same|.word 0x00001073"
    "load_page0|139|same|lw a0, 0(zero)"
    "store_page0|139|same|sw a0, 0x3fc(zero)"
    "jump_page0|139|same|jalr zero, 0(zero)|0"
)

empty=$WORK/empty
: >"$empty"
for c in "${CASES[@]}"; do
    IFS='|' read -r name want mode insn fault_at <<<"$c"
    src=$WORK/$name.S
    elf=$WORK/$name.elf
    cat >"$src" <<ASM
	.option norelax
	.text
	.globl _start
_start:
	li	a0, 1
	la	a1, msg
	li	a2, 7
	li	a7, 64
	ecall
	la	t0, buf
	li	a0, 0x1234
fault_pc:
	$insn
	li	a0, 0		# a fault that does not happen exits 0
	li	a7, 93
	ecall
	.data
	.balign 16
msg:	.ascii "before\n"
	.balign 16
buf:	.space 16
ASM
    if ! "$CC" -march=rv32im -mabi=ilp32 -nostdlib -Wl,--no-relax "$src" -o "$elf"; then
        fail "$name: cannot assemble"
        continue
    fi
    # hex digits without leading zeros; matched as 0x0*DIGITS
    pc=$("$NM" "$elf" | awk '$3 == "fault_pc" { print $1 }' | sed 's/^0*//')
    [ -n "$fault_at" ] && pc=$fault_at
    printf 'before\n' >"$WORK/before"

    run_qemu "$elf" "$empty" "$WORK/$name.qemu"
    if [ "$mode" = same ]; then
        expect_status "$name (qemu)" "$WORK/$name.qemu" "$want"
        expect_file "$name (qemu)" "$WORK/$name.qemu" "$WORK/before"
    fi
    if [ "$HAVE_CAIRN" = 1 ]; then
        run_cairn "$elf" "$empty" "$WORK/$name.cairn"
        expect_status "$name (cairn)" "$WORK/$name.cairn" "$want" &&
            expect_file "$name (cairn)" "$WORK/$name.cairn" "$WORK/before"
        if ! grep -Eqi "pc 0x0*$pc\b" "$WORK/$name.cairn.err"; then
            fail "$name: cairn's diagnostic does not name the faulting pc 0x$pc"
            sed 's/^/  stderr: /' "$WORK/$name.cairn.err" | head -3 >&2
        fi
        [ "$mode" = same ] && same_run "$name" "$WORK/$name.qemu" "$WORK/$name.cairn"
    fi
done

# The cycle limit (cli/exec.c documents exit status 2 and a message naming
# --max-cycles): an endless loop stops there; qemu has no such limit.
if [ "$HAVE_CAIRN" = 1 ]; then
    printf '\t.text\n\t.globl _start\n_start:\n1:\tj 1b\n' >"$WORK/loop.S"
    if "$CC" -march=rv32im -mabi=ilp32 -nostdlib -Wl,--no-relax "$WORK/loop.S" -o "$WORK/loop.elf"; then
        run_cairn "$WORK/loop.elf" "$empty" "$WORK/loop.cairn" --max-cycles 100000
        expect_status "endless loop with --max-cycles" "$WORK/loop.cairn" 2
        grep -q max-cycles "$WORK/loop.cairn.err" && pass ||
            fail "endless loop: the message does not mention --max-cycles"
    else
        fail "loop: cannot assemble"
    fi
fi
finish
