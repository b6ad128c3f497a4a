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
# faulting guest exits 132 and writes no job file.
# guests: fibonacci and SHA-256 proven and verified, journal and exit
# code equal to cairn exec's.
set -u
CAIRN=$1
MKELF=$2
JOBEDIT=$3
MODE=$4
GUESTS=${5:-}

FAILURES=0
CHECKS=0
W=$(mktemp -d "${TMPDIR:-/tmp}/cairn-prove-test.XXXXXX")
KEEP=0
trap 'if [ $KEEP = 0 ]; then rm -rf "$W"; else echo "files kept in $W" >&2; fi' EXIT
START=$(date +%s)

fail()
{
    echo "FAIL: $*" >&2
    FAILURES=$((FAILURES + 1))
    KEEP=1
}

# expect STATUS TEXT CMD...: runs CMD (stdout in $W/out, stderr in $W/err)
# and checks its exit status and that stdout or stderr contains TEXT.
expect()
{
    local want=$1 text=$2
    shift 2
    "$@" >"$W/out" 2>"$W/err" </dev/null
    local st=$?
    CHECKS=$((CHECKS + 1))
    if [ "$st" != "$want" ]; then
        fail "'$*' exited $st, expected $want; stderr:"
        sed 's/^/    /' "$W/err" >&2
    elif [ -n "$text" ] && ! grep -qF -- "$text" "$W/err" "$W/out"; then
        fail "'$*': output lacks '$text':"
        sed 's/^/    /' "$W/err" "$W/out" >&2
    fi
}

# json_field NAME: the value of "NAME": in $W/out (numbers and strings)
json_field()
{
    sed -n "s/.*\"$1\": \"\{0,1\}\([^,\"}]*\).*/\1/p" "$W/out"
}

# prove_like_exec ELF INPUT PO2 JOB: cairn prove's stdout is cairn exec's,
# and cairn verify --json shows exec's exit code and journal.
prove_like_exec()
{
    local elf=$1 input=$2 po2=$3 job=$4
    "$CAIRN" exec "$elf" --input "$input" -q >"$W/exec.out" 2>/dev/null </dev/null
    local code=$?
    expect 0 "segment 0:" "$CAIRN" prove "$elf" --input "$input" --segment-po2 "$po2" --preset test -o "$job"
    cmp -s "$W/out" "$W/exec.out" || fail "prove's journal differs from exec's for $elf"
    grep -qF "exit code $code," "$W/err" || fail "prove's summary lacks exit code $code for $elf"
    expect 0 "" "$CAIRN" verify "$job" --json
    [ "$(json_field valid)" = true ] || fail "verify --json: valid is not true for $job"
    [ "$(json_field exit_code)" = "$code" ] || fail "verify: exit code $(json_field exit_code), exec $code ($elf)"
    local hex
    hex=$(od -An -v -tx1 "$W/exec.out" | tr -d ' \n')
    [ "$(json_field journal_hex)" = "$hex" ] || fail "verify: journal $(json_field journal_hex), exec $hex ($elf)"
    expect 0 "valid        every segment proof verifies" "$CAIRN" verify "$job"
    grep -qF "exit code    $code" "$W/out" || fail "verify's text lacks exit code $code"
}

