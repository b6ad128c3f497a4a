#!/usr/bin/env bash
# cairn prove and cairn verify end to end (issue 8):
#
#   run_prove.sh CAIRN MKELF JOBEDIT handmade    hand-encoded programs
#   run_prove.sh CAIRN MKELF JOBEDIT guests DIR  example guests in DIR
#                                                (status 77, a skip, without them)
#
# handmade: a 4-segment loop proven at 2^10 with preset test verifies
# (exit 0) and shows cairn exec's journal and exit code; every altered copy
# (cli_jobedit: a proof byte, a claim, a dropped segment, a journal byte,
# the final state, the image ID, the parameters) exits 1 naming what
# failed; a truncated file, a non-job file and an exec job file exit 2; a
# faulting guest exits 132 and writes no job file. A run that fits one
# segment is proven at its smallest size (--exact-po2: the size given).
# guests: fibonacci and SHA-256 proven and verified, journal and exit
# code equal to cairn exec's.
# The shared set-up (work directory, fail/pass/finish, expect, json_field,
# prove_and_verify) is tests/guest/lib.sh's, without qemu.
. "$(dirname "$0")/../guest/lib.sh" "$1" -
MKELF=$2
JOBEDIT=$3
MODE=$4
GUESTS=${5:-}
START=$(date +%s)

# prove_like_exec ELF INPUT PO2 JOB: cairn prove's stdout is cairn exec's,
# and cairn verify (--json and text) shows exec's exit code and journal.
prove_like_exec()
{
    local elf=$1 input=$2 po2=$3 job=$4
    run_cairn "$elf" "$input" "$WORK/exec"
    prove_and_verify "$(basename "$elf")" "$elf" "$input" "$po2" "$job" "$WORK/exec" || return
    expect 0 "valid        every segment proof verifies" "$CAIRN" verify "$job"
    grep -qF "exit code    $VERIFIED_EXIT" "$WORK/out" || fail "verify's text lacks exit code $VERIFIED_EXIT"
}

