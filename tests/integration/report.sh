#!/usr/bin/env bash
# Test: `mnemo report` over runs of two strategies, two seeds and two task
#   counts: one row per (dataset, tasks, strategy) with mean ± std over
#   seeds, report.json, valid non-empty PNG plots; intransigence against a
#   reference run; incomplete runs left out; a missing run is exit 3.
#   Honest grouping: er at another replay capacity is a row of its own,
#   labelled with the differing option (also with another --threads, which
#   does not change results); --merge-settings averages them and warns.
#   `mnemo inspect RUN_DIR` summarises a run. Each row's per-class report
#   (summed final confusion counts) agrees with scikit-learn on the runs'
#   own counts; report/index.html refers only to files that exist, and
#   holds the table, every figure and the per-class reports.
# Usage: report.sh MNEMO MPIEXEC
set -euo pipefail
mnemo=$1
mpiexec=$2
source "$(dirname "$0")/common.sh"

for t in 2 3; do
  "$mnemo" prepare --source synthetic --output "$work/s$t" --tasks "$t" --classes-per-task 2 \
    --synthetic-train-per-class 60 --synthetic-test-per-class 20 >/dev/null 2>&1
done
train() {  # stream strategy seed run [extra...]
  local stream=$1 strategy=$2 seed=$3 run=$4
  shift 4
  timeout 120 "$mpiexec" -n 2 "$mnemo" train --stream "$work/$stream" --strategy "$strategy" --seed "$seed" \
    --run-dir "$work/$run" --replay-capacity 40 --threads 1 "$@" >"$work/$run.log" 2>&1 || { cat "$work/$run.log"; fail "training $run"; }
}
train s3 er 1 er-1 --eval-every 30
train s3 er 2 er-2 --eval-every 30
train s3 finetune 1 ft-1 --eval-every 30
train s2 er 1 er-2tasks
cp -r "$work/er-1" "$work/broken"
sed -i 's/"complete": true/"complete": false/' "$work/broken/results.json"

"$mnemo" report "$work/er-1" "$work/er-2" "$work/ft-1" "$work/er-2tasks" "$work/broken" \
  --reference "$work/er-2" --output "$work/report" >"$work/report.out" 2>&1 || { cat "$work/report.out"; fail "report"; }
cat "$work/report.out"
grep -q "incomplete" "$work/report.out" || fail "the incomplete run was not reported as left out"

/usr/bin/python3 - "$work" <<'PY'  # Debian's: scikit-learn
import glob, json, struct, sys
work = sys.argv[1]
rep = json.load(open(f"{work}/report/report.json"))
rows = {(r["tasks"], r["strategy"]): r for r in rep["rows"]}
assert set(rows) == {(3, "er"), (3, "finetune"), (2, "er")}, rows.keys()
er = rows[(3, "er")]
assert len(er["runs"]) == 2 and len(rows[(3, "finetune")]["runs"]) == 1
# mean/std recomputed from the two runs' own results.json
accs = []
for d in er["runs"]:
    r = json.load(open(f"{d}/results.json"))
    accs.append(sum(r["accuracy"]["class_il"][-1]) / 3)
