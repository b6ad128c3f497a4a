#!/usr/bin/env bash
# Every example guest and a corpus of random RV32IM programs proven with
# `cairn prove` at small segment sizes (preset test) and verified with
# `cairn verify` (issue 8): the verified claim's journal and exit code equal
# qemu-riscv32's and `cairn exec`'s (exec's full 32-bit exit code; qemu
# shows its low byte), and the chained claims cover exec's cycle count.
#
#   run_prove_all.sh CAIRN QEMU guests ELF_DIR
#       each guest of ELF_DIR at its own 2^K, K = 10..14 (every K used;
#       all but the smallest runs take several segments); an ELF in
#       ELF_DIR without a case here is a failure, so a new guest gets one
#   run_prove_all.sh CAIRN QEMU random RVGEN CROSS_GCC COUNT
#       COUNT rvgen programs (tests/guest/rvgen.c) in three groups, at 2^10
#       (long enough for two segments; the journal in one write larger
#       than a segment's io table: a call in parts), 2^11 (in writes of
#       128 bytes, rvgen's CHUNK) and 2^12; the seed of group K
#       is $CAIRN_TEST_SEED (default 8000) + K, printed, so that a failure
#       names program, seed and segment size for the replay
#
# CAIRN_SANITIZE_RUN=1 (make test-sanitize): the guests but keccak at 2^14
# only, and 3 random programs.
. "$(dirname "$0")/lib.sh"
MODE=${1:-}
shift
START=$SECONDS

# check_case NAME ELF INPUT PO2 [PARTS]: qemu and cairn exec agree (exit
# status, journal); the job proven at 2^PO2 verifies with their journal,
# exec's exit code and cycles, in at least cycles / 2^PO2 segments. With
# PARTS=1 a system call runs in parts: each part but a call's last is a
# cycle of the proof that retires nothing (rv.h "System calls in parts")
# and ends its segment, so the claims cover 1 to segments - 1 cycles more
# than exec (which runs without segment budgets) retired.
check_case()
{
    local name=$1 elf=$2 input=$3 po2=$4 parts=${5:-0} p=$WORK/$1 t0=$SECONDS
    VERIFIED_SEGMENTS=
    run_qemu "$elf" "$input" "$p.qemu"
    timeout "$RUN_TIMEOUT" "$CAIRN" exec "$elf" --input "$input" --json <"$input" >"$p.cairn.out" 2>"$p.cairn.err"
    echo $? >"$p.cairn.status"
    same_run "$name" "$p.qemu" "$p.cairn" || return
    local code cycles
    code=$(json_field exit_code "$p.cairn.err")
    cycles=$(json_field cycles "$p.cairn.err")
    if [ -z "$code" ] || [ -z "$cycles" ]; then
        fail "$name: no exit code / cycles in cairn exec --json's summary"
        return
    fi
    prove_and_verify "$name" "$elf" "$input" "$po2" "$p.h5" "$p.qemu" || return
    local segs=$VERIFIED_SEGMENTS extra=$((VERIFIED_CYCLES - cycles))
    if [ "$VERIFIED_EXIT" != "$code" ]; then
        fail "$name: verified exit code $VERIFIED_EXIT, cairn exec's $code"
    elif [ "$parts" = 1 ] && { [ "$extra" -lt 1 ] || [ "$extra" -ge "$segs" ]; }; then
        fail "$name: the verified claims cover $VERIFIED_CYCLES cycles in $segs segments, cairn exec ran $cycles: a call in parts adds 1 to $((segs - 1))"
    elif [ "$parts" != 1 ] && [ "$VERIFIED_CYCLES" != "$cycles" ]; then
        fail "$name: the verified claims cover $VERIFIED_CYCLES cycles, cairn exec ran $cycles"
    elif [ "$segs" -lt $(((cycles + (1 << po2) - 1) >> po2)) ]; then
        fail "$name: $segs segments of 2^$po2 cannot hold $cycles cycles"
    else
        pass
    fi
    echo "$name: 2^$po2, $segs segment(s), $cycles cycles, exit code $code, $(wc -c <"$p.qemu.out") journal bytes, $((SECONDS - t0)) s" >&2
    rm -f "$p.h5"
}

