#!/usr/bin/env bash
# ISA corner cases (tests/guest/isa/*.S): each program checks its own
# results against values from the RISC-V specification and exits 0, or
# with the number of the first failing CHECK. Both machines must pass, and
# their journals (every checked value) and debug logs must be identical.
#
#   run_isa.sh CAIRN QEMU ISA_ELF...
. "$(dirname "$0")/lib.sh"
empty=$WORK/empty
: >"$empty"
for elf in "$@"; do
    name=$(basename "$elf" .elf)
    run_qemu "$elf" "$empty" "$WORK/$name.qemu"
    expect_status "isa/$name (qemu; nonzero = number of the failed CHECK)" "$WORK/$name.qemu" 0
    if [ "$HAVE_CAIRN" = 1 ]; then
        run_cairn "$elf" "$empty" "$WORK/$name.cairn"
        expect_status "isa/$name (cairn; nonzero = number of the failed CHECK)" "$WORK/$name.cairn" 0
        same_run "isa/$name" "$WORK/$name.qemu" "$WORK/$name.cairn" stderr
    fi
done
finish
