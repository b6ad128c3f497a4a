#!/usr/bin/env bash
# Resuming cairn prove jobs and crash consistency (issue 9; jobs/jobs.h):
#
#   run_resume.sh CAIRN MKELF JOBCRASH ref DIR     the fixture: the test
#       programs and an uninterrupted proof of the 4-segment loop (preset
#       test, segments of 2^10, a checkpoint whenever the proven prefix
#       doubles) in DIR, with its verified claim and its storage steps
#   run_resume.sh CAIRN MKELF JOBCRASH resume DIR  a run killed after two
#       stored proofs; another program, input, preset, parameters or
#       segment size refused naming the difference; damaged records set
#       aside and redone; --resume proves only what is missing (JSON events
#       counted) and ends with the fixture's claim; a finished job resumed
#       again reuses everything; a truncated job file is refused and left
#       as it is; a faulting guest leaves nothing
#   run_resume.sh CAIRN MKELF JOBCRASH crash DIR   SIGKILL at >= 50 random
#       storage steps (seed printed; CAIRN_TEST_SEED replays one) of the
#       storage calls cairn prove makes, replayed by cli_jobcrash without
#       proving, and at a few random steps of cairn prove itself: every
#       time the job opens, holds only complete results equal to the
#       fixture's, and resuming finishes it with the fixture's claim
#
# The set-up (work directory, expect, json_field, fail/pass/finish) is
# tests/guest/lib.sh's.
. "$(dirname "$0")/../guest/lib.sh" "$1" -
MKELF=$2
JOBCRASH=$3
MODE=$4
DIR=$5
START=$(date +%s)
PROVE=(--segment-po2 10 --preset test --no-fold)
# KILLED CMD...: runs CMD in a shell of its own, which reports the SIGKILL
# (status 137) into the command's stderr rather than this script's log
KILLED=(bash -c '"$@"; exit $?' killed)

# same_claim NAME JOB: JOB verifies with the fixture's claim
same_claim()
{
    same_claim_as "$1" "$2" "$DIR/ref.claim" && pass
}

# events NAME: how many JSON events of that name $WORK/err holds
events() { grep -c "\"event\": \"$1\"" "$WORK/err"; }

