#!/usr/bin/env bash
# cairn prove under mpirun (issue 9): the command users run, end to end,
# on the hand-encoded loop (about 4000 cycles) in segments of 2^8 with the
# test preset (16 segments; 8 of 2^9 in the sanitizer run):
#
#   - one process (no launcher): the reference job, its verified claim and
#     journal;
#   - mpirun -np 3: exit 0, the same journal on stdout, a job file that
#     verifies with the reference's claim, workers (ranks 1, 2) proved some
#     segments and their rank is stored; the JSON events name the ranks;
#   - a worker that returns corrupted proofs (CAIRN_TEST_WORKER_CORRUPT):
#     its proofs are rejected (retry events), the job still ends with the
#     reference's claim;
#   - every rank fails every task (CAIRN_TEST_WORKER_FAIL): the job stops
#     at the retry bound (exit 2) with its job stored, --resume finishes it;
#   - a worker killed by SIGKILL on its second task (no --enable-recovery:
#     Open MPI takes the job down): the job exits nonzero in bounded time
#     and the proof it returned before is stored; --resume under mpirun
#     reuses what is stored and ends with the reference's claim;
#   - a run that fits one segment of 2^14 at --segment-po2 16: a worker
#     proves it at 2^14 (the size comes with the hello);
#   - rank 0 cannot start (missing program) or --no-local without workers:
#     exit 2 naming the problem, no hang; a faulting guest: qemu's status
#     (132) and no job file.
#
# Exits 77 (a skip) when mpirun is missing or cannot start two ranks.
# The set-up (work directory, expect, json_field, fail/pass/finish) is
# tests/guest/lib.sh's.
. "$(dirname "$0")/../guest/lib.sh" "$1" -
MKELF=$2
MPIRUN=$3

if [ -z "$MPIRUN" ] || ! command -v "$MPIRUN" >/dev/null 2>&1; then
    echo "SKIP: mpirun not found" >&2
    exit 77
fi
FLAGS=(--oversubscribe --bind-to none)
[ "$(id -u)" = 0 ] && FLAGS+=(--allow-run-as-root)
# every rank proves with one thread: three ranks share 2 cores
export OMP_NUM_THREADS=1
# sanitizer build: Open MPI's own allocations are not ours (as tests/mpi)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
unset CAIRN_TEST_WORKER_CORRUPT CAIRN_TEST_WORKER_FAIL CAIRN_TEST_WORKER_KILL CAIRN_TEST_WORKER_STALL \
    CAIRN_TEST_WORKER_VK
MPI=(timeout -k 10 600 "$MPIRUN" "${FLAGS[@]}")
if ! timeout -k 5 60 "$MPIRUN" "${FLAGS[@]}" -np 2 "$CAIRN" --version >"$WORK/probe" 2>&1; then
    echo "SKIP: mpirun cannot start 2 ranks here:" >&2
    sed 's/^/    /' "$WORK/probe" >&2
    exit 77
fi
# segments of 2^8 (16 of them); 2^9 (8) in the sanitizer run, where
# every proof costs ~5x: the checks below need 8 segments at most
PO2=8
[ "${CAIRN_SANITIZE_RUN:-}" = 1 ] && PO2=9
PROVE=(--segment-po2 $PO2 --preset test --no-fold)
"$MKELF" "$WORK/loop.elf" loop && "$MKELF" "$WORK/fault.elf" fault ||
    { echo "cannot write the test programs" >&2; exit 1; }

# same_as_ref NAME JOB: JOB verifies with the reference's claim, and the
# last command's stdout is the reference's journal
same_as_ref()
{
    same_claim_as "$1" "$2" "$WORK/ref.claim" || return 1
    cmp -s "$WORK/out" "$WORK/ref.journal" || { fail "$1: the journal on stdout differs"; return 1; }
    pass
}

# count REGEX: lines of the last command's stderr matching REGEX
count() { grep -cE -- "$1" "$WORK/err"; }