mean = sum(accs) / 2
std = (sum((a - mean) ** 2 for a in accs) / 1) ** 0.5
assert abs(er["acc"]["mean"] - mean) < 1e-9 and abs(er["acc"]["std"] - std) < 1e-9, (er["acc"], accs)
assert rows[(3, "finetune")]["acc"]["std"] == 0
assert "intransigence" in er and "intransigence" not in rows[(2, "er")]
pngs = glob.glob(f"{work}/report/*.png")
# per row: heatmap, task accuracy, loss (+ anytime for the 3-task runs, which have it); per (dataset, tasks): the comparison
names = sorted(p.split("/")[-1] for p in pngs)
assert len(pngs) == 3 * 3 + 2 + 2, names
assert "anytime_synthetic-3t-er.png" in names and "comparison_synthetic-3t.png" in names, names
for p in pngs:
    data = open(p, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", p
    w, h = struct.unpack(">II", data[16:24])
    assert w > 100 and h > 100 and len(data) > 2000, (p, w, h, len(data))
print("report rows and plots ok")

# The per-class report of a row: scikit-learn on the runs' own final counts.
from sklearn.metrics import precision_recall_fscore_support
y_true, y_pred = [], []
for d in er["runs"]:
    for t, row in enumerate(json.load(open(f"{d}/results.json"))["confusion"][-1]):
        for p, n in enumerate(row):
            y_true += [t] * n
            y_pred += [p] * n
p, r, f, s = precision_recall_fscore_support(y_true, y_pred, zero_division=0)
got = er["class_report"]["class_il"]
for k, want in (("precision", p), ("recall", r), ("f1", f), ("support", s)):
    assert all(abs(a - b) < 1e-12 for a, b in zip(got[k], want)), (k, got[k], list(want))
mp, mr, mf, _ = precision_recall_fscore_support(y_true, y_pred, average="macro", zero_division=0)
assert abs(got["macro_avg"]["f1"] - mf) < 1e-12 and abs(got["macro_avg"]["precision"] - mp) < 1e-12
assert "task_il" in er["class_report"]
print("row class report = scikit-learn on the summed counts")

# The page: every file it refers to exists; the table, figures and reports are on it.
import html.parser, os
class Refs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.tables = [], 0
    def handle_starttag(self, tag, attrs):
        self.tables += tag == "table"
        self.refs += [v for k, v in attrs if k in ("src", "href")]
page = open(f"{work}/report/index.html").read()
parser = Refs()
parser.feed(page)
missing = [r for r in parser.refs if not os.path.exists(os.path.join(work, "report", r))]
assert not missing, missing
assert not [r for r in parser.refs if "://" in r], "the page must not load anything from the network"
assert sorted(parser.refs) == names, (parser.refs, names)
assert parser.tables == 1 + 2 * 3, parser.tables  # the results, then class- and task-IL per row
assert "er replay_capacity" not in page and ">er<" in page
print(f"index.html: {len(parser.refs)} figures, {parser.tables} tables, every reference exists")
PY

# Runs that differ in a result-affecting option are never averaged together.
for run in "er-cap20 20 1" "er-3 40 2"; do  # name, capacity, threads (result-neutral)
  set -- $run
  timeout 120 "$mpiexec" -n 2 "$mnemo" train --stream "$work/s3" --strategy er --seed 3 --run-dir "$work/$1" \
    --replay-capacity "$2" --threads "$3" --eval-every 30 >"$work/$1.log" 2>&1 || { cat "$work/$1.log"; fail "training $1"; }
done
"$mnemo" report "$work/er-1" "$work/er-2" "$work/er-3" "$work/er-cap20" --no-plots --output "$work/r3" \
  >"$work/r3.out" 2>&1 || { cat "$work/r3.out"; fail "report of two settings"; }
cat "$work/r3.out"
"$mnemo" report "$work/er-1" "$work/er-2" "$work/er-cap20" --merge-settings --no-plots --output "$work/r4" \
  >"$work/r4.out" 2>&1 || { cat "$work/r4.out"; fail "report --merge-settings"; }
grep -q "averages runs whose options differ: replay_capacity" "$work/r4.out" || { cat "$work/r4.out"; fail "no warning"; }
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
rows = {r["label"]: r for r in json.load(open(f"{work}/r3/report.json"))["rows"]}
assert set(rows) == {"er replay_capacity=40", "er replay_capacity=20"}, rows.keys()
assert rows["er replay_capacity=40"]["seeds"] == [1, 2, 3], rows["er replay_capacity=40"]["seeds"]
assert rows["er replay_capacity=20"]["seeds"] == [3]
merged = json.load(open(f"{work}/r4/report.json"))["rows"]
assert len(merged) == 1 and merged[0]["mixed_options"] == ["replay_capacity"] and len(merged[0]["runs"]) == 3, merged
print("grouping ok")
PY

# `mnemo inspect RUN_DIR` summarises a run.
"$mnemo" inspect "$work/er-1" >"$work/inspect.out" 2>&1 || { cat "$work/inspect.out"; fail "inspect of a run"; }
for want in "strategy=er" "class-IL accuracy matrix" "complete checkpoints:" "model exports" "replay memory"; do
  grep -qF "$want" "$work/inspect.out" || { cat "$work/inspect.out"; fail "inspect RUN_DIR: no '$want'"; }
done

set +e
"$mnemo" report "$work/nope" --output "$work/r2" >"$work/missing.out" 2>&1
rc=$?
set -e
[ $rc -eq 3 ] || { cat "$work/missing.out"; fail "missing run dir exited $rc, expected 3"; }
grep -q "$work/nope/results.json" "$work/missing.out" || fail "missing run dir not named"
echo "1 passed, 0 failed"
