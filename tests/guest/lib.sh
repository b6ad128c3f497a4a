# Shared helpers for the guest test scripts (bash; sourced, not run).
#
# Each script is called by CTest as   script CAIRN QEMU [more...]
# and runs every program under qemu-riscv32 and under `cairn exec`, then
# compares the two. A cairn binary whose `exec --help` fails is broken:
# the script fails. A missing qemu-riscv32 (an optional tool) ends the
# script with status 77 and the reason, which CTest reports as "skipped"
# (SKIP_RETURN_CODE in CMakeLists.txt); never as passed. A script that
# runs no qemu (tests/cli/run_prove.sh) passes QEMU as "-":
#   . lib.sh "$CAIRN" -
# The prove helpers at the end (expect, json_field, prove_and_verify) are
# shared by run_prove_all.sh and tests/cli/run_prove.sh.

set -u
ulimit -c 0   # a faulting qemu-user would otherwise leave a core file

CAIRN=$1
QEMU=$2
shift 2
# Generous per-run bound: it only turns a hang into a failure.
RUN_TIMEOUT=${CAIRN_GUEST_TIMEOUT:-300}

FAILURES=0
CHECKS=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cairn-guest-test.XXXXXX")
KEEP_WORK=0
trap 'if [ $KEEP_WORK = 0 ]; then rm -rf "$WORK"; else echo "files kept in $WORK" >&2; fi' EXIT

if [ "$QEMU" != - ] && ! [ -x "$QEMU" ]; then
    echo "skipped: qemu-riscv32 not found at '$QEMU' (Debian package qemu-user)" >&2
    exit 77
fi
if ! "$CAIRN" exec --help >/dev/null 2>"$WORK/help.err"; then
    echo "FAIL: '$CAIRN exec --help' does not work: the cairn binary is broken" >&2
    sed 's/^/  /' "$WORK/help.err" | head -5 >&2
    exit 1
fi
# the scripts' cairn-side branches (cairn exec once did not exist)
HAVE_CAIRN=1

fail()
{
    echo "FAIL: $*" >&2
    FAILURES=$((FAILURES + 1))
    KEEP_WORK=1
}

pass() { CHECKS=$((CHECKS + 1)); }

# run_qemu ELF INPUT PREFIX: PREFIX.out/.err get stdout/stderr; status in
# PREFIX.status. The subshell keeps bash's "Segmentation fault" notice
# about a signalled child out of the test log.
run_qemu()
{
    local elf=$1 input=$2 prefix=$3 st
    { timeout "$RUN_TIMEOUT" "$QEMU" "$elf" <"$input" >"$prefix.out" 2>"$prefix.err"; st=$?; } 2>/dev/null
    echo "$st" >"$prefix.status"
}

# run_cairn ELF INPUT PREFIX [extra cairn exec options]
run_cairn()
{
    local elf=$1 input=$2 prefix=$3 st
    shift 3
    timeout "$RUN_TIMEOUT" "$CAIRN" exec "$elf" --input "$input" -q "$@" \
        <"$input" >"$prefix.out" 2>"$prefix.err"
    st=$?
    echo "$st" >"$prefix.status"
}

status_of() { cat "$1.status"; }

# same_run NAME A B [stderr]: the two runs under prefixes A and B have the
# same exit status and journal (and debug log, when asked).
same_run()
{
    local name=$1 a=$2 b=$3 what=${4:-}
    if [ "$(status_of "$a")" != "$(status_of "$b")" ]; then
        fail "$name: exit status qemu $(status_of "$a") vs cairn $(status_of "$b")"
        sed 's/^/  cairn stderr: /' "$b.err" | head -5 >&2
        return 1
    fi
    if ! cmp -s "$a.out" "$b.out"; then
        fail "$name: journals differ (qemu $(wc -c <"$a.out") bytes, cairn $(wc -c <"$b.out") bytes)"
        cmp "$a.out" "$b.out" >&2
        return 1
    fi
    if [ "$what" = stderr ] && ! cmp -s "$a.err" "$b.err"; then
        fail "$name: debug logs (stderr) differ"
        diff "$a.err" "$b.err" | head -10 >&2
        return 1
    fi
    pass
}

# expect_status NAME PREFIX STATUS
expect_status()
{
    if [ "$(status_of "$2")" != "$3" ]; then
        fail "$1: exit status $(status_of "$2"), expected $3"
        sed 's/^/  stderr: /' "$2.err" | head -5 >&2
        return 1
    fi
    pass
}

# expect_file NAME PREFIX EXPECTED_FILE: the journal equals a file.
expect_file()
{
    if ! cmp -s "$2.out" "$3"; then
        fail "$1: journal differs from the expected answer"
        diff <(od -An -c "$3" | head -20) <(od -An -c "$2.out" | head -20) >&2
        return 1
    fi
    pass
}

# hex_of FILE: the bytes as one lowercase hex string.
hex_of() { od -An -v -tx1 "$1" | tr -d ' \n'; }