handmade()
{
    "$MKELF" "$WORK/loop.elf" loop && "$MKELF" "$WORK/fault.elf" fault && "$MKELF" "$WORK/hello.elf" ||
        { echo "cannot write the test programs" >&2; exit 1; }
    : >"$WORK/empty"
    prove_like_exec "$WORK/loop.elf" "$WORK/empty" 10 "$WORK/job.h5"
    expect 0 "" "$CAIRN" verify "$WORK/job.h5" --json
    [ "$(json_field segments)" = 4 ] || fail "the loop should take 4 segments of 2^10, got $(json_field segments)"
    [ "$(json_field image_id_from)" = elf ] || fail "verify --json: image ID not from the ELF"
    expect 0 "recomputed from the stored ELF" "$CAIRN" verify "$WORK/job.h5"
    expect 0 "" "$CAIRN" prove "$WORK/hello.elf" --segment-po2 10 --preset test --json -q
    [ "$(cat "$WORK/out")" = hello ] || fail "prove -q did not print the journal"
    [ ! -s "$WORK/err" ] || fail "prove -q wrote to stderr: $(cat "$WORK/err")"
    expect 0 "\"proven_bits\"" "$CAIRN" prove "$WORK/hello.elf" --segment-po2 10 --preset test --json

    # a run that halts within one segment is proven in the smallest segment
    # from 2^14 up that holds it, said by a notice; --exact-po2 keeps 2^K;
    # --resume finds the same size (at 2^10 the loop is four segments, above)
    expect 0 "fits one segment of 2^14 cycles" "$CAIRN" prove "$WORK/loop.elf" --segment-po2 16 --preset test \
        --no-fold -o "$WORK/fit.h5"
    expect 0 "" "$CAIRN" verify "$WORK/fit.h5" --json
    [ "$(json_field segment_po2)" = 14 ] && [ "$(json_field segments)" = 1 ] ||
        fail "the loop at --segment-po2 16: segments of 2^$(json_field segment_po2), $(json_field segments) of them"
    expect 0 "\"segment_reused\"" "$CAIRN" prove "$WORK/loop.elf" --segment-po2 16 --preset test --no-fold \
        -o "$WORK/fit.h5" --resume --json
    expect 0 "" "$CAIRN" prove "$WORK/loop.elf" --segment-po2 16 --exact-po2 --preset test --no-fold -o "$WORK/fit.h5"
    ! grep -qF "fits one segment" "$WORK/err" || fail "--exact-po2: the size changed"
    expect 0 "" "$CAIRN" verify "$WORK/fit.h5" --json
    [ "$(json_field segment_po2)" = 16 ] || fail "--exact-po2 16: segments of 2^$(json_field segment_po2)"
    expect 2 "--exact-po2 keeps --segment-po2 16" "$CAIRN" prove "$WORK/loop.elf" --segment-po2 16 --preset test \
        --no-fold -o "$WORK/fit.h5" --resume

    # a copy through the h5s API verifies; each change is named
    "$JOBEDIT" "$WORK/job.h5" "$WORK/copy.h5" none || fail "cli_jobedit none"
    expect 0 "" "$CAIRN" verify "$WORK/copy.h5"
    while read -r change seg text; do
        rm -f "$WORK/bad.h5"
        "$JOBEDIT" "$WORK/job.h5" "$WORK/bad.h5" "$change" "$seg" || { fail "cli_jobedit $change"; continue; }
        expect 1 "$text" "$CAIRN" verify "$WORK/bad.h5"
        expect 1 "\"status\": 1" "$CAIRN" verify "$WORK/bad.h5" --json
    done <<'CASES'
proof-byte 2 segment 2 proof:
proof-byte 0 segment 0 proof:
claim-end 1 segment 1 proof:
claim-cycles 3 segment 3 proof:
drop-segment 1 chain between segments 0 and 1
drop-segment 0 image ID: segment 0 does not start at the image ID
drop-segment 3 final state: the last segment (2) does not end in the stored final state
journal-byte 0 journal: the stored 6 bytes are not the final state's journal
final-exit 0 final state: the last segment (3) does not end in the stored final state
final-halted 0 final state: not halted
image-id 0 image ID: /program/image_id is not the image ID of the stored ELF
no-elf-id 0 image ID: segment 0 does not start at the image ID
queries 0 parameters: the file says preset test but stores other values
CASES
    "$JOBEDIT" "$WORK/job.h5" "$WORK/noelf.h5" no-elf || fail "cli_jobedit no-elf"
    expect 0 "as stored: the job file has no ELF" "$CAIRN" verify "$WORK/noelf.h5"

    # unreadable, foreign, not a proof job: 2
    head -c 5000 "$WORK/job.h5" >"$WORK/trunc.h5"
    expect 2 "" "$CAIRN" verify "$WORK/trunc.h5"
    expect 2 "" "$CAIRN" verify "$WORK/loop.elf"
    expect 2 "No such file" "$CAIRN" verify "$WORK/none.h5"
    expect 3 "" "$CAIRN" exec "$WORK/loop.elf" --segment-po2 10 -o "$WORK/exec.h5" -q
    expect 2 "not a proof job" "$CAIRN" verify "$WORK/exec.h5"
    expect 2 "no job file given" "$CAIRN" verify
    expect 2 "\"status\": 2" "$CAIRN" verify "$WORK/trunc.h5" --json
    expect 0 "" "$CAIRN" verify -h
    # cairn inspect still reads a proof job
    expect 0 "" "$CAIRN" inspect "$WORK/job.h5" --check

    # prove: a guest fault is qemu's status, nothing written; usage errors 2
    expect 132 "guest fault: illegal instruction at pc" "$CAIRN" prove "$WORK/fault.elf" --segment-po2 10 \
        --preset test -o "$WORK/fault.h5"
    [ "$(cat "$WORK/out")" = hello ] || fail "prove of the faulting guest did not print its journal"
    [ ! -e "$WORK/fault.h5" ] && [ ! -e "$WORK/fault.h5.tmp" ] || fail "a faulting guest left a job file"
    expect 2 "--preset: unknown preset 'nope'" "$CAIRN" prove "$WORK/hello.elf" --preset nope
    expect 2 "--segment-po2: 3 is out of range 4..24" "$CAIRN" prove "$WORK/hello.elf" --segment-po2 3
    expect 2 "no program given" "$CAIRN" prove
    expect 2 "a directory" "$CAIRN" prove "$WORK/hello.elf" -o "$WORK"
}

guests()
{
    if [ -z "$GUESTS" ] || [ ! -f "$GUESTS/fibonacci.elf" ] || [ ! -f "$GUESTS/sha256.elf" ]; then
        echo "skip: example guests not built (no riscv64-unknown-elf cross compiler?)" >&2
        exit 77
    fi
    printf 12 >"$WORK/fib.in"
    prove_like_exec "$GUESTS/fibonacci.elf" "$WORK/fib.in" 10 "$WORK/fib.h5"
    printf 'abc' >"$WORK/abc.in"
    prove_like_exec "$GUESTS/sha256.elf" "$WORK/abc.in" 12 "$WORK/sha.h5"
}

case $MODE in
handmade) handmade ;;
guests) guests ;;
*) echo "unknown mode $MODE" >&2; exit 2 ;;
esac
echo "$(($(date +%s) - START)) s" >&2
finish
