#!/usr/bin/env bash
# The MPI layer end to end (coordinator/, worker/) through tests/mpi/mpi_prove,
# the segment test program at 2^10 with preset test (3 segments):
#
#   run_mpi.sh MPI_PROVE MPIRUN claims    mpirun -np 1, -np 2, -np 3 (workers
#                                         only) and a run without mpirun give
#                                         the per-segment claims and final state
#                                         of the reference without MPI (--serial)
#   run_mpi.sh MPI_PROVE MPIRUN corrupt   rank 1 returns corrupted proofs: they
#                                         are rejected, the task is retried on
#                                         rank 2, the job completes
#   run_mpi.sh MPI_PROVE MPIRUN fail      every rank fails every task: the job
#                                         stops at the retry bound (3), naming
#                                         the segment and the reasons, exit 1
#   run_mpi.sh MPI_PROVE MPIRUN refuse    a rank reports another verifying-key
#                                         digest: refused; the job completes on
#                                         the others, or, with no other prover,
#                                         stops naming it
#   run_mpi.sh MPI_PROVE MPIRUN kill      rank 1 raises SIGKILL on its second
#                                         task: the job exits nonzero within a
#                                         bounded time, and the result it
#                                         delivered before was sunk
#   run_mpi.sh MPI_PROVE MPIRUN recovery  under mpirun --enable-recovery, rank 2
#                                         dies on its first task: after the task
#                                         deadline (15 s) the task goes to rank
#                                         1 and the job's claims chain
#
# Exits 77 (a skip) when mpirun is missing or cannot start the ranks.
set -u
PROVE=$1
MPIRUN=$2
MODE=$3

if [ -z "$MPIRUN" ] || ! command -v "$MPIRUN" >/dev/null 2>&1; then
    echo "SKIP: mpirun not found" >&2
    exit 77
fi
FLAGS=(--oversubscribe --bind-to none -x OMP_NUM_THREADS=1)
[ "$(id -u)" = 0 ] && FLAGS+=(--allow-run-as-root)
# every rank proves with one thread: the tests run 3 ranks on 2 cores
export OMP_NUM_THREADS=1
# Sanitizer build (make test-sanitize, CAIRN_SANITIZE_RUN=1): Open MPI
# keeps memory until exit, and its plugins, built without frame pointers,
# leave LeakSanitizer stacks it cannot attribute: leaks are off for these
# runs (mpi_coord and mpi_msg check the same code without MPI, leaks
# included); ASan and UBSan stay on. Runs that repeat a configuration are
# left out there (marked below) to bound the time.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
SAN=${CAIRN_SANITIZE_RUN:-}
LIMIT=180
[ -n "$SAN" ] && LIMIT=600
unset CAIRN_TEST_WORKER_CORRUPT CAIRN_TEST_WORKER_FAIL CAIRN_TEST_WORKER_KILL CAIRN_TEST_WORKER_STALL \
    CAIRN_TEST_WORKER_VK

W=$(mktemp -d "${TMPDIR:-/tmp}/cairn-mpi-test.XXXXXX")
KEEP=0
trap 'if [ $KEEP = 0 ]; then rm -rf "$W"; else echo "files kept in $W" >&2; fi' EXIT
FAILURES=0
fail()
{
    echo "FAIL: $*" >&2
    FAILURES=$((FAILURES + 1))
    KEEP=1
}

if ! timeout -k 5 60 "$MPIRUN" "${FLAGS[@]}" -np 3 "$PROVE" --probe >"$W/probe" 2>&1; then
    echo "SKIP: mpirun cannot start 3 ranks here:" >&2
    sed 's/^/    /' "$W/probe" >&2
    exit 77
fi

# run NAME NP|- ARGS...: mpi_prove under mpirun -np NP (or without mpirun
# for -), stdout in $W/NAME.out, stderr in $W/NAME.err, status in $ST,
# seconds in $SECS. Bounded: a hang is a failure, not a stuck test.
run()
{
    local name=$1 np=$2
    shift 2
    local t0=$(date +%s)
    if [ "$np" = - ]; then
        timeout -k 10 $LIMIT "$PROVE" "$@" >"$W/$name.out" 2>"$W/$name.err" </dev/null
    else
        timeout -k 10 $LIMIT "$MPIRUN" "${FLAGS[@]}" -np "$np" "$PROVE" "$@" >"$W/$name.out" 2>"$W/$name.err" </dev/null
    fi
    ST=$?
    SECS=$(($(date +%s) - t0))
    if [ "$ST" = 124 ] || { [ "$ST" = 137 ] && [ "$SECS" -ge $LIMIT ]; }; then fail "$name: timed out after $SECS s"; fi
}

# claims NAME: the claims and final state of a run (not who proved what)
claims() { grep -E '^(segment|final|chain) ' "$W/$1.out"; }

show() { sed 's/^/    /' "$W/$1.err" "$W/$1.out" >&2; }

expect_ok()
{
    if [ "$ST" != 0 ]; then
        fail "$1 exited $ST"
        show "$1"
    elif ! grep -qx 'chain ok' "$W/$1.out"; then
        fail "$1: the claims do not chain"
        show "$1"
    fi
}

# has NAME FILE(out|err) REGEX
has()
{
    if ! grep -qE -- "$3" "$W/$1.$2"; then
        fail "$1: no line matching '$3' on std$2"
        show "$1"
    fi
}