# ---- cairn prove / cairn verify ----

# expect STATUS TEXT CMD...: runs CMD (stdout in $WORK/out, stderr in
# $WORK/err, stdin empty) and checks its exit status and that stdout or
# stderr contains TEXT (unless empty).
expect()
{
    local want=$1 text=$2
    shift 2
    "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
    local st=$?
    if [ "$st" != "$want" ]; then
        fail "'$*' exited $st, expected $want; stderr:"
        sed 's/^/    /' "$WORK/err" | tail -20 >&2
        return 1
    elif [ -n "$text" ] && ! grep -qF -- "$text" "$WORK/err" "$WORK/out"; then
        fail "'$*': output lacks '$text':"
        sed 's/^/    /' "$WORK/err" "$WORK/out" | tail -20 >&2
        return 1
    fi
    pass
}

# json_field NAME [FILE]: the value of "NAME": (a number or a string) on
# the last line of FILE (default $WORK/out) that has one.
json_field()
{
    sed -n "s/.*\"$1\": \"\{0,1\}\([^,\"}]*\).*/\1/p" "${2:-$WORK/out}" | tail -1
}

# prove_and_verify NAME ELF INPUT PO2 JOB REF: `cairn prove ELF --input
# INPUT --segment-po2 PO2 --preset test --no-fold -o JOB` exits 0 with the journal
# REF.out on stdout and its summary's exit code; `cairn verify JOB --json`
# exits 0, valid, with the journal REF.out and an exit code whose low byte
# is REF.status (REF: a run_qemu / run_cairn prefix). Sets VERIFIED_EXIT,
# VERIFIED_SEGMENTS and VERIFIED_CYCLES from the verified claim (empty if
# a step failed); returns 1 after the first failed check.
prove_and_verify()
{
    local name=$1 elf=$2 input=$3 po2=$4 job=$5 ref=$6
    VERIFIED_EXIT= VERIFIED_SEGMENTS= VERIFIED_CYCLES=
    expect 0 "segment 0:" "$CAIRN" prove "$elf" --input "$input" --segment-po2 "$po2" --preset test --no-fold \
        -o "$job" || return 1
    cp "$WORK/err" "$job.prove.err"
    if ! cmp -s "$WORK/out" "$ref.out"; then
        fail "$name: cairn prove's journal ($(wc -c <"$WORK/out") bytes) differs from $(basename "$ref")'s ($(wc -c <"$ref.out") bytes)"
        return 1
    fi
    local summary code
    summary=$(grep -F "cairn prove: exit code" "$job.prove.err" | tail -1)
    code=$(printf '%s\n' "$summary" | sed -n 's/.*exit code \([0-9]*\),.*/\1/p')
    expect 0 "" "$CAIRN" verify "$job" --json || return 1
    if [ "$(json_field valid)" != true ]; then
        fail "$name: verify --json: valid is '$(json_field valid)'"
        return 1
    fi
    VERIFIED_EXIT=$(json_field exit_code)
    VERIFIED_SEGMENTS=$(json_field segments)
    VERIFIED_CYCLES=$(json_field cycles)
    if [ -z "$VERIFIED_EXIT" ] || [ $((VERIFIED_EXIT & 255)) != "$(status_of "$ref")" ] ||
        [ "$VERIFIED_EXIT" != "$code" ]; then
        fail "$name: verified exit code ${VERIFIED_EXIT:-none}, prove says ${code:-none}, $(basename "$ref") exits $(status_of "$ref")"
        return 1
    fi
    if [ "$(json_field journal_hex)" != "$(hex_of "$ref.out")" ]; then
        fail "$name: the verified journal differs from $(basename "$ref")'s"
        echo "  verified: $(json_field journal_hex | cut -c1-120)" >&2
        echo "  expected: $(hex_of "$ref.out" | cut -c1-120)" >&2
        return 1
    fi
    pass
}

finish()
{
    if [ "$FAILURES" -gt 0 ]; then
        echo "$FAILURES check(s) failed, $CHECKS passed" >&2
        exit 1
    fi
    echo "all $CHECKS checks passed" >&2
    exit 0
}

# claim_of JOB: cairn verify --json of JOB without the file name and the
# time, i.e. the verified claim (image ID, journal, exit code, segments,
# cycles, parameters); empty if it does not verify
claim_of()
{
    "$CAIRN" verify "$1" --json 2>/dev/null | sed 's/"file": "[^"]*", //; s/, "verify_sec": [0-9.]*//'
}

# same_claim_as NAME JOB REF_CLAIM_FILE: JOB verifies with the claim stored
# in the file (a claim_of output); fails the check naming both otherwise
same_claim_as()
{
    local got
    got=$(claim_of "$2")
    if [ -z "$got" ] || [ "$got" != "$(cat "$3")" ]; then
        fail "$1: the claim of $2 is not the reference's"
        echo "  got:      ${got:-(does not verify)}" >&2
        echo "  expected: $(cat "$3")" >&2
        return 1
    fi
}
