#!/usr/bin/env bash
# The fold of cairn prove into one final proof, cairn verify of it,
# cairn export and cairn verify --proof (issue 10; docs/recursion.md "The
# pipeline"). Preset test (recursion preset test, shape rc-test):
#
#   run_fold.sh CAIRN MKELF JOBEDIT guest ELF INPUT PO2 NSEG [PRESET]
#       an example guest proven into NSEG segments of 2^PO2 (preset test,
#       or PRESET) folds into one final proof: cairn verify checks it
#       alone (journal and exit code as cairn exec's, cycles, the control
#       root printed), --segments checks the segment proofs, the export
#       verifies with --proof and gives the same claim
#   run_fold.sh CAIRN MKELF JOBEDIT resume
#       the 4-segment loop (2^10) killed (SIGKILL) once two lifts are
#       stored; --resume makes exactly the lifts and joins not stored and
#       reuses every stored one (counted: JSON events against the records
#       that were on disk; cairn inspect counts them); resumed again
#       once finished (cairn inspect: proven and folded), the stored final
#       proof is reused and nothing is made
#   run_fold.sh CAIRN MKELF JOBEDIT mpi MPIRUN
#       the fold under mpirun -np 2 --no-local (rank 1 runs every task:
#       segments, lifts, joins), the loop in 2 segments (2^11: the fewest
#       recursion proofs that have a join, to stay under a minute on 2
#       loaded cores; the tree's shapes are the one-process tests'): rank 1 forges
#       its lift results (CAIRN_TEST_WORKER_CORRUPT_TASK=lift): the first
#       is rejected, the rank quarantined and the job stops (no prover
#       left) with segment proofs stored and no lift; resumed with forged
#       joins: lifts are made and stored, the first join is rejected;
#       resumed honestly: the stored lifts are reused (none made again),
#       the missing lifts and the join made by rank 1, and cairn
#       verify accepts the final proof. Skips (77) without a working
#       mpirun.
#   run_fold.sh CAIRN MKELF JOBEDIT forge
#       the loop in 2 segments (2^11): bytes of the exported file altered
#       across the claim, the control root, the final state, the journal,
#       the proof and the header's kind and names make verify --proof exit
#       1; a truncated, extended or foreign file (and a wrong magic or
#       version) exit 2; a job file whose /proof claim (each part), proof
#       bytes or kind were altered, or whose journal, final state or image
#       ID do not match, exits 1 naming what failed; without /proof verify
#       checks the segments and export refuses; in a fresh key cache the
#       first verify builds the keys (miss) and the next reads the fold's
#       record (hit, the same control root), a damaged record is ignored
#       with a notice and rebuilt, CAIRN_KEY_CACHE=off builds them
#   run_fold.sh CAIRN MKELF JOBEDIT tail ELF [MPIRUN]
#       tails (rv_air.h): the SHA-256 guest ELF on 200 bytes at 2^15
#       (38,061 cycles) is a segment of 2^15 and a halted last one proven at
#       2^14, lifted by the tail's lift program and joined: the final
#       proof and the segments verify (the last at 2^14), cairn export too;
#       --resume once finished makes nothing; a claim of the tail at 2^13
#       (below the floor) or 2^15 (not its proof's), or of the first segment
#       at 2^16, fails verify --segments naming the segment; --exact-po2
#       proves the last at 2^15, and so does cairn bench prove (2^14
#       without it); under mpirun -np 2 --no-local rank 1
#       proves the tail and lifts it (skipped without a working mpirun)
#
# Under CAIRN_SANITIZE_RUN every mode is skipped (77): a recursion proof
# of shape rc-test takes minutes there; test_rc_fold's (a) and (b) and the
# fuzz harness fuzz_rc_export run instead.
. "$(dirname "$0")/../guest/lib.sh" "$1" -
MKELF=$2
JOBEDIT=$3
MODE=$4
shift 4
START=$(date +%s)
if [ -n "${CAIRN_SANITIZE_RUN:-}" ]; then
    echo "skipped under CAIRN_SANITIZE_RUN: recursion proofs take minutes under the sanitizers" >&2
    exit 77
