#!/usr/bin/env bash
# Error paths of the cairn command line (STYLE.md, "The CLI"):
#
#   run_cli.sh CAIRN MKELF status          exit status and message of each case
#   run_cli.sh CAIRN MKELF json PYTHON3    --json error output parses as JSON
#                                          (status 77, a skip, without python3)
#
# Usage and input errors exit 2 with a message naming the option; nothing
# runs when -o or --input is refused (the guest's "hello" never reaches
# stdout); -o never replaces a directory, device node, FIFO or link.
set -u
CAIRN=$1
MKELF=$2
MODE=$3
PY=${4:-}

FAILURES=0
CHECKS=0
W=$(mktemp -d "${TMPDIR:-/tmp}/cairn-cli-test.XXXXXX")
KEEP=0
trap 'if [ $KEEP = 0 ]; then rm -rf "$W"; else echo "files kept in $W" >&2; fi' EXIT

fail()
{
    echo "FAIL: $*" >&2
    FAILURES=$((FAILURES + 1))
    KEEP=1
}

"$MKELF" "$W/hello.elf" || { echo "cannot write the test program" >&2; exit 1; }
ELF=$W/hello.elf

# expect STATUS TEXT CMD...: runs CMD (stdout in $W/out, stderr in $W/err)
# and checks its exit status and that stderr contains TEXT ("" for any).
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
    elif [ -n "$text" ] && ! grep -qF -- "$text" "$W/err"; then
        fail "'$*': stderr lacks '$text':"
        sed 's/^/    /' "$W/err" >&2
    fi
}

# not_run: the last command did not run the guest (its journal is empty).
not_run()
{
    if [ -s "$W/out" ]; then fail "the guest ran: stdout '$(cat "$W/out")'"; fi
}