# expect_events NAME COUNT...: event counts of the last command
expect_events()
{
    local what=$1
    shift
    while [ $# -gt 0 ]; do
        if [ "$(events "$1")" != "$2" ]; then
            fail "$what: $(events "$1") $1 events, expected $2"
            grep '"event"' "$WORK/err" | sed 's/^/    /' >&2
            return 1
        fi
        shift 2
    done
    pass
}

ref()
{
    rm -rf "$DIR"
    mkdir -p "$DIR" || exit 1
    "$MKELF" "$DIR/loop.elf" loop && "$MKELF" "$DIR/hello.elf" && "$MKELF" "$DIR/fault.elf" fault ||
        { echo "cannot write the test programs" >&2; exit 1; }
    # the kill hook set beyond the end only counts the steps
    expect 0 "" env CAIRN_TEST_KILL_AT=1000000000 "$CAIRN" prove "$DIR/loop.elf" "${PROVE[@]}" \
        -o "$DIR/ref.h5" --checkpoint 1 --json || exit 1
    expect_events "uninterrupted run" task_finished 4 checkpoint 3 segment_reused 0
    sed -n 's/.*test: \([0-9]*\) storage steps.*/\1/p' "$WORK/err" >"$DIR/ref.steps"
    [ -s "$DIR/ref.steps" ] || fail "cairn prove did not report its storage steps"
    [ ! -e "$DIR/ref.h5.d" ] || fail "the record folder is left after the job finished"
    claim_of "$DIR/ref.h5" >"$DIR/ref.claim"
    grep -q '"valid": true' "$DIR/ref.claim" || fail "the uninterrupted job does not verify"
}

resume()
{
    local J=$WORK/job.h5
    # a crash once two proofs are stored: 1 step makes the folder, 6 write
    # a record (job.rec, then each segment's), no checkpoints
    expect 137 "" "${KILLED[@]}" env CAIRN_TEST_KILL_AT=19 "$CAIRN" prove "$DIR/loop.elf" "${PROVE[@]}" -o "$J" \
        --checkpoint 0 --json
    local recs
    recs=$(cd "$J.d" 2>/dev/null && ls | tr '\n' ' ')
    [ "$recs" = "job.rec seg-000000000.rec seg-000000001.rec " ] || fail "after the kill $J.d holds '$recs'"
    [ ! -e "$J" ] || fail "a job file exists before any checkpoint"
    cp -r "$J.d" "$WORK/saved.d"

    # refused, naming the difference; nothing is changed
    printf x >"$WORK/other.in"
    expect 2 "holds the records of an unfinished job" "$CAIRN" prove "$DIR/loop.elf" "${PROVE[@]}" -o "$J"
    expect 2 "program: the job was made from another ELF" "$CAIRN" prove "$DIR/hello.elf" "${PROVE[@]}" \
        -o "$J" --resume
    expect 2 "input: the job was made with another private input" "$CAIRN" prove "$DIR/loop.elf" "${PROVE[@]}" \
        --input "$WORK/other.in" -o "$J" --resume
    expect 2 "preset: the job has test, this request conjectured-100" "$CAIRN" prove "$DIR/loop.elf" \
        --segment-po2 10 --preset conjectured-100 -o "$J" --resume
    expect 2 "segment size: the job has --segment-po2 10, this request 11" "$CAIRN" prove "$DIR/loop.elf" \
        --segment-po2 11 --preset test -o "$J" --resume
    expect 2 "\"status\": 2" "$CAIRN" prove "$DIR/hello.elf" "${PROVE[@]}" -o "$J" --resume --json
    diff -r "$J.d" "$WORK/saved.d" >/dev/null || fail "a refused resume changed $J.d"

    # damaged records: set aside, reported, redone (killed once segment 0
    # is proven again: steps 1 and 2 set the two records aside)
    local C=$WORK/damaged.h5
    cp -r "$WORK/saved.d" "$C.d"
    printf '\xee' | dd of="$C.d/seg-000000000.rec" bs=1 seek=1000 conv=notrunc status=none
    truncate -s 100 "$C.d/seg-000000001.rec"
    expect 137 "" "${KILLED[@]}" env CAIRN_TEST_KILL_AT=3 "$CAIRN" prove "$DIR/loop.elf" "${PROVE[@]}" -o "$C" --resume --json
    expect_events "damaged records" segment_ignored 2 segment_reused 0
    grep -q '"event": "task_finished", "task": "prove", "segment": 0' "$WORK/err" ||
        fail "segment 0 was not proven again after its record was set aside"
    grep -q 'checksum mismatch' "$WORK/err" || fail "the flipped record is not reported as a checksum mismatch"
    [ -e "$C.d/seg-000000000.rec.bad" ] && [ -e "$C.d/seg-000000001.rec.bad" ] ||
        fail "the damaged records were not kept as .bad"

    # --resume proves only the two missing segments
    expect 0 "" "$CAIRN" prove "$DIR/loop.elf" "${PROVE[@]}" -o "$J" --resume --json
    expect_events "resume after the crash" segment_reused 2 task_finished 2 segment_ignored 0
    [ "$(cat "$WORK/out")" = hello ] || fail "the resumed run did not print the journal"
    [ "$(json_field reused "$WORK/err")" = 2 ] && [ "$(json_field proven "$WORK/err")" = 2 ] ||
        fail "the summary does not count 2 reused and 2 proven segments"
    [ ! -e "$J.d" ] || fail "the record folder is left after the job finished"
    same_claim "resumed job" "$J"

    # a finished job resumed: nothing proven, the same file
    expect 0 "" "$CAIRN" prove "$DIR/loop.elf" "${PROVE[@]}" -o "$J" --resume --json
    expect_events "finished job resumed" segment_reused 4 task_finished 0
    same_claim "finished job resumed" "$J"

    # a truncated job file is refused and left as it is
    head -c 5000 "$J" >"$WORK/trunc.h5"
    cp "$WORK/trunc.h5" "$WORK/trunc.copy"
    expect 2 "the job file cannot be read" "$CAIRN" prove "$DIR/loop.elf" "${PROVE[@]}" -o "$WORK/trunc.h5" \
        --resume
    cmp -s "$WORK/trunc.h5" "$WORK/trunc.copy" || fail "the truncated job file was changed"
    [ ! -e "$WORK/trunc.h5.d" ] || fail "a refused resume made a record folder"

    # a guest fault: nothing proven, nothing kept
    expect 132 "guest fault" "$CAIRN" prove "$DIR/fault.elf" "${PROVE[@]}" -o "$WORK/fault.h5"
    [ ! -e "$WORK/fault.h5" ] && [ ! -e "$WORK/fault.h5.d" ] || fail "a faulting guest left a job"
}

crash()
{
    # 60 in the release build (make test); fewer in the sanitizer build,
    # which looks for memory errors in the same paths and runs ~4x slower
    local seed=${CAIRN_TEST_SEED:-20260905} kills=60 prove_kills=3
    if [ "${CAIRN_SANITIZE_RUN:-}" = 1 ]; then kills=20 prove_kills=1; fi
    echo "seed: $seed (CAIRN_TEST_SEED replays it)" >&2
    RANDOM=$seed
    local REF=$DIR/ref.h5 FULL=$WORK/full.h5 K=$WORK/k.h5
    expect 0 "steps:" "$JOBCRASH" replay "$REF" "$FULL" "$seed" || return
    local steps
    steps=$(sed -n 's/^steps: //p' "$WORK/out")
    same_claim "replayed job" "$FULL"
    echo "storage replay: $steps steps; $kills kills" >&2
    local i n
    for ((i = 1; i <= kills; i++)); do
        n=$((1 + RANDOM % steps))
        rm -rf "$K" "$K.d"
        expect 137 "" "${KILLED[@]}" env CAIRN_TEST_KILL_AT=$n "$JOBCRASH" replay "$REF" "$K" "$seed" ||
            { echo "  (kill $i at step $n)" >&2; continue; }
        if ! expect 0 "stored:" "$JOBCRASH" probe "$REF" "$K" "$seed"; then
            echo "  (kill $i at step $n)" >&2
            continue
        fi
        # cairn verify refuses a checkpoint, naming it
        if grep -q "file: checkpoint" "$WORK/out"; then
            expect 2 "an unfinished job (a checkpoint of" "$CAIRN" verify "$K"
        fi
        if ! expect 0 "stored:" "$JOBCRASH" check "$REF" "$K" "$seed"; then
            echo "  (kill $i at step $n)" >&2
            continue
        fi
        cmp -s "$K" "$FULL" || fail "kill $i at step $n: the completed job file differs from the uninterrupted one"
        [ ! -e "$K.d" ] || fail "kill $i at step $n: the record folder is left after the job finished"
        # the job files are equal byte for byte; verify some all the same
        if [ $((i % 20)) = 0 ]; then same_claim "kill $i at step $n" "$K"; fi
    done

    # cairn prove itself, killed at random steps and resumed each time
    local psteps P=$WORK/p.h5
    psteps=$(cat "$DIR/ref.steps")
    for ((i = 1; i <= prove_kills; i++)); do
        n=$((1 + RANDOM % psteps))
        echo "cairn prove kill $i at step $n of $psteps" >&2
        "${KILLED[@]}" env CAIRN_TEST_KILL_AT=$n "$CAIRN" prove "$DIR/loop.elf" "${PROVE[@]}" -o "$P" --resume \
            --checkpoint 1 -q >/dev/null 2>"$WORK/err" </dev/null
        local st=$?
        [ $st = 137 ] || [ $st = 0 ] || fail "cairn prove kill $i at step $n: exit status $st"
        [ $st = 0 ] && break
        # its proofs are deterministic: what is stored is the fixture's
        expect 0 "stored:" "$JOBCRASH" probe "$REF" "$P" "$seed"
    done
    expect 0 "" "$CAIRN" prove "$DIR/loop.elf" "${PROVE[@]}" -o "$P" --resume --checkpoint 1 --json
    expect_events "cairn prove resumed after kills" segment_ignored 0
    same_claim "cairn prove resumed after kills" "$P"
}

case $MODE in
ref) ref ;;
resume) resume ;;
crash) crash ;;
*) echo "unknown mode $MODE" >&2; exit 2 ;;
esac
echo "$(($(date +%s) - START)) s" >&2
finish
