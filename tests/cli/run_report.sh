#!/usr/bin/env bash
# cairn report and the timing cairn inspect shows (issue 9):
#
#   run_report.sh CAIRN MKELF JOBCRASH PYTHON3 DIR
#
# DIR is run_resume.sh's fixture (ref.h5: the 4-segment loop proven by
# cairn prove). Three job files are reported on: ref.h5 as cairn prove
# wrote it (real proofs, with the execution and task start times cairn
# prove records), and copies of it stored again through jobs_put by
# cli_jobcrash timed with a known schedule on 3 ranks, with every time
# and with the odd segments' times left out. Each time the SVG must be
# well-formed XML (python3's xml.etree) with one <rect> per task and one
# lane per rank, and the --json figures must agree with what cairn
# inspect --json shows of the same file: busy seconds = the sum of each
# rank's task_ns, utilisation = busy / span within 0..1, and (when the
# times are known) the span, the critical path and what bounds the job
# computed here from the segments' times. Usage and input errors exit 2
# naming what is wrong. Without python3 the test is skipped (77).
. "$(dirname "$0")/../guest/lib.sh" "$1" -
MKELF=$2
JOBCRASH=$3
PY=$4
DIR=$5
START=$(date +%s)

if [ -z "$PY" ] || ! "$PY" -c 'import json, xml.etree.ElementTree' 2>/dev/null; then
    echo "skipped: python3 is needed to check the SVG and the JSON" >&2
    exit 77
fi
[ -f "$DIR/ref.h5" ] || { echo "FAIL: the fixture $DIR/ref.h5 is missing (cli_prove_ref)" >&2; exit 1; }

# check NAME JOB TIMED: report JOB (text, --json, -o) and compare with
# inspect --json; TIMED = all | none | partial (which tasks have times)
check()
{
    local name=$1 job=$2 timed=$3 svg=$WORK/$1.svg
    expect 0 "" "$CAIRN" inspect "$job" --json
    cp "$WORK/out" "$WORK/$name.inspect.json"
    expect 0 "" "$CAIRN" report "$job" -o "$svg" --json
    cp "$WORK/out" "$WORK/$name.report.json"
    expect 0 "" "$CAIRN" report "$job"
    grep -q "^wall span" "$WORK/out" && grep -q "^rank " "$WORK/out" || fail "$name: the text report lacks its figures"
    if [ "$timed" = all ]; then
        grep -q "^bound by     \(execution\|proving\)" "$WORK/out" || fail "$name: the text does not say what bounds the job"
    else
        grep -q "^note " "$WORK/out" || fail "$name: no note about the missing times"
    fi
    if ! "$PY" - "$WORK/$name.inspect.json" "$WORK/$name.report.json" "$svg" "$timed" <<'EOF'; then
import json, sys
import xml.etree.ElementTree as ET

ins = json.load(open(sys.argv[1]))
rep = json.load(open(sys.argv[2]))
svg, timed = sys.argv[3], sys.argv[4]
errors = []
def check(cond, what):
    if not cond:
        errors.append(what)

tasks = [dict(s["task"], index=s["index"]) for s in ins["segments"] if s["task"]]
ranks = sorted({t["rank"] for t in tasks})
check(len(tasks) == rep["tasks"] == len(ins["segments"]), "task count %d vs %d" % (len(tasks), rep["tasks"]))
check([r["rank"] for r in rep["ranks"]] == ranks, "ranks %s vs %s" % ([r["rank"] for r in rep["ranks"]], ranks))
span = rep["span_seconds"]
check(span > 0, "span %s" % span)
for r in rep["ranks"]:
    mine = [t for t in tasks if t["rank"] == r["rank"]]
    busy = sum(t["ns"] for t in mine) / 1e9
    check(r["tasks"] == len(mine), "rank %d: %d tasks, inspect shows %d" % (r["rank"], r["tasks"], len(mine)))
    check(abs(r["busy_seconds"] - busy) < 1e-6, "rank %d: busy %s, sum of task_ns %s" % (r["rank"], r["busy_seconds"], busy))
    check(0 <= r["utilisation"] <= 1 + 1e-6, "rank %d: utilisation %s" % (r["rank"], r["utilisation"]))
    check(abs(r["utilisation"] - busy / span) < 1e-5, "rank %d: utilisation %s != busy / span" % (r["rank"], r["utilisation"]))
n_timed = sum(1 for t in tasks if t["start_ns"])
check(rep["timed_tasks"] == n_timed, "timed tasks %d vs %d" % (rep["timed_tasks"], n_timed))
if timed == "all":
    ev = [t["start_ns"] for t in tasks] + [t["exec_ns"] for t in tasks]
    origin = min(ev)
    ends = [(t["start_ns"] + t["ns"], t["index"]) for t in tasks]
    last_end, last = max(ends)
    check(abs(span - (last_end - origin) / 1e9) < 1e-6, "span %s vs %s" % (span, (last_end - origin) / 1e9))
    L = [t for t in tasks if t["index"] == last][0]
    cp = rep["critical_path"]
    check(cp is not None, "no critical path")
    if cp:
        ex, wait, prove = (L["exec_ns"] - origin) / 1e9, (L["start_ns"] - L["exec_ns"]) / 1e9, L["ns"] / 1e9
        check(cp["segment"] == last and cp["rank"] == L["rank"], "critical path segment %s" % cp)
        check(abs(cp["execution_seconds"] - ex) < 1e-6 and abs(cp["wait_seconds"] - wait) < 1e-6
              and abs(cp["proving_seconds"] - prove) < 1e-6, "critical path %s vs %s %s %s" % (cp, ex, wait, prove))
        check(abs(ex + wait + prove - span) < 1e-6, "the critical path does not add up to the span")
        by_exec = wait <= 0.05 * (ex + wait + prove) and ex >= wait + prove
        check(cp["bound"] == ("execution" if by_exec else "proving"), "bound %s" % cp["bound"])
    idle = sum(span - r["busy_seconds"] for r in rep["ranks"])
    check(abs(rep["idle_seconds"] - idle) < 1e-5, "idle %s vs %s" % (rep["idle_seconds"], idle))
else:
    check(len(rep["notes"]) > 0, "no note about the missing times")
if timed != "all":
    check(rep["critical_path"] is None, "a critical path without every task's times")

root = ET.parse(svg).getroot()
ns = "{http://www.w3.org/2000/svg}"
check(root.tag == ns + "svg", "root element %s" % root.tag)
rects = root.findall(".//" + ns + "rect")
check(len(rects) == len(tasks), "%d <rect> for %d tasks" % (len(rects), len(tasks)))
titles = [r.find(ns + "title") for r in rects]
check(all(t is not None and t.text.startswith("segment ") and " s" in t.text for t in titles), "a bar lacks its <title>")
segs = sorted(int(t.text.split()[1]) for t in titles if t is not None)
check(segs == sorted(t["index"] for t in tasks), "bars for segments %s" % segs)
labels = [t.text for t in root.iter(ns + "text") if t.text and t.text.startswith("rank ")]
check(len(labels) == len(ranks), "%d rank lanes for %d ranks" % (len(labels), len(ranks)))
check(any(t.text == "executor" for t in root.iter(ns + "text")), "no executor lane")
ticks = [l for l in root.iter(ns + "line") if l.get("class") == "exec"]
check(len(ticks) == sum(1 for t in tasks if t["exec_ns"]), "%d executor ticks" % len(ticks))
check(any(t.text == "seconds" for t in root.iter(ns + "text")), "no time axis")
for e in errors:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
EOF
        fail "$name: the report does not match the job file (above)"
    else
        pass
    fi
}