case "$MODE" in
claims)
    run ref - --serial
    expect_ok ref
    [ "$(claims ref | grep -c '^segment ')" -ge 3 ] || fail "the reference run has fewer than 3 segments"
    cfgs=("single - " "np1 1 " "np2 2 " "np3 3 --no-local")
    [ -n "$SAN" ] && cfgs=("np2 2 " "np3 3 --no-local") # (sanitizer: 2 of 4)
    for cfg in "${cfgs[@]}"; do
        set -- $cfg
        name=$1 np=$2
        shift 2
        run "$name" "$np" "$@"
        expect_ok "$name"
        if ! diff <(claims ref) <(claims "$name") >"$W/$name.diff"; then
            fail "$name: claims differ from the run without MPI:"
            sed 's/^/    /' "$W/$name.diff" >&2
        fi
        echo "$name: $SECS s, $(grep -c '^sunk' "$W/$name.out") results" >&2
    done
    # with 3 ranks and no local prover, the workers proved everything
    has np3 out '^sunk segment 0 rank [12] '
    if grep -q '^sunk .* rank 0 ' "$W/np3.out"; then fail "np3: rank 0 proved with --no-local"; fi
    has np2 err 'ready: rank 1'
    ;;
corrupt)
    CAIRN_TEST_WORKER_CORRUPT=1 run corrupt 3 --no-local
    expect_ok corrupt
    has corrupt err 'rejected: segment [0-9]+ \(task [0-9]+, attempt 1\) rank 1: result rejected'
    has corrupt err 'refused: rank 1: quarantined'
    has corrupt out '^sunk segment [0-9]+ rank 2 attempt 2$'
    if grep -q '^sunk .* rank 1 ' "$W/corrupt.out"; then fail "corrupt: a result of rank 1 was accepted"; fi
    ;;
fail)
    CAIRN_TEST_WORKER_FAIL=all run fail 2
    [ "$ST" = 1 ] || { fail "fail: exited $ST, expected 1"; show fail; }
    has fail err 'segment [0-9]+ \(task [0-9]+\): 3 failed attempts, the bound: rank [01]: test hook CAIRN_TEST_WORKER_FAIL'
    if grep -q '^sunk' "$W/fail.out"; then fail "fail: a result was sunk"; fi
    echo "fail: stopped after $SECS s" >&2
    ;;
refuse)
    # rank 2 refused, the job goes on with ranks 0 and 1 (and mpirun does
    # not take it down: the refusing rank exits 0)
    if [ -z "$SAN" ]; then # (not under the sanitizer: a whole job)
        CAIRN_TEST_WORKER_VK=2 run refuse3 3
        expect_ok refuse3
        has refuse3 err 'refused: rank 2: refused: verifying-key digest'
        if grep -q '^sunk .* rank 2 ' "$W/refuse3.out"; then fail "refuse3: rank 2 proved"; fi
    fi
    # no other prover: the job stops naming the refused rank
    CAIRN_TEST_WORKER_VK=1 run refuse 2 --no-local
    [ "$ST" = 1 ] || { fail "refuse: exited $ST, expected 1"; show refuse; }
    has refuse err 'no rank left that can prove: rank 1: refused: verifying-key digest [0-9a-f]{64} .* differs from the coordinator'
    has refuse err 'rank 1 refuses to work'
    ;;
kill)
    CAIRN_TEST_WORKER_KILL=1:1 run kill 2 --no-local
    if [ "$ST" = 0 ]; then fail "kill: exited 0"; show kill; fi
    [ "$SECS" -le $((LIMIT / 2)) ] || fail "kill: took $SECS s to go down"
    has kill out '^sunk segment 0 rank 1 attempt 1$'
    has kill err 'SIGKILL after 1 tasks'
    if grep -q '^chain ok' "$W/kill.out"; then fail "kill: the job completed"; fi
    echo "kill: exit status $ST after $SECS s" >&2
    ;;
recovery)
    # Open MPI's --enable-recovery keeps the other ranks alive when one
    # dies (no notification): the coordinator's task deadline notices the
    # silent rank and hands its task to another; the job completes and
    # MPI_Finalize returns despite the dead rank.
    if ! timeout -k 5 60 "$MPIRUN" "${FLAGS[@]}" --enable-recovery -np 1 "$PROVE" --probe >"$W/probe" 2>&1; then
        echo "SKIP: mpirun --enable-recovery does not start here:" >&2
        sed 's/^/    /' "$W/probe" >&2
        exit 77
    fi
    FLAGS+=(--enable-recovery)
    # the deadline must exceed an honest proof on a loaded machine (one
    # thread; several times longer under the sanitizers)
    D=15
    [ -n "$SAN" ] && D=60
    CAIRN_TEST_WORKER_KILL=2:0 run recovery 3 --no-local --deadline $D
    expect_ok recovery
    has recovery err 'SIGKILL after 0 tasks'
    has recovery err "late: segment [0-9]+ \\(task [0-9]+, attempt 1\\) rank 2: no result within $D s"
    has recovery out '^sunk segment [0-9]+ rank 1 attempt 2$'
    has recovery err '1 unresponsive'
    # the surviving worker was told of the lost rank and skipped the
    # closing fence too (worker.h)
    has recovery err 'worker rank 1: 1 ranks lost, ending without MPI_Finalize'
    echo "recovery: exit status $ST after $SECS s" >&2
    ;;
*)
    echo "usage: run_mpi.sh MPI_PROVE MPIRUN claims|corrupt|fail|refuse|kill|recovery" >&2
    exit 2
    ;;
esac

if [ "$FAILURES" != 0 ]; then
    echo "$FAILURES failure(s)" >&2
    exit 1
fi
echo "ok: $MODE" >&2
exit 0
