#!/usr/bin/env bash
# cairn submit and the checkpoint on a signal (issue 11), on the
# hand-encoded loop (about 4000 cycles: 16 segments of 2^8, preset test):
#
#   run_slurm.sh MODE CAIRN MKELF [MPIRUN]
#
#   signal      no Slurm: cairn prove gets SIGUSR1 (then SIGTERM) while it
#               proves: exit 3, the "stopped" event with the seconds the
#               checkpoint took, the proofs kept; --resume proves only the
#               rest and the job verifies. The same under mpirun -np 2
#               (the worker rank must survive the signal).
#   bad         no Slurm: cairn submit refuses bad input with exit 2 and a
#               message naming it, and submits nothing (a fake sbatch
#               records each call): missing ELF, unwritable or missing
#               folder, a job already stored (without --resume), values
#               that cannot stand on an #SBATCH line, --time not longer
#               than the lead, sbatch missing (CAIRN_SBATCH=/nonexistent)
#               or failing; --dry-run writes nothing; a path with spaces
#               and a quote is passed safely.
#   submit      a local Slurm (slurm/testslurm.sh): a 2-task job completes,
#               folds its segment proofs into a final proof (lifts and
#               joins over srun's ranks), and cairn verify accepts its job
#               file.
#   checkpoint  (this mode and cancel submit with --no-fold: they test the
#               requeue and resume of segment proofs, the fold's resume is
#               run_fold.sh's)
#               scancel --signal=USR1 --batch while the job runs: cairn
#               checkpoints, the script requeues the job (restart count 1
#               in the log), it resumes, proves only what was not stored,
#               and the job file verifies.
#   cancel      scancel of a running job, then cairn submit --resume of the
#               same job file: completes without proving a stored segment
#               again.
#
# The local-Slurm modes exit 77 (a skip) with the reason when Slurm cannot
# start here, and under CAIRN_SANITIZE_RUN=1: they test the batch script
# and the daemons, while the C code they run (the checkpoint, cairn
# submit) is what the signal and bad modes exercise under the sanitizers.
. "$(dirname "$0")/../guest/lib.sh" "$2" -
MODE=$1
MKELF=$3
MPIRUN=${4:-}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
export OMP_NUM_THREADS=1
# sanitizer build: Open MPI's own allocations are not ours (as tests/mpi)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
unset CAIRN_SBATCH CAIRN_TEST_WORKER_CORRUPT CAIRN_TEST_WORKER_FAIL CAIRN_TEST_WORKER_KILL \
    CAIRN_TEST_WORKER_STALL CAIRN_TEST_WORKER_VK CAIRN_TEST_KILL_AT
# the loop's 16 segments of 2^8 (checked in the submit mode); 8 of 2^9
# in the sanitizer run, where every proof costs ~5x
PO2=8 NSEG=16
[ "${CAIRN_SANITIZE_RUN:-0}" = 1 ] && PO2=9 NSEG=8
PROVE=(--segment-po2 $PO2 --preset test)
"$MKELF" "$WORK/loop.elf" loop || { echo "cannot write the test program" >&2; exit 1; }

# count REGEX FILE: lines of FILE matching REGEX
count() { grep -cE -- "$1" "$2"; }