status_cases()
{
    # the examples of the issue
    expect 2 "--queries: -5 is out of range 1..512" "$CAIRN" bench stark --queries -5
    expect 2 "--segment-po2: 'abc' is not a decimal number (expected 4..24)" \
        "$CAIRN" exec "$ELF" --segment-po2 abc
    not_run
    expect 2 "--max-cycles: ' -1' is not a decimal number" "$CAIRN" exec "$ELF" --max-cycles " -1"
    not_run
    expect 2 "--log-rows: 'abc' is not a decimal number (expected 2..26)" "$CAIRN" bench stark --log-rows abc
    # bench stark usage errors exit 2 (they were 1 when the prover refused them)
    expect 2 "--queries: 0 is out of range 1..512" "$CAIRN" bench stark --queries 0
    expect 2 "--log-blowup: 7 is out of range 1..6" "$CAIRN" bench stark --log-blowup 7
    expect 2 "--pow-bits: 33 is out of range 0..32" "$CAIRN" bench stark --pow-bits 33
    expect 2 "--log-arity: 0 is out of range 1..3" "$CAIRN" bench stark --log-arity 0
    expect 2 "--log-rows: 27 is out of range 2..26" "$CAIRN" bench stark --log-rows 27
    expect 2 "unknown machine 'nope'" "$CAIRN" bench stark --machine nope
    expect 2 "unknown preset" "$CAIRN" bench stark --preset nope
    expect 2 "unknown option '--bogus'" "$CAIRN" bench stark --bogus
    expect 2 "--queries needs a value" "$CAIRN" bench stark --queries
    expect 2 "unexpected argument 'extra'" "$CAIRN" bench stark extra
    expect 0 "" "$CAIRN" bench stark -h
    # bench exec and bench primitives share the parser
    expect 2 "--segment-po2: 99 is out of range 4..24" "$CAIRN" bench exec --segment-po2 99
    expect 2 "--segment-po2: '0x10' is not a decimal number" "$CAIRN" bench exec --segment-po2 0x10
    expect 2 "program $W: is a directory" "$CAIRN" bench exec "$W"
    expect 2 "unknown option '--bogus'" "$CAIRN" bench primitives --bogus
    expect 2 "unknown benchmark 'nope'" "$CAIRN" bench nope
    # bench recursion: the same parser; the machine is checked before any proof
    expect 2 "unknown machine 'nope'" "$CAIRN" bench recursion --machine nope
    expect 2 "--log-rows: 17 is out of range 2..16" "$CAIRN" bench recursion --log-rows 17
    expect 2 "--inner-preset: " "$CAIRN" bench recursion --inner-preset nope
    expect 2 "--preset: " "$CAIRN" bench recursion --preset nope
    expect 2 "--log-arity: 4 is out of range 1..3" "$CAIRN" bench recursion --log-arity 4
    expect 2 "--log-final-len: 9 is out of range 0..8" "$CAIRN" bench recursion --log-final-len 9
    expect 2 "--inner-log-arity: 0 is out of range 1..3" "$CAIRN" bench recursion --inner-log-arity 0
    expect 2 "--inner-log-final-len: 9 is out of range 0..8" "$CAIRN" bench recursion --inner-log-final-len 9
    expect 2 "for --machine rv32im or join only" "$CAIRN" bench recursion --inner-log-arity 3
    expect 2 "--repeat: 0 is out of range 1..100" "$CAIRN" bench recursion --repeat 0
    expect 2 "--repeat: 101 is out of range 1..100" "$CAIRN" bench recursion --repeat 101
    expect 2 "--repeat: 'x' is not a decimal number (expected 1..100)" "$CAIRN" bench recursion --repeat x
    expect 2 "--repeat needs a value" "$CAIRN" bench recursion --repeat
    expect 2 "--log-arity: 0 is out of range 1..3" "$CAIRN" bench prove --log-arity 0
    expect 2 "--log-final-len: 9 is out of range 0..8" "$CAIRN" bench prove --log-final-len 9
    expect 2 "unexpected argument 'extra'" "$CAIRN" bench recursion extra
    expect 0 "" "$CAIRN" bench recursion -h
    expect 2 "unknown command 'nope'" "$CAIRN" nope
    # exec numbers
    expect 2 "--max-cycles: 18446744073709551616 is out of range 1..18446744073709551615" \
        "$CAIRN" exec "$ELF" --max-cycles 18446744073709551616
    expect 2 "--max-cycles: 0 is out of range" "$CAIRN" exec "$ELF" --max-cycles 0
    expect 2 "--segment-po2: '+12' is not a decimal number" "$CAIRN" exec "$ELF" --segment-po2 +12
    expect 2 "--segment-po2: '12 ' is not a decimal number" "$CAIRN" exec "$ELF" --segment-po2 "12 "
    expect 2 "--segment-po2: -1 is out of range 4..24" "$CAIRN" exec "$ELF" --segment-po2 -1
    expect 2 "--max-input: -1 is out of range" "$CAIRN" exec "$ELF" --max-input -1
    expect 2 "--max-input: '1G' is not a decimal number" "$CAIRN" exec "$ELF" --max-input 1G
    expect 2 "no program given" "$CAIRN" exec
    expect 2 "unexpected argument" "$CAIRN" exec "$ELF" "$ELF"
    expect 0 "" "$CAIRN" exec "$ELF" --segment-po2 4 --max-cycles 1000 -q
    [ "$(cat "$W/out")" = hello ] || fail "exec did not print the journal: '$(cat "$W/out")'"

    # -o: refused before the run unless it is absent or a regular file in
    # an existing directory; nothing is replaced
    expect 2 "-o $W/missing/run.h5: directory $W/missing: No such file or directory" \
        "$CAIRN" exec "$ELF" -o "$W/missing/run.h5"
    not_run
    mkdir "$W/dir"
    expect 2 "-o $W/dir: a directory" "$CAIRN" exec "$ELF" -o "$W/dir"
    not_run
    [ -d "$W/dir" ] || fail "-o replaced a directory"
    mkfifo "$W/fifo.h5"
    expect 2 "-o $W/fifo.h5: a FIFO" "$CAIRN" exec "$ELF" -o "$W/fifo.h5"
    not_run
    [ -p "$W/fifo.h5" ] || fail "-o replaced a FIFO"
    # a device node like /dev/null: made here as root (who could replace
    # it); otherwise the FIFO above stands for it
    if mknod "$W/null" c 1 3 2>/dev/null; then
        expect 2 "-o $W/null: a character device" "$CAIRN" exec "$ELF" -o "$W/null"
        not_run
        [ -c "$W/null" ] || fail "-o replaced a device node"
    else
        echo "note: not root: -o on a device node checked with a FIFO only" >&2
    fi
    ln -s "$W/target.h5" "$W/link.h5"
    expect 2 "a symbolic link" "$CAIRN" exec "$ELF" -o "$W/link.h5"
    not_run
    expect 0 "" "$CAIRN" exec "$ELF" -o "$W/run.h5" -q
    [ -f "$W/run.h5" ] || fail "-o did not write $W/run.h5"
    expect 0 "" "$CAIRN" exec "$ELF" -o "$W/run.h5" -q   # a regular file is replaced

    # --input: a directory at once, over --max-input with the limit named
    expect 2 "--input $W/dir: is a directory" "$CAIRN" exec "$ELF" --input "$W/dir"
    not_run
    head -c 1000 /dev/zero >"$W/in1000"
    expect 2 "--input $W/in1000: 1000 bytes, over the limit of 999 bytes (--max-input)" \
        "$CAIRN" exec "$ELF" --input "$W/in1000" --max-input 999
    not_run
    expect 0 "" "$CAIRN" exec "$ELF" --input "$W/in1000" --max-input 1000 -q
    expect 2 "--input $W/none: No such file or directory" "$CAIRN" exec "$ELF" --input "$W/none"
    # stdin and a FIFO are read up to the limit, then refused
    CHECKS=$((CHECKS + 1))
    head -c 5000 /dev/zero | "$CAIRN" exec "$ELF" --input - --max-input 4096 >"$W/out" 2>"$W/err"
    st=$?
    [ $st = 2 ] && grep -qF "more than the limit of 4096 bytes (--max-input)" "$W/err" \
        || fail "stdin over --max-input: status $st, $(cat "$W/err")"
    not_run
    CHECKS=$((CHECKS + 1))
    head -c 4096 /dev/zero | "$CAIRN" exec "$ELF" --input - --max-input 4096 -q >"$W/out" 2>"$W/err" \
        || fail "stdin at --max-input refused: $(cat "$W/err")"
    mkfifo "$W/in.fifo"
    (head -c 100000 /dev/zero >"$W/in.fifo") 2>/dev/null &
    expect 2 "--input $W/in.fifo: more than the limit of 65536 bytes" \
        "$CAIRN" exec "$ELF" --input "$W/in.fifo" --max-input 65536
    not_run
    wait

    # inspect
    expect 2 "" "$CAIRN" inspect "$W/none.h5"
    expect 2 "no file given" "$CAIRN" inspect
    expect 2 "unknown option '--bogus'" "$CAIRN" inspect "$W/run.h5" --bogus
    expect 0 "" "$CAIRN" inspect "$W/run.h5"
}