# the reference, without a launcher
expect 0 "" "$CAIRN" prove "$WORK/loop.elf" "${PROVE[@]}" -o "$WORK/ref.h5" --json || finish
cp "$WORK/out" "$WORK/ref.journal"
cp "$WORK/err" "$WORK/ref.err"
claim_of "$WORK/ref.h5" >"$WORK/ref.claim"
grep -q '"valid": true' "$WORK/ref.claim" || fail "the reference job does not verify"
NSEG=$(json_field segments "$WORK/err")
[ "${NSEG:-0}" -ge 8 ] || fail "the reference has ${NSEG:-no} segments, expected at least 8"
[ "$(count '"event": "task_finished".*"rank": 0')" = "$NSEG" ] || fail "one process: not every task on rank 0"

# three ranks
expect 0 "" "${MPI[@]}" -np 3 "$CAIRN" prove "$WORK/loop.elf" "${PROVE[@]}" -o "$WORK/np3.h5" --json &&
    same_as_ref "mpirun -np 3" "$WORK/np3.h5"
[ "$(count '"event": "task_finished"')" = "$NSEG" ] || fail "mpirun -np 3: not one task_finished per segment"
[ "$(count '"event": "rank_ready"')" = 2 ] || fail "mpirun -np 3: two workers did not say hello"
[ "$(count '"event": "task_finished".*"rank": [12],')" -ge 1 ] || fail "mpirun -np 3: no worker proved anything"
[ "$(json_field ranks "$WORK/err")" = 3 ] || fail "mpirun -np 3: the summary does not count 3 ranks"
# who proved what is in the job file
"$CAIRN" inspect "$WORK/np3.h5" --json >"$WORK/np3.inspect" 2>&1 || fail "cairn inspect np3.h5 failed"

# a corrupting worker: rejected, retried elsewhere, same claim (left out
# of the sanitizer run, make test-sanitize, to bound its time: mpi_corrupt
# checks the same rejection in coord_run there)
if [ "${CAIRN_SANITIZE_RUN:-}" != 1 ]; then
    expect 0 "" env CAIRN_TEST_WORKER_CORRUPT=1 "${MPI[@]}" -np 3 "$CAIRN" prove "$WORK/loop.elf" "${PROVE[@]}" \
        -o "$WORK/corrupt.h5" --json && same_as_ref "corrupting worker" "$WORK/corrupt.h5"
    [ "$(count '"event": "retry".*"rank": 1, .*"why": "rejected"')" -ge 1 ] ||
        fail "corrupting worker: no rejected attempt of rank 1 reported"
    [ "$(count '"event": "task_finished".*"rank": 1,')" = 0 ] || fail "corrupting worker: a proof of rank 1 was stored"
fi

