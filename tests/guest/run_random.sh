#!/usr/bin/env bash
# Random RV32IM programs (tests/guest/rvgen.c) under qemu-riscv32 and
# `cairn exec`: the journal (all 31 registers and the 256-byte scratch
# buffer at the end) and the exit status must be identical.
#
#   run_random.sh CAIRN QEMU RVGEN CROSS_GCC [COUNT [LENGTH]]
# $CAIRN_TEST_SEED replays a corpus (rvgen prints the seed it used).
. "$(dirname "$0")/lib.sh"
RVGEN=$1
CC=$2
COUNT=${3:-300}
LENGTH=${4:-200}

mkdir -p "$WORK/corpus"
"$RVGEN" "$WORK/corpus" "$COUNT" "$LENGTH" || { fail "rvgen failed"; finish; }

# Assemble on both cores; stop at the first error (a generator bug).
if ! ls "$WORK"/corpus/*.S | xargs -P 2 -n 16 sh -c '
    for s; do
        "$0" -march=rv32im -mabi=ilp32 -nostdlib -Wl,--no-relax "$s" -o "${s%.S}.elf" || exit 255
    done' "$CC"; then
    fail "assembling the corpus"
    finish
fi

empty=$WORK/empty
: >"$empty"
for s in "$WORK"/corpus/*.S; do
    elf=${s%.S}.elf
    p=${s%.S}
    run_qemu "$elf" "$empty" "$p.qemu"
    # Every program ends with a write of 380 bytes and an exit.
    if [ "$(wc -c <"$p.qemu.out")" != 380 ]; then
        fail "$(basename "$s"): qemu journal is $(wc -c <"$p.qemu.out") bytes, not 380 (status $(status_of "$p.qemu"))"
        continue
    fi
    if [ "$HAVE_CAIRN" = 1 ]; then
        run_cairn "$elf" "$empty" "$p.cairn"
        if ! same_run "$(basename "$s")" "$p.qemu" "$p.cairn"; then
            # Name the first differing register or scratch word.
            cmp -l "$p.qemu.out" "$p.cairn.out" 2>/dev/null | head -1 | while read -r off _ _; do
                off=$((off - 1))
                if [ $off -lt 124 ]; then echo "  first difference in x$((off / 4 + 1))" >&2
                else echo "  first difference in scratch byte $((off - 124))" >&2; fi
            done
        fi
    else
        pass
    fi
done
finish