check ref "$DIR/ref.h5" all
"$JOBCRASH" timed "$DIR/ref.h5" "$WORK/timed.h5" 3 || fail "cli_jobcrash timed"
check timed "$WORK/timed.h5" all
"$JOBCRASH" timed "$DIR/ref.h5" "$WORK/partial.h5" 2 partial || fail "cli_jobcrash timed partial"
check partial "$WORK/partial.h5" partial
# the known schedule: 4 segments executed every 0.5 s, proofs of 0.25,
# 0.5, 0.75, 0.25 s on 3 ranks: each is handed out as soon as it is
# executed, so execution bounds the job (from segment 0 executed: 1.5 s
# of execution until segment 3 is, + 0.25 s of its proof)
expect 0 "" "$CAIRN" report "$WORK/timed.h5"
grep -q "^wall span    1.750 s" "$WORK/out" || fail "timed: the wall span is not 1.750 s: $(grep span "$WORK/out")"
grep -q "^bound by     execution" "$WORK/out" || fail "timed: not bound by execution"
expect 0 "" "$CAIRN" inspect "$WORK/timed.h5"
grep -q "task start   2025-11-24T16:00:00.500Z" "$WORK/out" || fail "inspect does not show segment 0's task start"
grep -q "proved by    rank 1 in 0.500 s" "$WORK/out" || fail "inspect does not show segment 1's rank and time"

# usage and input errors: 2, naming what is wrong; no SVG left behind
"$MKELF" "$WORK/loop.elf" loop || exit 1
expect 3 "" "$CAIRN" exec "$WORK/loop.elf" --segment-po2 10 -o "$WORK/exec.h5" -q
expect 2 "no segment records a proving task" "$CAIRN" report "$WORK/exec.h5" -o "$WORK/exec.svg"
[ ! -e "$WORK/exec.svg" ] && [ ! -e "$WORK/exec.svg.tmp" ] || fail "a refused report wrote its SVG"
expect 2 "No such file" "$CAIRN" report "$WORK/none.h5"
expect 2 "" "$CAIRN" report "$WORK/loop.elf"
expect 2 "no job file given" "$CAIRN" report
expect 2 "unknown option '--bogus'" "$CAIRN" report "$DIR/ref.h5" --bogus
expect 2 "-o needs a value" "$CAIRN" report "$DIR/ref.h5" -o
expect 2 "a directory" "$CAIRN" report "$DIR/ref.h5" -o "$WORK"
expect 2 "" "$CAIRN" report "$DIR/ref.h5" -o "$WORK/no/such/dir/t.svg"
expect 2 "\"status\": 2" "$CAIRN" report "$WORK/none.h5" --json
"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["status"] == 2' "$WORK/out" 2>/dev/null ||
    fail "report --json of a missing file is not one JSON error object"
expect 0 "" "$CAIRN" report -h
grep -q "usage: cairn report" "$WORK/out" || fail "report -h shows no usage"
expect 0 "" "$CAIRN" report --help
grep -q "critical path" "$WORK/out" || fail "report --help does not describe the critical path"
head -c 3000 "$DIR/ref.h5" >"$WORK/trunc.h5"
expect 2 "" "$CAIRN" report "$WORK/trunc.h5"

echo "$(($(date +%s) - START)) s" >&2
finish