# memory (coord.h "Memory"): a node that holds two provers but not three
# (CAIRN_MEM_LIMIT plays its size): the third rank is turned away naming
# the host, the job ends with two; left out of the sanitizer run (a full
# job more). Alone, a process that cannot hold one proof stops at once.
NEED=$(json_field mem_need_mb <(grep '"event": "done"' "$WORK/ref.err"))
if [ "${CAIRN_SANITIZE_RUN:-}" != 1 ] && [ -n "$NEED" ]; then
    LIMIT=$(python3 -c "print(int(float('$NEED') * 2.5 * 1048576))")
    expect 0 "" env CAIRN_MEM_LIMIT="$LIMIT" "${MPI[@]}" -np 3 "$CAIRN" prove "$WORK/loop.elf" "${PROVE[@]}" \
        -o "$WORK/mem.h5" --json && same_as_ref "two provers per node" "$WORK/mem.h5"
    [ "$(count '"event": "rank_out".*"reason": "host .*start fewer ranks per node')" = 1 ] ||
        fail "node memory: not one rank turned away naming its host"
fi
[ -n "$NEED" ] || fail "the reference's done event has no mem_need_mb"
expect 2 "may hold 0.00 GiB" env CAIRN_MEM_LIMIT=1M "$CAIRN" prove "$WORK/loop.elf" "${PROVE[@]}" -o "$WORK/small.h5"
[ ! -e "$WORK/small.h5.d" ] || fail "a process too small for one proof made a job"

# every attempt fails: the job stops at the retry bound, resumable
expect 2 "3 failed attempts" env CAIRN_TEST_WORKER_FAIL=all "${MPI[@]}" -np 2 "$CAIRN" prove "$WORK/loop.elf" \
    "${PROVE[@]}" -o "$WORK/fail.h5" --json
[ "$(count '"event": "retry"')" -ge 3 ] || fail "failing ranks: fewer than 3 retry events"
grep -q 'continue with --resume' "$WORK/err" || fail "failing ranks: no word on --resume"
[ -d "$WORK/fail.h5.d" ] || fail "failing ranks: the job's record folder is gone"
expect 0 "" "${MPI[@]}" -np 2 "$CAIRN" prove "$WORK/loop.elf" "${PROVE[@]}" -o "$WORK/fail.h5" --resume --json &&
    same_as_ref "resumed after the failures" "$WORK/fail.h5"

# a worker killed: the job goes down, what it delivered is stored, resume
t0=$(date +%s)
"${MPI[@]}" -np 2 env CAIRN_TEST_WORKER_KILL=1:1 "$CAIRN" prove "$WORK/loop.elf" "${PROVE[@]}" \
    -o "$WORK/kill.h5" --no-local --json >"$WORK/out" 2>"$WORK/err" </dev/null
st=$?
secs=$(($(date +%s) - t0))
if [ $st = 0 ] || [ $st = 124 ]; then fail "killed worker: exit status $st"; else pass; fi
[ $secs -le 300 ] || fail "killed worker: the job took $secs s to go down"
[ "$(count '"event": "task_finished".*"rank": 1,')" = 1 ] || fail "killed worker: its first proof was not stored"
ls "$WORK/kill.h5.d"/seg-*.rec >/dev/null 2>&1 || fail "killed worker: no segment record stored"
expect 0 "" "${MPI[@]}" -np 2 "$CAIRN" prove "$WORK/loop.elf" "${PROVE[@]}" -o "$WORK/kill.h5" --resume --json &&
    same_as_ref "resumed after the kill" "$WORK/kill.h5"
[ "$(count '"event": "segment_reused"')" -ge 1 ] || fail "resume: nothing stored was reused"
[ "$(( $(count '"event": "segment_reused"') + $(count '"event": "task_finished"') ))" = "$NSEG" ] ||
    fail "resume: reused + proven is not every segment"

# a run that fits one smaller segment (jobs_fit_po2): the workers take
# the size from rank 0's hello, not from their command line
expect 0 "fits one segment of 2^14 cycles" "${MPI[@]}" -np 2 "$CAIRN" prove "$WORK/loop.elf" --segment-po2 16 \
    --preset test --no-fold --no-local -o "$WORK/fit.h5" --json
[ "$(count '"event": "task_finished".*"rank": 1,')" = 1 ] || fail "fitted size: the worker did not prove the segment"
expect 0 "" "$CAIRN" verify "$WORK/fit.h5" --json
[ "$(json_field segment_po2)" = 14 ] || fail "fitted size under mpirun: segments of 2^$(json_field segment_po2)"

# rank 0 cannot start: the workers are let go, status 2
expect 2 "program $WORK/missing.elf" "${MPI[@]}" -np 2 "$CAIRN" prove "$WORK/missing.elf" "${PROVE[@]}"
expect 2 "--no-local needs workers" "$CAIRN" prove "$WORK/loop.elf" "${PROVE[@]}" --no-local
# srun without an MPI plugin would start independent copies of the job
expect 2 "without an MPI plugin" env SLURM_STEP_NUM_TASKS=2 SLURM_PROCID=0 "$CAIRN" prove "$WORK/loop.elf" "${PROVE[@]}"
# a faulting guest: qemu's status, nothing kept
expect 132 "guest fault" "${MPI[@]}" -np 2 "$CAIRN" prove "$WORK/fault.elf" "${PROVE[@]}" -o "$WORK/fault.h5"
[ ! -e "$WORK/fault.h5" ] && [ ! -e "$WORK/fault.h5.d" ] || fail "a faulting guest left a job behind"
finish