fi

# events KIND TASK: how many JSON events of that kind and task $WORK/err holds
events() { grep "\"event\": \"$1\"" "$WORK/err" | grep -c "\"task\": \"$2\""; }

# final_ok NAME JOB REF: cairn verify JOB checks the final proof alone,
# with the journal and exit code of REF (a run_cairn prefix); the same
# claim as --segments; exported, the same claim again
final_ok()
{
    local name=$1 job=$2 ref=$3
    expect 0 "" "$CAIRN" verify "$job" --json || return 1
    [ "$(json_field checked)" = final_proof ] || { fail "$name: verify checked '$(json_field checked)'"; return 1; }
    [ "$(json_field journal_hex)" = "$(hex_of "$ref.out")" ] || fail "$name: the verified journal is not exec's"
    [ $(($(json_field exit_code) & 255)) = "$(status_of "$ref")" ] || fail "$name: exit code $(json_field exit_code)"
    local root cycles id
    root=$(json_field control_root) cycles=$(json_field cycles) id=$(json_field image_id)
    [ ${#root} = 64 ] || fail "$name: no control root printed"
    expect 0 "control root $root" "$CAIRN" verify "$job" && pass
    expect 0 "" "$CAIRN" verify "$job" --segments --json || return 1
    [ "$(json_field checked)" = segments ] && [ "$(json_field cycles)" = "$cycles" ] &&
        [ "$(json_field image_id)" = "$id" ] || fail "$name: --segments verified another claim"
    expect 0 "" "$CAIRN" export "$job" -o "$job.proof" || return 1
    expect 0 "" "$CAIRN" verify --proof "$job.proof" --json || return 1
    [ "$(json_field control_root)" = "$root" ] && [ "$(json_field cycles)" = "$cycles" ] &&
        [ "$(json_field image_id)" = "$id" ] && [ "$(json_field journal_hex)" = "$(hex_of "$ref.out")" ] ||
        fail "$name: the exported proof verified another claim"
    pass
}

guest()
{
    local elf=$1 input=$2 po2=$3 nseg=$4 preset=${5:-test} name
    name=$(basename "$elf" .elf)
    [ -f "$elf" ] || { echo "skipped: $elf not built (no guest cross compiler)" >&2; exit 77; }
    printf '%s' "$input" >"$WORK/in"
    run_cairn "$elf" "$WORK/in" "$WORK/exec" --segment-po2 "$po2"
    expect 0 "" "$CAIRN" prove "$elf" --input "$WORK/in" --segment-po2 "$po2" --preset "$preset" -o "$WORK/j.h5" --json ||
        finish
    grep '"event": "done"' "$WORK/err" >"$WORK/done"
    [ "$(json_field segments "$WORK/done")" = "$nseg" ] || fail "$name: $(json_field segments "$WORK/done") segments, expected $nseg"
    [ "$(json_field fold_lifts "$WORK/done")" = "$nseg" ] || fail "$name: $(json_field fold_lifts "$WORK/done") lifts"
    [ "$(json_field fold_joins "$WORK/done")" = $((nseg - 1)) ] || fail "$name: $(json_field fold_joins "$WORK/done") joins"
    echo "$name: $nseg segments of 2^$po2 at $preset: lifts $(json_field fold_lift_sec "$WORK/done") s, joins" \
        "$(json_field fold_join_sec "$WORK/done") s, final proof $(json_field final_proof_bytes "$WORK/done") bytes" >&2
    final_ok "$name" "$WORK/j.h5" "$WORK/exec"
    echo "$name: verify --proof $(json_field verify_sec) s (the proof $(json_field proof_verify_sec) s)" >&2
}

resume()
{
    "$MKELF" "$WORK/loop.elf" loop || { echo "cannot write the test program" >&2; exit 1; }
    : >"$WORK/empty"
    run_cairn "$WORK/loop.elf" "$WORK/empty" "$WORK/exec" --segment-po2 10
    local J=$WORK/r.h5 pid n
    "$CAIRN" prove "$WORK/loop.elf" --segment-po2 10 --preset test -o "$J" --json >/dev/null 2>"$WORK/kill.err" &
    pid=$!
    for _ in $(seq 1 1200); do
        n=$(grep '"task": "lift"' "$WORK/kill.err" | grep -c '"task_finished"')
        [ "$n" -ge 2 ] && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL $pid 2>/dev/null
    wait $pid 2>/dev/null
    [ "${n:-0}" -ge 2 ] || { fail "resume: the run ended before two lifts were stored"; finish; }
    local lifts joins
    lifts=$(ls "$J.d" | grep -c '^fold-00-.*\.rec$')
    joins=$(ls "$J.d" | grep -c '^fold-0[1-9]-.*\.rec$')
    [ "$lifts" -ge 2 ] && [ "$lifts" -le 4 ] || fail "resume: $lifts lift records stored"
    # cairn inspect of the stopped job counts what the fold stored
    expect 0 "" "$CAIRN" inspect "$J" --json || finish
    grep -q "\"fold\":{\"lifts\":$lifts,\"joins\":$joins," "$WORK/out" ||
        fail "resume: inspect does not count $lifts lifts and $joins joins: $(grep -o '"fold":{[^}]*}' "$WORK/out")"
    expect 0 "fold         $lifts lifts and $joins joins stored" "$CAIRN" inspect "$J" && pass
    expect 0 "" "$CAIRN" prove "$WORK/loop.elf" --segment-po2 10 --preset test -o "$J" --resume --json || finish
    [ "$(events fold_reused lift)" = "$lifts" ] || fail "resume: $(events fold_reused lift) lifts reused, $lifts stored"
    [ "$(events task_finished lift)" = $((4 - lifts)) ] ||
        fail "resume: $(events task_finished lift) lifts made, $((4 - lifts)) were missing"
    [ "$(events fold_reused join)" = "$joins" ] || fail "resume: $(events fold_reused join) joins reused, $joins stored"
    [ "$(events task_finished join)" = $((3 - joins)) ] ||
        fail "resume: $(events task_finished join) joins made, $((3 - joins)) were missing"
    echo "resume: killed after $lifts lifts and $joins joins were stored; resumed, every one reused" >&2
    pass
    [ -e "$J.d" ] && fail "resume: the record folder is left after the job finished"
    # finished: 4 segments proven and folded into a join
    expect 0 "" "$CAIRN" inspect "$J" --json || finish
    grep -q '"standing":{"segments":4,"proven":4,"folded":true},"final_proof":{"kind":"join","preset":"test"' \
        "$WORK/out" || fail "resume: inspect of the finished job: $(grep -o '"standing":{[^}]*},"final_proof":[^}]*}' "$WORK/out")"
    expect 0 "4 segments executed, 4 proven, folded into one final proof" "$CAIRN" inspect "$J" && pass
    final_ok resume "$J" "$WORK/exec"
    expect 0 "" "$CAIRN" prove "$WORK/loop.elf" --segment-po2 10 --preset test -o "$J" --resume --json || finish
    grep '"event": "done"' "$WORK/err" >"$WORK/done"
    [ "$(json_field final_reused "$WORK/done")" = true ] && [ "$(json_field fold_lifts "$WORK/done")" = 0 ] &&
        [ "$(json_field fold_joins "$WORK/done")" = 0 ] || fail "resume: a finished job resumed made fold work again"
    final_ok resumed-again "$J" "$WORK/exec"
}

# flip FILE OFFSET XOR OUT: OUT is FILE with the byte at OFFSET XORed
flip()
{
    cp "$1" "$4"
    local b
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf "$(printf '\\%03o' $((b ^ $3)))" | dd of="$4" bs=1 seek="$2" conv=notrunc status=none
}

forge()
{
    "$MKELF" "$WORK/loop.elf" loop || { echo "cannot write the test program" >&2; exit 1; }
    : >"$WORK/empty"
    run_cairn "$WORK/loop.elf" "$WORK/empty" "$WORK/exec" --segment-po2 11
    local J=$WORK/f.h5 P=$WORK/f.proof
    expect 0 "" "$CAIRN" prove "$WORK/loop.elf" --segment-po2 11 --preset test -o "$J" -q || finish
    final_ok forge "$J" "$WORK/exec"
    cp "$J.proof" "$P"
    local size jl
    size=$(stat -c %s "$P")
    jl=$(od -An -tu8 -j 676 -N8 "$P" | tr -d ' ')
    # offsets (rc_export.h): kind 12, names 20/52/84, control root 116,
    # claim 148 (root, start, end, cycles at 244), state 252, journal 684,
    # proof from 692 + J
    local off
    for off in 12 20 140 252 600 $((692 + jl + 20)) $((size / 2)) $((size - 1)); do
        flip "$P" "$off" 1 "$WORK/x.proof"
        expect 1 "" "$CAIRN" verify --proof "$WORK/x.proof" && pass
    done
    [ "$jl" -gt 0 ] && { flip "$P" 684 1 "$WORK/x.proof"; expect 1 "journal" "$CAIRN" verify --proof "$WORK/x.proof" && pass; }
    # the kind: 14.. is no kind (exit 2); a join said to be another join
    # kind (same shape, another key) fails the proof's check; 4..13 are the
    # lifts of tails (of another shape than a join's: exit 1)
    flip "$P" 12 16 "$WORK/x.proof"
    expect 2 "kind" "$CAIRN" verify --proof "$WORK/x.proof" && pass
    flip "$P" 12 4 "$WORK/x.proof"
    expect 1 "a lift of a tail of 2^" "$CAIRN" verify --proof "$WORK/x.proof" && pass
    local kind
    kind=$(od -An -tu1 -j 12 -N1 "$P" | tr -d ' ')
    if [ "$kind" -ge 1 ]; then
        flip "$P" 12 $((kind ^ (kind == 1 ? 2 : kind == 2 ? 3 : 2))) "$WORK/x.proof"
        expect 1 "final proof" "$CAIRN" verify --proof "$WORK/x.proof" && pass
    else
        fail "forge: the final proof is a lift (kind 0); the run should fold into a join"
    fi
    # STATUS:OFFSET:TEXT: the check that fails (control root field, the
    # claim's start, end and cycles, a name), then what is not such a file
    local c
    for c in "1:116:control root" "1:180:final proof" "1:212:final state" "1:244:final proof" "1:52:parameters" \
        "2:0:bad magic" "2:8:version"; do
        flip "$P" "$(echo "$c" | cut -d: -f2)" 1 "$WORK/x.proof"
        expect "${c%%:*}" "${c#*:*:}" "$CAIRN" verify --proof "$WORK/x.proof" && pass
    done
    head -c $((size - 1)) "$P" >"$WORK/x.proof"
    expect 2 "proof length" "$CAIRN" verify --proof "$WORK/x.proof" && pass
    head -c 300 "$P" >"$WORK/x.proof"
    expect 2 "shorter" "$CAIRN" verify --proof "$WORK/x.proof" && pass
    { cat "$P"; printf x; } >"$WORK/x.proof"
    expect 2 "proof length" "$CAIRN" verify --proof "$WORK/x.proof" && pass
    expect 2 "bad magic" "$CAIRN" verify --proof "$J" && pass
    expect 2 "" "$CAIRN" verify --proof "$WORK/missing.proof" && pass
    expect 2 "" "$CAIRN" verify --proof "$P" "$J" && pass
    # the expected program: its own image ID or ELF passes, another
    # program's is invalid naming both, a malformed one is a usage error
    local id other mode
    expect 0 "" "$CAIRN" verify --proof "$P" --json && id=$(json_field image_id)
    [ ${#id} = 64 ] || fail "verify --proof --json printed no image ID"
    expect 0 "equal to --image-id" "$CAIRN" verify --proof "$P" --image-id "$id" && pass
    expect 0 "equal to --elf" "$CAIRN" verify --proof "$P" --elf "$WORK/loop.elf" && pass
    expect 0 "equal to --elf" "$CAIRN" verify "$J" --elf "$WORK/loop.elf" && pass
    expect 0 "equal to --image-id" "$CAIRN" verify "$J" --segments --image-id "$id" && pass
    # (the first digit is in the low byte of the first element: still a digest)
    if [ "${id:1:1}" = 0 ]; then other=${id:0:1}1${id:2}; else other=${id:0:1}0${id:2}; fi
    for mode in "--proof $P" "$J" "$J --segments"; do
        # shellcheck disable=SC2086
        expect 1 "not $other (--image-id)" "$CAIRN" verify $mode --image-id "$other" && pass
    done
    "$MKELF" "$WORK/hello.elf" hello || fail "cannot write the hello program"
    expect 1 "(--elf $WORK/hello.elf)" "$CAIRN" verify --proof "$P" --elf "$WORK/hello.elf" && pass
    expect 2 "image-id" "$CAIRN" verify --proof "$P" --image-id xyz && pass
    expect 2 "give one of them" "$CAIRN" verify --proof "$P" --image-id "$id" --elf "$WORK/loop.elf" && pass
    # the job file's /proof
    local e
    for e in 0 4 8 12; do
        "$JOBEDIT" "$J" "$WORK/e.h5" fold-claim $e || { fail "jobedit fold-claim $e"; continue; }
        case $e in
        0) want="control root" ;; 4) want="image ID" ;; 8) want="final state" ;; 12) want="cycles" ;;
        esac
        expect 1 "$want" "$CAIRN" verify "$WORK/e.h5" && pass
    done
    "$JOBEDIT" "$J" "$WORK/e.h5" fold-proof && expect 1 "final proof" "$CAIRN" verify "$WORK/e.h5" && pass
    "$JOBEDIT" "$J" "$WORK/e.h5" fold-kind && expect 1 "final proof" "$CAIRN" verify "$WORK/e.h5" && pass
    "$JOBEDIT" "$J" "$WORK/e.h5" journal-byte && expect 1 "journal" "$CAIRN" verify "$WORK/e.h5" && pass
    "$JOBEDIT" "$J" "$WORK/e.h5" final-exit && expect 1 "final state" "$CAIRN" verify "$WORK/e.h5" && pass
    "$JOBEDIT" "$J" "$WORK/e.h5" image-id && expect 1 "image ID" "$CAIRN" verify "$WORK/e.h5" && pass
    "$JOBEDIT" "$J" "$WORK/e.h5" none && expect 0 "the final proof verifies" "$CAIRN" verify "$WORK/e.h5" && pass
    "$JOBEDIT" "$J" "$WORK/e.h5" fold-drop && expect 0 "has no final proof" "$CAIRN" verify "$WORK/e.h5" && pass
    expect 2 "no final proof" "$CAIRN" export "$WORK/e.h5" -o "$WORK/e.proof" && pass
    # --segments still checks every segment proof when /proof is there
    "$JOBEDIT" "$J" "$WORK/e.h5" proof-byte 1 && expect 1 "segment 1 proof" "$CAIRN" verify "$WORK/e.h5" --segments &&
        expect 0 "" "$CAIRN" verify "$WORK/e.h5" && pass
    # the fold roots shipped with the build (CMake's CAIRN_SHIP_FOLD_ROOTS,
    # test:11 among them by default): no key build and no key cache, the
    # control root the one built from the programs
    local root kc=$WORK/kc rec
    expect 0 "" env CAIRN_FOLD_ROOTS=off CAIRN_KEY_CACHE=off "$CAIRN" verify --proof "$P" --json &&
        root=$(json_field control_root)
    [ "$(json_field keys_from)" = built ] && pass || fail "CAIRN_FOLD_ROOTS=off: keys from $(json_field keys_from)"
    case ",${CAIRN_TEST_SHIPPED:-}," in
    *,test:11,*)
        expect 0 "" env CAIRN_KEY_CACHE=off "$CAIRN" verify --proof "$P" --json
        [ "$(json_field keys_from)" = shipped ] && [ "$(json_field control_root)" = "$root" ] && pass ||
            fail "verify with the shipped fold roots: keys from $(json_field keys_from), another control root"
        expect 0 "fold roots shipped with this build" env CAIRN_KEY_CACHE="$kc" "$CAIRN" verify "$J" && pass
        [ ! -e "$kc" ] || [ -z "$(ls "$kc")" ] && pass || fail "verify with the shipped roots wrote the key cache"
        ;;
    *) echo "the binary ships no test:11 fold roots (${CAIRN_TEST_SHIPPED:-none}): not checked" >&2 ;;
    esac
    # the fold's record in the key cache, the shipped roots set aside:
    # built once, then read; damaged: rebuilt
    export CAIRN_FOLD_ROOTS=off
    expect 0 "miss, keys built" env CAIRN_KEY_CACHE="$kc" "$CAIRN" verify --proof "$P" && pass
    expect 0 "hit, the lift and join keys" env CAIRN_KEY_CACHE="$kc" "$CAIRN" verify "$J" && pass
    expect 0 "" env CAIRN_KEY_CACHE="$kc" "$CAIRN" verify --proof "$P" --json
    [ "$(json_field keys_cached)" = true ] && [ "$(json_field control_root)" = "$root" ] ||
        fail "verify with the fold's record: keys_cached $(json_field keys_cached), another control root"
    rec=$(ls "$kc"/*.fold)
    flip "$rec" $(($(stat -c %s "$rec") - 20)) 1 "$WORK/rec" && cp "$WORK/rec" "$rec"
    expect 0 "ignoring the fold record" env CAIRN_KEY_CACHE="$kc" "$CAIRN" verify --proof "$P" &&
        grep -qF "miss, keys built" "$WORK/out" && pass || fail "a damaged fold record was not rebuilt"
    expect 0 "hit, the lift and join keys" env CAIRN_KEY_CACHE="$kc" "$CAIRN" verify --proof "$P" && pass
    expect 0 "key cache    off" env CAIRN_KEY_CACHE=off "$CAIRN" verify --proof "$P" && pass
    unset CAIRN_FOLD_ROOTS
}

mpi()
{
    local MPIRUN=${1:-}
    if [ -z "$MPIRUN" ] || ! command -v "$MPIRUN" >/dev/null 2>&1; then
        echo "SKIP: mpirun not found" >&2
        exit 77
    fi
    local FLAGS=(--oversubscribe --bind-to none)
    [ "$(id -u)" = 0 ] && FLAGS+=(--allow-run-as-root)
    export OMP_NUM_THREADS=1
    unset CAIRN_TEST_WORKER_CORRUPT CAIRN_TEST_WORKER_CORRUPT_TASK CAIRN_TEST_WORKER_FAIL CAIRN_TEST_WORKER_KILL \
        CAIRN_TEST_WORKER_STALL CAIRN_TEST_WORKER_VK
    if ! timeout -k 5 60 "$MPIRUN" "${FLAGS[@]}" -np 2 "$CAIRN" --version >"$WORK/probe" 2>&1; then
        echo "SKIP: mpirun cannot start 2 ranks here" >&2
        exit 77
    fi
    local MPI=(timeout -k 10 300 "$MPIRUN" "${FLAGS[@]}" -np 2)
    "$MKELF" "$WORK/loop.elf" loop || { echo "cannot write the test program" >&2; exit 1; }
    : >"$WORK/empty"
    run_cairn "$WORK/loop.elf" "$WORK/empty" "$WORK/exec" --segment-po2 11
    local J=$WORK/m.h5 P=(prove "$WORK/loop.elf" --segment-po2 11 --preset test -o "$WORK/m.h5" --no-local --json)
    # forged lifts: rejected, the only worker quarantined, the job stops
    expect 2 "no rank left that can prove" "${MPI[@]}" -x CAIRN_TEST_WORKER_CORRUPT=1 -x CAIRN_TEST_WORKER_CORRUPT_TASK=lift \
        "$CAIRN" "${P[@]}" && pass
    [ "$(grep '"event": "retry"' "$WORK/err" | grep '"task": "lift"' | grep '"rank": 1,' | grep -c rejected)" = 1 ] ||
        fail "mpi: the forged lift was not rejected once"
    # (recursion tasks go out before new segments: some segments are stored)
    [ "$(ls "$J.d" | grep -c '^seg-.*\.rec$')" -ge 1 ] || fail "mpi: no segment proof is stored"
    [ "$(ls "$J.d" | grep -c '^fold-')" = 0 ] || fail "mpi: a forged lift was stored"
    # forged joins: lifts are made (joins go out before lifts: at least the
    # first two), the first join rejected
    expect 2 "no rank left that can prove" "${MPI[@]}" -x CAIRN_TEST_WORKER_CORRUPT=1 \
        -x CAIRN_TEST_WORKER_CORRUPT_TASK=join "$CAIRN" "${P[@]}" --resume && pass
    [ "$(grep '"event": "retry"' "$WORK/err" | grep '"task": "join"' | grep '"rank": 1,' | grep -c rejected)" = 1 ] ||
        fail "mpi: the forged join was not rejected once"
    local lifts
    lifts=$(ls "$J.d" | grep -c '^fold-00-.*\.rec$')
    [ "$lifts" -ge 2 ] && [ "$(events task_finished lift)" = "$lifts" ] ||
        fail "mpi: $(events task_finished lift) lifts made, $lifts stored"
    [ "$(ls "$J.d" | grep -c '^fold-0[1-9]-')" = 0 ] || fail "mpi: a forged join was stored"
    # honest: the stored lifts reused, the rest made on rank 1
    expect 0 "" "${MPI[@]}" "$CAIRN" "${P[@]}" --resume || finish
    [ "$(events fold_reused lift)" = "$lifts" ] && [ "$(events task_finished lift)" = $((2 - lifts)) ] ||
        fail "mpi: resumed, $(events fold_reused lift) lifts reused and $(events task_finished lift) made," \
            "$lifts were stored"
    [ "$(events task_finished join)" = 1 ] || fail "mpi: $(events task_finished join) joins made, not 1"
    [ "$(grep '"event": "task_finished"' "$WORK/err" | grep -E '"task": "(lift|join)"' | grep -vc '"rank": 1,')" = 0 ] ||
        fail "mpi: a lift or join was made by another rank than 1"
    grep -q '"event": "notice".*under MPI' "$WORK/err" && fail "mpi: the notice of segment proofs only is back"
    pass
    final_ok mpi "$J" "$WORK/exec"
}

tails()
{
    local elf=$1 MPIRUN=${2:-}
    [ -f "$elf" ] || { echo "skipped: $elf not built (no guest cross compiler)" >&2; exit 77; }
    head -c 200 /dev/zero | tr '\0' 'a' >"$WORK/in"
    run_cairn "$elf" "$WORK/in" "$WORK/exec" --segment-po2 15
    local J=$WORK/t.h5 P=(prove "$elf" --input "$WORK/in" --segment-po2 15 --preset test)
    expect 0 "(the last, proven at 2^14)" "$CAIRN" "${P[@]}" -o "$J" || finish
    expect 0 "" "$CAIRN" "${P[@]}" -o "$J" --resume --json || finish
    [ "$(events task_finished prove)$(events task_finished lift)$(events task_finished join)" = 000 ] ||
        fail "tail: --resume of a finished job made proofs"
    expect 0 "" "$CAIRN" verify "$J" --segments --json || finish
    [ "$(json_field segments)" = 2 ] && [ "$(json_field segment_po2)" = 15 ] &&
        [ "$(json_field last_segment_po2)" = 14 ] || fail "tail: segments $(json_field segments) of" \
        "2^$(json_field segment_po2), the last 2^$(json_field last_segment_po2); expected 2, 15, 14"
    expect 0 "the last proven at 2^14 (a tail)" "$CAIRN" verify "$J" --segments && pass
    final_ok tail "$J" "$WORK/exec"
    # forged sizes
    local change seg want
    for c in "claim-po2-down 1 segment 1 claim: po2 13" "claim-po2-up 1 segment 1 proof" \
        "claim-po2-up 0 segment 0 claim: po2 16"; do
        read -r change seg want <<<"$c"
        "$JOBEDIT" "$J" "$WORK/f.h5" "$change" "$seg" || { fail "tail: cli_jobedit $change"; continue; }
        expect 1 "$want" "$CAIRN" verify "$WORK/f.h5" --segments && pass
    done
    expect 0 "" "$CAIRN" "${P[@]}" -o "$WORK/e.h5" --exact-po2 --no-fold || finish
    expect 0 "" "$CAIRN" verify "$WORK/e.h5" --json || finish
    [ "$(json_field segments)" = 2 ] && [ "$(json_field last_segment_po2)" = 15 ] ||
        fail "tail: --exact-po2 gave the last segment 2^$(json_field last_segment_po2)"
    # cairn bench prove proves the last segment as cairn prove does
    local B=(bench prove "$elf" --input "$WORK/in" --segment-po2 15 --preset test --json)
    expect 0 "" "$CAIRN" "${B[@]}" || finish
    [ "$(json_field segments)" = 2 ] && [ "$(json_field last_segment_po2)" = 14 ] ||
        fail "tail: bench prove's last segment at 2^$(json_field last_segment_po2), expected 2^14"
    awk -v k="$(json_field khz_after_first)" 'BEGIN { exit !(k > 0) }' ||
        fail "tail: bench prove's khz_after_first is '$(json_field khz_after_first)' for 2 segments"
    expect 0 "" "$CAIRN" "${B[@]}" --exact-po2 || finish
    [ "$(json_field segments)" = 2 ] && [ "$(json_field last_segment_po2)" = 15 ] ||
        fail "tail: bench prove --exact-po2's last segment at 2^$(json_field last_segment_po2)" && pass
    if [ -z "$MPIRUN" ] || ! command -v "$MPIRUN" >/dev/null 2>&1; then
        echo "tail: no mpirun, the MPI part not run" >&2
        return
    fi
    local FLAGS=(--oversubscribe --bind-to none)
    [ "$(id -u)" = 0 ] && FLAGS+=(--allow-run-as-root)
    if ! timeout -k 5 60 "$MPIRUN" "${FLAGS[@]}" -np 2 "$CAIRN" --version >"$WORK/probe" 2>&1; then
        echo "tail: mpirun cannot start 2 ranks here, the MPI part not run" >&2
        return
    fi
    expect 0 "" timeout -k 10 300 "$MPIRUN" "${FLAGS[@]}" -np 2 -x OMP_NUM_THREADS=1 "$CAIRN" "${P[@]}" \
        -o "$WORK/m.h5" --no-local --json || finish
    [ "$(grep '"event": "task_finished"' "$WORK/err" | grep -c '"rank": 1,')" = 5 ] ||
        fail "tail: rank 1 did not make the 2 segments, 2 lifts and the join"
    expect 0 "" "$CAIRN" verify "$WORK/m.h5" --segments --json || finish
    [ "$(json_field last_segment_po2)" = 14 ] ||
        fail "tail: under MPI the last segment is 2^$(json_field last_segment_po2)"
    final_ok tail-mpi "$WORK/m.h5" "$WORK/exec"
}

case $MODE in
guest) guest "$@" ;;
tail) tails "$@" ;;
resume) resume ;;
forge) forge ;;
mpi) mpi "$@" ;;
*) echo "unknown mode $MODE" >&2; exit 2 ;;
esac
echo "$MODE: $(($(date +%s) - START)) s" >&2
finish