handmade()
{
    "$MKELF" "$W/loop.elf" loop && "$MKELF" "$W/fault.elf" fault && "$MKELF" "$W/hello.elf" ||
        { echo "cannot write the test programs" >&2; exit 1; }
    : >"$W/empty"
    prove_like_exec "$W/loop.elf" "$W/empty" 10 "$W/job.h5"
    expect 0 "" "$CAIRN" verify "$W/job.h5" --json
    [ "$(json_field segments)" = 4 ] || fail "the loop should take 4 segments of 2^10, got $(json_field segments)"
    [ "$(json_field image_id_from)" = elf ] || fail "verify --json: image ID not from the ELF"
    expect 0 "recomputed from the stored ELF" "$CAIRN" verify "$W/job.h5"
    expect 0 "" "$CAIRN" prove "$W/hello.elf" --segment-po2 10 --preset test --json -q
    [ "$(cat "$W/out")" = hello ] || fail "prove -q did not print the journal"
    [ ! -s "$W/err" ] || fail "prove -q wrote to stderr: $(cat "$W/err")"
    expect 0 "\"proven_bits\"" "$CAIRN" prove "$W/hello.elf" --segment-po2 10 --preset test --json

    # a copy through the h5s API verifies; each change is named
    "$JOBEDIT" "$W/job.h5" "$W/copy.h5" none || fail "cli_jobedit none"
    expect 0 "" "$CAIRN" verify "$W/copy.h5"
    while read -r change seg text; do
        rm -f "$W/bad.h5"
        "$JOBEDIT" "$W/job.h5" "$W/bad.h5" "$change" "$seg" || { fail "cli_jobedit $change"; continue; }
        expect 1 "$text" "$CAIRN" verify "$W/bad.h5"
        expect 1 "\"status\": 1" "$CAIRN" verify "$W/bad.h5" --json
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
    "$JOBEDIT" "$W/job.h5" "$W/noelf.h5" no-elf || fail "cli_jobedit no-elf"
    expect 0 "as stored: the job file has no ELF" "$CAIRN" verify "$W/noelf.h5"

    # unreadable, foreign, not a proof job: 2
    head -c 5000 "$W/job.h5" >"$W/trunc.h5"
    expect 2 "" "$CAIRN" verify "$W/trunc.h5"
    expect 2 "" "$CAIRN" verify "$W/loop.elf"
    expect 2 "No such file" "$CAIRN" verify "$W/none.h5"
    expect 3 "" "$CAIRN" exec "$W/loop.elf" --segment-po2 10 -o "$W/exec.h5" -q
    expect 2 "not a proof job" "$CAIRN" verify "$W/exec.h5"
    expect 2 "no job file given" "$CAIRN" verify
    expect 2 "\"status\": 2" "$CAIRN" verify "$W/trunc.h5" --json
    expect 0 "" "$CAIRN" verify -h
    # cairn inspect still reads a proof job
    expect 0 "" "$CAIRN" inspect "$W/job.h5" --check

    # prove: a guest fault is qemu's status, nothing written; usage errors 2
    expect 132 "guest fault: illegal instruction at pc" "$CAIRN" prove "$W/fault.elf" --segment-po2 10 \
        --preset test -o "$W/fault.h5"
    [ "$(cat "$W/out")" = hello ] || fail "prove of the faulting guest did not print its journal"
    [ ! -e "$W/fault.h5" ] && [ ! -e "$W/fault.h5.tmp" ] || fail "a faulting guest left a job file"
    expect 2 "--preset: unknown preset 'nope'" "$CAIRN" prove "$W/hello.elf" --preset nope
    expect 2 "--segment-po2: 3 is out of range 4..24" "$CAIRN" prove "$W/hello.elf" --segment-po2 3
    expect 2 "no program given" "$CAIRN" prove
    expect 2 "a directory" "$CAIRN" prove "$W/hello.elf" -o "$W"
}

guests()
{
    if [ -z "$GUESTS" ] || [ ! -f "$GUESTS/fibonacci.elf" ] || [ ! -f "$GUESTS/sha256.elf" ]; then
        echo "skip: example guests not built (no riscv64-unknown-elf cross compiler?)" >&2
        exit 77
    fi
    printf 12 >"$W/fib.in"
    prove_like_exec "$GUESTS/fibonacci.elf" "$W/fib.in" 10 "$W/fib.h5"
    printf 'abc' >"$W/abc.in"
    prove_like_exec "$GUESTS/sha256.elf" "$W/abc.in" 12 "$W/sha.h5"
}

case $MODE in
handmade) handmade ;;
guests) guests ;;
*) echo "unknown mode $MODE" >&2; exit 2 ;;
esac
echo "$CHECKS checks, $FAILURES failures, $(($(date +%s) - START)) s" >&2
[ $FAILURES = 0 ]