# json_last FILE WHAT: the last line of FILE is one JSON error object with
# status 2 (stdout of most commands; stderr of exec, where its summary goes).
json_error()
{
    local file=$1
    shift
    CHECKS=$((CHECKS + 1))
    if ! tail -n 1 "$file" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
assert isinstance(d, dict) and isinstance(d["error"], str) and d["error"], d
assert isinstance(d["code"], str) and d["status"] == 2, d
' 2>"$W/pyerr"; then
        fail "$*: last line of $(basename "$file") is not a JSON error object: $(tail -n 1 "$file"); $(tail -n 1 "$W/pyerr")"
    fi
}

# json_whole FILE WHAT: FILE is exactly one JSON object.
json_whole()
{
    local file=$1
    shift
    CHECKS=$((CHECKS + 1))
    "$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); assert isinstance(d, dict)' "$file" \
        2>"$W/pyerr" || fail "$*: output is not one JSON object: $(head -c 300 "$file"); $(tail -n 1 "$W/pyerr")"
}

json_cases()
{
    if [ -z "$PY" ] || ! "$PY" -c 'import json' 2>/dev/null; then
        echo "python3 not found: --json output not checked" >&2
        exit 77
    fi
    # commands whose JSON goes to stdout: stdout is one error object
    expect 2 "" "$CAIRN" bench stark --queries -5 --json
    json_whole "$W/out" "bench stark --queries -5 --json"
    json_error "$W/out" "bench stark --queries -5 --json"
    expect 2 "" "$CAIRN" bench stark --json --log-rows abc
    json_whole "$W/out" "bench stark --log-rows abc"
    expect 2 "" "$CAIRN" bench stark --json --preset nope
    json_whole "$W/out" "bench stark --preset nope"
    expect 2 "" "$CAIRN" bench exec --json --segment-po2 abc
    json_whole "$W/out" "bench exec --segment-po2 abc"
    expect 2 "" "$CAIRN" bench exec --json "$W"
    json_whole "$W/out" "bench exec DIR"
    expect 2 "" "$CAIRN" bench primitives --json --bogus
    json_whole "$W/out" "bench primitives --bogus"
    expect 2 "" "$CAIRN" bench nope --json
    json_whole "$W/out" "bench nope"
    expect 2 "" "$CAIRN" nope --json
    json_whole "$W/out" "cairn nope"
    expect 2 "" "$CAIRN" inspect "$W/none.h5" --json
    json_whole "$W/out" "inspect missing file"
    json_error "$W/out" "inspect missing file"
    printf 'not hdf5 "quoted"\n' >"$W/bad.h5"
    expect 2 "" "$CAIRN" inspect --json "$W/bad.h5"
    json_whole "$W/out" "inspect a file that is not HDF5"
    expect 2 "" "$CAIRN" inspect --json
    json_whole "$W/out" "inspect without a file"
    # the final proof's commands (issue 10)
    expect 2 "" "$CAIRN" verify --proof "$W/bad.h5" --json
    json_whole "$W/out" "verify --proof of a file that is not one"
    json_error "$W/out" "verify --proof of a file that is not one"
    expect 2 "" "$CAIRN" verify --proof "$W/none.proof" --json
    json_whole "$W/out" "verify --proof of a missing file"
    expect 2 "" "$CAIRN" export "$W/none.h5" -o "$W/x.proof" --json
    json_whole "$W/out" "export of a missing job file"
    json_error "$W/out" "export of a missing job file"
    expect 2 "" "$CAIRN" export "$W/bad.h5" --json
    json_whole "$W/out" "export without -o"

    # exec: its JSON (summary or error) is the last line of stderr
    expect 2 "" "$CAIRN" exec "$ELF" --json --segment-po2 abc
    json_error "$W/err" "exec --segment-po2 abc"
    expect 2 "" "$CAIRN" exec "$ELF" --json -o "$W/missing/x.h5"
    json_error "$W/err" "exec -o missing/x.h5"
    not_run
    expect 2 "" "$CAIRN" exec "$ELF" --json --input "$W"
    json_error "$W/err" "exec --input DIR"
    expect 2 "" "$CAIRN" exec "$W/bad.h5" --json
    json_error "$W/err" "exec of a file that is not ELF"
    expect 0 "" "$CAIRN" exec "$ELF" --json
    CHECKS=$((CHECKS + 1))
    tail -n 1 "$W/err" | "$PY" -c 'import json, sys; d = json.load(sys.stdin); assert d["status"] == 0' \
        || fail "exec --json summary: $(tail -n 1 "$W/err")"

    # successful runs still print one valid object, a path with a quote
    # and a backslash in it included
    cp "$ELF" "$W/a\"b\\c.elf"
    expect 0 "" "$CAIRN" bench exec "$W/a\"b\\c.elf" --segment-po2 10 --json
    json_whole "$W/out" "bench exec of a program whose name holds a quote"
    expect 0 "" "$CAIRN" bench stark --machine fib --log-rows 6 --preset test --json
    json_whole "$W/out" "bench stark --json"
}

case $MODE in
status) status_cases ;;
json) json_cases ;;
*)
    echo "usage: run_cli.sh CAIRN MKELF status|json [PYTHON3]" >&2
    exit 2
    ;;
esac
echo "$CHECKS checks, $FAILURES failed" >&2
[ $FAILURES = 0 ]