# wait_for REGEX FILE SECONDS: until FILE has a line matching REGEX
wait_for()
{
    for _ in $(seq $(($3 * 10))); do
        grep -qE -- "$1" "$2" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# ---- no Slurm ----

# signal_run NAME SIG RESUME LAUNCHER...: cairn prove under LAUNCHER, SIG
# once the first proof is stored, then (RESUME=1) --resume
signal_run()
{
    local name=$1 sig=$2 resume=$3 job=$WORK/$1.h5
    shift 3
    rm -rf "$job" "$job.d"
    "$@" "$CAIRN" prove "$WORK/loop.elf" "${PROVE[@]}" --no-fold -o "$job" --json >"$WORK/out" 2>"$WORK/err" </dev/null &
    local pid=$! st
    if ! wait_for '"event": "task_finished"' "$WORK/err" 120; then
        fail "$name: no proof within 120 s"
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return
    fi
    kill -"$sig" "$pid"
    wait "$pid"
    st=$?
    if [ "$st" != 3 ]; then
        fail "$name: exit status $st after SIG$sig, expected 3"
        tail -5 "$WORK/err" >&2
        return
    fi
    pass
    grep -q "\"event\": \"stopped\", \"signal\": \"$sig\", \"seconds\": [0-9.]*" "$WORK/err" ||
        { fail "$name: no stopped event naming SIG$sig"; return; }
    local secs proven
    secs=$(json_field seconds <(grep '"event": "stopped"' "$WORK/err"))
    proven=$(count '"event": "task_finished"' "$WORK/err")
    echo "$name: checkpoint on SIG$sig took $secs s, $proven proofs stored" >&2
    [ "$(json_field outcome "$WORK/err")" = stopped ] || fail "$name: the summary's outcome is not 'stopped'"
    [ "$(json_field lost <(grep '"event": "stopped"' "$WORK/err"))" = 0 ] || fail "$name: proofs in flight lost"
    [ "$proven" -lt "$NSEG" ] || { fail "$name: everything was proven before the signal"; return; }
    [ -d "$job.d" ] || { fail "$name: no record folder kept"; return; }
    [ "$(find "$job.d" -name 'seg-*.rec' | wc -l)" = "$proven" ] || fail "$name: not one record per proof"
    # where the stopped job stands: cairn inspect reads its record folder
    # (no job file yet), text and JSON
    [ ! -e "$job" ] || fail "$name: a job file before the job is complete"
    "$CAIRN" inspect "$job" >"$WORK/inspect.txt" 2>&1 || fail "$name: cairn inspect of the stopped job failed"
    grep -q "^segments     $proven recorded: $proven proven, 0 executed" "$WORK/inspect.txt" ||
        { fail "$name: cairn inspect does not count the $proven stored proofs"; cat "$WORK/inspect.txt" >&2; }
    "$CAIRN" inspect --json "$job" >"$WORK/inspect.json" || fail "$name: cairn inspect --json of the stopped job failed"
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["in_progress"] and d["proven"] == int(sys.argv[2]) and len(d["segments"]) == int(sys.argv[2]), d
assert all(s["proven"] and s["seconds"] > 0 for s in d["segments"]), d
assert (len(d["attempts"]) == 1) == (sys.argv[3] == "usr1"), d' "$WORK/inspect.json" "$proven" "$name" ||
        fail "$name: cairn inspect --json of the stopped job is wrong"
    # a damaged record is named, status 2
    cp "$job.d/job.rec" "$WORK/job.rec.saved"
    printf 'X' | dd of="$job.d/job.rec" bs=1 seek=30 conv=notrunc 2>/dev/null
    expect 2 "job.rec" "$CAIRN" inspect "$job"
    cp "$WORK/job.rec.saved" "$job.d/job.rec"
    [ "$resume" = 1 ] || return
    expect 0 "" "$@" "$CAIRN" prove "$WORK/loop.elf" "${PROVE[@]}" --no-fold -o "$job" --resume --json || return
    [ "$(count '"event": "segment_reused"' "$WORK/err")" = "$proven" ] ||
        fail "$name: --resume reused $(count '"event": "segment_reused"' "$WORK/err") proofs, $proven were stored"
    [ "$(count '"event": "task_finished"' "$WORK/err")" = $((NSEG - proven)) ] ||
        fail "$name: --resume proved $(count '"event": "task_finished"' "$WORK/err"), expected $((NSEG - proven))"
    expect 0 "" "$CAIRN" verify "$job"
    # the two runs are the job's attempts when SLURM_JOB_ID is set (usr1),
    # none are recorded otherwise
    "$CAIRN" inspect --json "$job" >"$WORK/inspect.json"
    if [ "$name" = usr1 ]; then
        grep -q '"attempts":\[{"slurm_job_id":500,"restart_count":0,[^]]*{"slurm_job_id":500,"restart_count":0,' \
            "$WORK/inspect.json" || fail "$name: the job file does not list the two attempts of Slurm job 500"
    else
        grep -q '"attempts":\[\]' "$WORK/inspect.json" || fail "$name: attempts recorded outside Slurm"
    fi
}

mode_signal()
{
    signal_run usr1 USR1 1 env SLURM_JOB_ID=500 SLURM_RESTART_COUNT=0
    signal_run term TERM 0 env
    expect 2 "--checkpoint-wait: 0 is out of range" "$CAIRN" prove "$WORK/loop.elf" --checkpoint-wait 0
    if [ -n "$MPIRUN" ] && command -v "$MPIRUN" >/dev/null 2>&1; then
        local flags=(--oversubscribe --bind-to none)
        [ "$(id -u)" = 0 ] && flags+=(--allow-run-as-root)
        if timeout -k 5 60 "$MPIRUN" "${flags[@]}" -np 2 "$CAIRN" --version >"$WORK/probe" 2>&1; then
            # mpirun passes SIGUSR1 on to every rank (the signal goes to
            # mpirun itself: no timeout wrapper, CTest's TIMEOUT bounds it)
            signal_run mpi USR1 1 "$MPIRUN" "${flags[@]}" -np 2
        else
            echo "note: mpirun cannot start 2 ranks here; the MPI case is left out" >&2
        fi
    fi
}

mode_bad()
{
    local fake=$WORK/fake-sbatch calls=$WORK/sbatch-calls
    # a fake sbatch: records its arguments, answers as sbatch --parsable
    cat >"$fake" <<EOF
#!/bin/bash
printf '%s\n' "\$@" >>'$calls'
echo '---' >>'$calls'
if [ -n "\${FAKE_FAIL:-}" ]; then echo "sbatch: error: Batch job submission failed: Invalid partition name specified" >&2; exit 1; fi
echo '4242;cairntest'
EOF
    chmod +x "$fake"
    export CAIRN_SBATCH=$fake
    local S=("$CAIRN" submit "$WORK/loop.elf" "${PROVE[@]}")
    mkdir -p "$WORK/out dir"
    expect 2 "missing.elf" "$CAIRN" submit "$WORK/missing.elf" -o "$WORK/out dir/a.h5"
    expect 2 "no job file given" "${S[@]}"
    expect 2 "No such file" "${S[@]}" -o "$WORK/no such dir/a.h5"
    touch "$WORK/afile"
    expect 2 "Not a directory" "${S[@]}" -o "$WORK/afile/a.h5"
    if [ "$(id -u)" = 0 ]; then
        # root writes anywhere a mode allows: a folder no one can write
        expect 2 "-o" "${S[@]}" -o /proc/sys/a.h5
    else
        mkdir "$WORK/ro" && chmod 555 "$WORK/ro"
        expect 2 "-o" "${S[@]}" -o "$WORK/ro/a.h5"
    fi
    expect 2 "--input -" "${S[@]}" -o "$WORK/out dir/a.h5" --input -
    expect 2 "missing.txt" "${S[@]}" -o "$WORK/out dir/a.h5" --input "$WORK/missing.txt"
    expect 2 "--partition" "${S[@]}" -o "$WORK/out dir/a.h5" --partition 'a b'
    expect 2 "--mem" "${S[@]}" -o "$WORK/out dir/a.h5" --mem '4G#x'
    expect 2 "not a Slurm time" "${S[@]}" -o "$WORK/out dir/a.h5" --time 1:2:3:4
    expect 2 "not longer than --signal-lead" "${S[@]}" -o "$WORK/out dir/a.h5" --time 2:00
    expect 2 "--nodes: 0 is out of range" "${S[@]}" -o "$WORK/out dir/a.h5" --nodes 0
    expect 2 "--preset" "${S[@]}" -o "$WORK/out dir/a.h5" --preset nonsense
    expect 2 "%" "${S[@]}" -o "$WORK/out dir/a%j.h5"
    [ -e "$calls" ] && fail "sbatch was called for bad input"
    expect 2 "sbatch not found" env CAIRN_SBATCH=/nonexistent "${S[@]}" -o "$WORK/out dir/a.h5"
    expect 2 "Invalid partition name" env FAKE_FAIL=1 "${S[@]}" -o "$WORK/out dir/a.h5"
    # --json: the error as one JSON object on stdout
    expect 2 "" env CAIRN_SBATCH=/nonexistent "${S[@]}" -o "$WORK/out dir/a.h5" --json
    grep -q '"error": "sbatch not found' "$WORK/out" || fail "--json: no error object for a missing sbatch"
    # --dry-run: the script on stdout, nothing written or run
    rm -f "$calls"
    expect 0 "#SBATCH --requeue" "${S[@]}" -o "$WORK/out dir/d.h5" --dry-run --time 1:00:00 --ntasks-per-node 2 \
        --cpus-per-task 1 --partition test --signal-lead 30 || return
    for want in '#SBATCH --open-mode=append' '#SBATCH --signal=B:USR1@30' '#SBATCH --time=1:00:00' \
        '#SBATCH --ntasks-per-node=2' '#SBATCH --partition=test' 'srun --mpi=pmix' '--checkpoint-wait 15' \
        'scontrol requeue' 'OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}'; do
        grep -qF -- "$want" "$WORK/out" || fail "--dry-run: the script lacks '$want'"
    done
    [ -e "$WORK/out dir/d.sbatch" ] && fail "--dry-run wrote the script"
    [ -e "$calls" ] && fail "--dry-run ran sbatch"
    bash -n "$WORK/out" || fail "--dry-run: the script is not valid bash"
    # a job stored there already
    : >"$WORK/out dir/old.h5"
    expect 2 "--resume" "${S[@]}" -o "$WORK/out dir/old.h5"
    # a real submission to the fake: a path with spaces and a quote
    local dir="$WORK/it's a dir"
    mkdir -p "$dir"
    expect 0 "" "${S[@]}" -o "$dir/j.h5" -v -- --qos=high --comment 'x y' || return
    [ "$(cat "$WORK/out")" = 4242 ] || fail "submit: printed '$(cat "$WORK/out")', not the job ID 4242"
    [ -s "$dir/j.sbatch" ] || { fail "submit: no script next to the job file"; return; }
    grep -qxF -- "--output=$dir/j.log" "$calls" || fail "submit: --output of a path with spaces not on sbatch's command line"
    grep -qxF -- "x y" "$calls" || fail "submit: the extra sbatch arguments were not passed as given"
    [ "$(sed -n '1,/^---$/p' "$calls" | tail -2 | head -1)" = "$dir/j.sbatch" ] ||
        fail "submit: the script is not sbatch's last argument"
    # the script's quoted job path reads back as the path
    local got
    got=$(bash -c "$(grep '^JOB=' "$dir/j.sbatch"); printf '%s' \"\$JOB\"")
    [ "$got" = "$dir/j.h5" ] || fail "submit: the script's JOB is '$got', not '$dir/j.h5'"
    # the same again with the job there: --resume accepts it
    : >"$dir/j.h5"
    expect 2 "--resume" "${S[@]}" -o "$dir/j.h5"
    expect 0 "" "${S[@]}" -o "$dir/j.h5" --resume --json
    grep -q '"job_id": 4242' "$WORK/out" || fail "submit --json: no job_id"
}

# ---- a local Slurm ----

slurm_start()
{
    if [ "${CAIRN_SANITIZE_RUN:-0}" = 1 ]; then
        echo "SKIP: the local-Slurm tests run in the release build (see the top of this script)" >&2
        exit 77
    fi
    . "$SRC/slurm/testslurm.sh"
    slurm_up || exit 77
}

# submit_job JOB [cairn submit options]: prints the Slurm job ID
submit_job()
{
    local job=$1
    shift
    "$CAIRN" submit "$WORK/loop.elf" "${PROVE[@]}" -o "$job" --ntasks-per-node 2 --cpus-per-task 1 -q "$@" \
        2>"$WORK/submit.err"
}

# wait_done ID SECONDS: until the job has ended; fails unless COMPLETED
wait_done()
{
    slurm_wait_state "$1" "$2" COMPLETED FAILED CANCELLED TIMEOUT NODE_FAIL OUT_OF_MEMORY ||
        { fail "job $1 did not end within $2 s (state $(slurm_state "$1"))"; slurm_logs "$1"; return 1; }
    [ "$(slurm_state "$1")" = COMPLETED ] || { fail "job $1 ended $(slurm_state "$1")"; slurm_logs "$1"; return 1; }
    pass
}

# verified JOB LOG: cairn verify accepts JOB (LOG shown otherwise)
verified()
{
    if ! "$CAIRN" verify "$1" >"$WORK/verify.out" 2>&1; then
        fail "cairn verify refuses $1: $(tail -2 "$WORK/verify.out")"
        sed 's/^/    log: /' "$2" | tail -20 >&2
        return 1
    fi
    pass
}

# proved LOG: lines of LOG saying a segment was proven now
proved() { count '^cairn prove: segment [0-9]+: .* on rank [0-9]+' "$1"; }
reused() { count '^cairn prove: segment [0-9]+: .*stored proof reused' "$1"; }

mode_submit()
{
    slurm_start
    local job=$WORK/sub/job.h5 id
    mkdir -p "$WORK/sub"
    id=$(submit_job "$job") || { fail "cairn submit: $(cat "$WORK/submit.err")"; finish; }
    wait_done "$id" 240 || { sed 's/^/    log: /' "$WORK/sub/job.log" | tail -20 >&2; finish; }
    verified "$job" "$WORK/sub/job.log" || finish
    grep -q "the final proof verifies" "$WORK/verify.out" || fail "the job file has no final proof that verifies"
    [ "$(proved "$WORK/sub/job.log")" = "$NSEG" ] || fail "not $NSEG segments proven once each"
    [ "$(count 'on rank 1,' "$WORK/sub/job.log")" -ge 1 ] || fail "the second task (rank 1) proved nothing"
    grep -q "Slurm job $id, attempt 0" "$WORK/sub/job.log" || fail "the log does not name the job and attempt"
}

mode_checkpoint()
{
    slurm_start
    local job=$WORK/ck/job.h5 log=$WORK/ck/job.log id
    mkdir -p "$WORK/ck"
    id=$(submit_job "$job" --no-fold) || { fail "cairn submit: $(cat "$WORK/submit.err")"; finish; }
    # the signal once two proofs are stored
    wait_for '^cairn prove: segment [0-9]+: .* on rank.*' "$log" 120 &&
        sleep 1 || { fail "no proof within 120 s"; sed 's/^/    log: /' "$log" >&2; finish; }
    scancel --signal=USR1 --batch "$id" || { fail "scancel --signal=USR1 --batch $id failed"; finish; }
    # requeued: pending (BeginTime), restart count 1; start it now
    wait_for 'requeueing job' "$log" 120 || { fail "no requeue"; sed 's/^/    log: /' "$log" >&2; finish; }
    local before t_requeue
    t_requeue=$(date +%s%N)
    before=$(proved "$log")
    # requeued: Restarts=1 and pending until its BeginTime, which we clear
    local n=0
    until [ "$(slurm_restarts "$id")" = 1 ] && [ "$(slurm_state "$id")" = PENDING ]; do
        n=$((n + 1))
        [ $n -le 600 ] || { fail "job $id not pending with Restarts=1 after its requeue: $(slurm_state "$id")"; finish; }
        sleep 0.1
    done
    slurm_kick "$id"
    wait_done "$id" 240 || { sed 's/^/    log: /' "$log" | tail -30 >&2; finish; }
    verified "$job" "$log" || finish
    grep -q "Slurm job $id, attempt 1" "$log" || fail "no attempt 1 (SLURM_RESTART_COUNT) in the log"
    local secs
    secs=$(sed -n 's/^cairn prove: checkpoint on SIGUSR1 in \([0-9.]*\) s.*/\1/p' "$log")
    [ -n "$secs" ] || fail "the log does not say how long the checkpoint took"
    echo "checkpoint: $before proofs stored before the requeue, the checkpoint took ${secs:-?} s" >&2
    [ "$before" -ge 1 ] && [ "$before" -lt "$NSEG" ] || fail "$before proofs before the checkpoint"
    # nothing stored was proven again: every segment proven once in all,
    # the second attempt reused exactly what the first stored, and the
    # job file's task start times say the same
    [ "$(proved "$log")" = "$NSEG" ] || fail "$(proved "$log") proofs made in all, $NSEG segments"
    [ "$(reused "$log")" = "$before" ] || fail "the resumed attempt reused $(reused "$log"), $before were stored"
    local early
    early=$("$CAIRN" inspect --json "$job" | sed 's/.*"segments":\[//' | grep -o '"start_ns":[0-9]*' | cut -d: -f2 |
        awk -v t="$t_requeue" '$1 < t {n++} END {print n + 0}')
    [ "$early" = "$before" ] || fail "the job file has $early proofs from before the requeue, expected $before"
    # the attempts in the job file: Slurm job $id, restart counts 0 and 1,
    # each with the time it ran
    "$CAIRN" inspect --json "$job" >"$WORK/inspect.json"
    grep -q "\"attempts\":\[{\"slurm_job_id\":$id,\"restart_count\":0,[^]]*{\"slurm_job_id\":$id,\"restart_count\":1," \
        "$WORK/inspect.json" || fail "the job file does not record attempts 0 and 1 of Slurm job $id"
    grep -o '"used_ns":0,' "$WORK/inspect.json" && fail "an attempt without its time"
    "$CAIRN" inspect "$job" | grep -q "attempt 1: Slurm job $id, restart 1, started .*, ran [0-9.]* s" ||
        fail "cairn inspect does not show attempt 1"
}

mode_cancel()
{
    slurm_start
    local job=$WORK/cc/job.h5 log=$WORK/cc/job.log id id2
    mkdir -p "$WORK/cc"
    id=$(submit_job "$job" --no-fold) || { fail "cairn submit: $(cat "$WORK/submit.err")"; finish; }
    wait_for '^cairn prove: segment [0-9]+: .* on rank.*' "$log" 120 &&
        sleep 1 || { fail "no proof within 120 s"; finish; }
    scancel "$id"
    slurm_wait_state "$id" 60 CANCELLED || fail "job $id not cancelled: $(slurm_state "$id")"
    grep -q "requeueing job" "$log" && fail "job $id requeued itself after scancel"
    # the step is gone (KillWait 5 s) when the job has left COMPLETING
    sleep 6
    local stored
    stored=$(find "$job.d" -name 'seg-*.rec' 2>/dev/null | wc -l)
    [ "$stored" -ge 1 ] || { fail "nothing stored before scancel"; sed 's/^/    log: /' "$log" >&2; finish; }
    expect 2 "--resume" "$CAIRN" submit "$WORK/loop.elf" "${PROVE[@]}" -o "$job"
    id2=$(submit_job "$job" --no-fold --resume) || { fail "cairn submit --resume: $(cat "$WORK/submit.err")"; finish; }
    wait_done "$id2" 240 || { sed 's/^/    log: /' "$log" | tail -30 >&2; finish; }
    verified "$job" "$log" || finish
    sed -n "/Slurm job $id2, attempt 0/,\$p" "$log" >"$WORK/second.log"
    [ "$(reused "$WORK/second.log")" = "$stored" ] ||
        fail "the resubmitted job reused $(reused "$WORK/second.log") proofs, $stored were stored"
    [ "$(proved "$WORK/second.log")" = $((NSEG - stored)) ] ||
        fail "the resubmitted job proved $(proved "$WORK/second.log"), expected $((NSEG - stored))"
    echo "cancel: $stored proofs stored at scancel, reused by job $id2" >&2
    "$CAIRN" inspect --json "$job" >"$WORK/inspect.json"
    grep -q "\"attempts\":\[{\"slurm_job_id\":$id,\"restart_count\":0,[^]]*{\"slurm_job_id\":$id2,\"restart_count\":0," \
        "$WORK/inspect.json" || fail "the job file does not record the attempts of jobs $id and $id2"
}

case $MODE in
signal) mode_signal ;;
bad) mode_bad ;;
submit) mode_submit ;;
checkpoint) mode_checkpoint ;;
cancel) mode_cancel ;;
*) echo "unknown mode '$MODE'" >&2; exit 2 ;;
esac
finish