guests()
{
    local dir=$1
    # name input po2: cycles at these inputs (cairn exec): fibonacci ~10k,
    # sort ~14k, modexp ~19k (exit code 1: 2^11 - 1 = 23 * 89 is not
    # prime), sha256 ~22k, keccak ~127k
    local cases="fibonacci 20 10
sort 3_-1_2 11
modexp 11_3 12
sha256 abc 13
keccak abc 14"
    local elf name input po2 multi=0 want=4
    if [ "${CAIRN_SANITIZE_RUN:-}" = 1 ]; then
        # under ASan: one or two segments of 2^14 each, keccak left out
        cases=$(grep -v '^keccak ' <<<"$cases" | sed 's/ [0-9]*$/ 14/')
        want=2
        echo "sanitizer run: every guest but keccak at 2^14" >&2
    fi
    for elf in "$dir"/*.elf; do
        [ -e "$elf" ] || { fail "no example guest in $dir"; break; }
        name=$(basename "$elf" .elf)
        [ "${CAIRN_SANITIZE_RUN:-}" = 1 ] && [ "$name" = keccak ] && continue
        grep -q "^$name " <<<"$cases" || fail "example guest $name has no case in run_prove_all.sh"
    done
    while read -r name input po2; do
        if [ ! -f "$dir/$name.elf" ]; then
            fail "$dir/$name.elf was not built"
            continue
        fi
        printf '%s' "${input//_/ }" >"$WORK/$name.in"
        check_case "$name" "$dir/$name.elf" "$WORK/$name.in" "$po2"
        [ "${VERIFIED_SEGMENTS:-0}" -gt 1 ] && multi=$((multi + 1))
    done <<<"$cases"
    # every run but fibonacci's spans several segments (claims chained;
    # under ASan modexp's and sha256's)
    if [ "$multi" -lt "$want" ]; then fail "only $multi guest(s) took more than one segment"; else pass; fi
}

random()
{
    local rvgen=$1 cc=$2 count=$3
    [ "${CAIRN_SANITIZE_RUN:-}" = 1 ] && count=3
    local base=${CAIRN_TEST_SEED:-8000} per=$(((count + 2) / 3)) po2 s
    local -A args=([10]="900" [11]="200 128" [12]="200")
    : >"$WORK/empty"
    for po2 in 10 11 12; do
        # 900 items run about 1200 cycles: two segments of 2^10. There the
        # io table holds 64 words, so the 95-word journal write does not
        # fit a segment and runs in parts (rv.h "System calls in parts"):
        # its bytes, proven over several segments, must still be qemu's
        # journal. 2^11 writes it in writes of 128 bytes (rvgen's CHUNK),
        # 2^12 whole.
        mkdir -p "$WORK/r$po2"
        echo "random group 2^$po2: rvgen DIR $per ${args[$po2]} with seed $((base + po2))" >&2
        CAIRN_TEST_SEED=$((base + po2)) "$rvgen" "$WORK/r$po2" "$per" ${args[$po2]} || { fail "rvgen failed"; return; }
    done
    if ! ls "$WORK"/r*/*.S | xargs -P 2 -n 16 sh -c '
        for s; do
            "$0" -march=rv32im -mabi=ilp32 -nostdlib -Wl,--no-relax "$s" -o "${s%.S}.elf" || exit 255
        done' "$cc"; then
        fail "assembling the corpus"
        return
    fi
    local multi=0
    for po2 in 10 11 12; do
        for s in "$WORK/r$po2"/*.S; do
            local f0=$FAILURES
            check_case "r${po2}_$(basename "$s" .S)" "${s%.S}.elf" "$WORK/empty" "$po2" $((po2 == 10))
            [ "$FAILURES" = "$f0" ] ||
                echo "  replay: CAIRN_TEST_SEED=$((base + po2)) guest_rvgen DIR $per ${args[$po2]}, then $(basename "$s") at --segment-po2 $po2" >&2
            [ "${VERIFIED_SEGMENTS:-0}" -gt 1 ] && multi=$((multi + 1))
        done
    done
    if [ "$multi" -lt 1 ]; then fail "no random program took more than one segment"; else pass; fi
}

case $MODE in
guests) guests "$@" ;;
random) random "$@" ;;
*) echo "usage: run_prove_all.sh CAIRN QEMU guests ELF_DIR | random RVGEN CC COUNT" >&2; exit 2 ;;
esac
echo "$((SECONDS - START)) s" >&2
finish
