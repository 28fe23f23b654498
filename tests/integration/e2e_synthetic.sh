#!/usr/bin/env bash
# Test: end to end on a small synthetic stream under mpiexec: prepare, train
#   finetune and er on 2 ranks; er must keep far more of the old tasks.
#   Also checks the result files, that 1 and 3 ranks complete, and
#   evaluation on a validation split (--val-fraction, --eval-split val),
#   and that a diverging run stops with exit code 4. metrics.csv carries
#   the anytime accuracies of results.json at their steps. Under
#   launch/mnemo-mpirun in a pseudo-terminal (script(1)) rank 0 draws a
#   progress bar; with stderr to a file it writes plain lines. results.json
#   records the BLAS kernels; MNEMO_BLAS=keep and OPENBLAS_CORETYPE win.
# Usage: e2e_synthetic.sh MNEMO MPIEXEC
set -euo pipefail
mnemo=$1
mpiexec=$2
source "$(dirname "$0")/common.sh"

"$mnemo" prepare --source synthetic --output "$work/stream" --tasks 3 --classes-per-task 2 \
  --synthetic-classes 6 --synthetic-train-per-class 300 --synthetic-test-per-class 100 --seed 3 >/dev/null 2>&1

train() {  # ranks strategy run_dir
  timeout 300 "$mpiexec" -n "$1" "$mnemo" train --stream "$work/stream" --run-dir "$3" --strategy "$2" \
    --batch-size 10 --replay-capacity 200 --replay-batch 10 --lr 0.05 --seed 1 --threads 1 >"$3.log" 2>&1 \
    || { echo "FAIL: $2 on $1 ranks exited $?"; cat "$3.log"; exit 1; }
}
train 2 finetune "$work/ft"
train 2 er "$work/er"
train 1 er "$work/er1"
train 3 er "$work/er3"
# Online: one pass, anytime evaluation every 25 steps (1800 samples / batch 10 = 180 steps -> 7 points).
timeout 120 "$mpiexec" -n 2 "$mnemo" train --stream "$work/stream" --run-dir "$work/online" --online \
  --eval-every 25 --threads 1 >"$work/online.log" 2>&1 || { cat "$work/online.log"; exit 1; }
# Validation split: 20% of each task's 600 training samples held out; evaluating on it counts 3 x 120.
"$mnemo" prepare --source synthetic --output "$work/val-stream" --tasks 3 --classes-per-task 2 --val-fraction 0.2 \
  --synthetic-classes 6 --synthetic-train-per-class 300 --synthetic-test-per-class 100 --seed 3 >/dev/null 2>&1
timeout 120 "$mpiexec" -n 2 "$mnemo" train --stream "$work/val-stream" --run-dir "$work/val" --eval-split val \
  --threads 1 >"$work/val.log" 2>&1 || { cat "$work/val.log"; exit 1; }
set +e
"$mnemo" train --stream "$work/stream" --run-dir "$work/noval" --eval-split val >"$work/noval.log" 2>&1
rc=$?
set -e
[ $rc -eq 2 ] && grep -q -- "--val-fraction" "$work/noval.log" \
  || { cat "$work/noval.log"; echo "FAIL: --eval-split val without a validation split exited $rc"; exit 1; }
# A learning rate that blows the loss up: exit 4 on both ranks' job, named, no results file.
set +e
timeout 120 "$mpiexec" -n 2 "$mnemo" train --stream "$work/stream" --run-dir "$work/diverged" --lr 1e9 --threads 1 \
  >"$work/diverged.log" 2>&1
rc=$?
set -e
[ $rc -eq 4 ] && grep -q "training diverged" "$work/diverged.log" && [ ! -f "$work/diverged/results.json" ] \
  || { cat "$work/diverged.log"; echo "FAIL: a diverging run exited $rc"; exit 1; }
set +e
"$mnemo" train --stream "$work/stream" --run-dir "$work/bad" --online --epochs 2 >"$work/bad.log" 2>&1
rc=$?
set -e
[ $rc -eq 2 ] && grep -q -- "--online" "$work/bad.log" || { cat "$work/bad.log"; echo "FAIL: --online --epochs 2 exited $rc"; exit 1; }

python3 - "$work" <<'PY'
import csv, json, sys
work = sys.argv[1]
def old_task_acc(run):
    r = json.load(open(f"{work}/{run}/results.json"))
    assert r["schema"] == "mnemo.results" and r["schema_version"] == 5
    # a fixed network: every parameter trains, every task (the MLP of these runs: 64-100-100-6)
    assert all(t["parameters"] == t["trainable_parameters"] == 64 * 100 + 100 + 100 * 100 + 100 + 100 * 6 + 6
               for t in r["tasks"]), r["tasks"]
    m = r["accuracy"]["class_il"]
    assert len(m) == 3 and all(len(row) == 3 for row in m), m
    rows = list(csv.reader(open(f"{work}/{run}/accuracy_matrix.csv")))
    assert len(rows) == 4 and abs(float(rows[3][1]) - m[2][0]) < 1e-6, rows
    return sum(m[2][:2]) / 2, r["metrics"]["class_il"]["acc"]
ft_old, ft_acc = old_task_acc("ft")
er_old, er_acc = old_task_acc("er")
for run in ("er1", "er3"):
    old, acc = old_task_acc(run)
    assert old > ft_old + 0.2, f"{run}: er on old tasks {old:.3f} vs finetune {ft_old:.3f}"
on = json.load(open(f"{work}/online/results.json"))
steps = [a["step"] for a in on["anytime"]]
import csv
rows = {int(r["step"]): r for r in csv.DictReader(open(f"{work}/online/metrics.csv"))}
assert sorted(rows) == list(range(1, 181)), "online: 60 steps a task give a row per step"
for a in on["anytime"]:
    r = rows[a["step"]]
    for j in range(3):
        assert abs(float(r[f"class_il_task{j}"]) - a["class_il"][j]) < 1e-5, (r, a)
        assert abs(float(r[f"task_il_task{j}"]) - a["task_il"][j]) < 1e-5, (r, a)
    seen = a["class_il"][: a["task"] + 1]
    assert abs(float(r["acc_class_il"]) - sum(seen) / len(seen)) < 1e-5
assert all(r["acc_class_il"] == "" for s, r in rows.items() if s % 25), "accuracies only at evaluations"
assert all(float(r["loss"]) > 0 and float(r["samples_per_s"]) > 0 for r in rows.values())
assert steps == [25 * k for k in range(1, 8)], steps
assert all(len(a["class_il"]) == 3 for a in on["anytime"])
assert on["anytime"][-1]["task"] == 2 and on["anytime"][0]["task"] == 0
val = json.load(open(f"{work}/val/results.json"))
assert val["config"]["eval_split"] == "val" and val["stream"]["provenance"]["val_fraction"] == 0.2
evaluated = [sum(sum(row) for row in m) for m in val["confusion"]]
assert evaluated == [360] * 3, f"evaluated {evaluated} samples, expected 3 tasks x 120 validation samples"
test = json.load(open(f"{work}/er/results.json"))
assert [sum(sum(row) for row in m) for m in test["confusion"]] == [600] * 3
print(f"finetune old-task accuracy {ft_old:.3f} (ACC {ft_acc:.3f}); er {er_old:.3f} (ACC {er_acc:.3f})")
assert er_old > ft_old + 0.3, "er does not beat finetune on old tasks by 30 points"
assert er_acc > ft_acc + 0.2, "er does not beat finetune in ACC by 20 points"
PY
# BLAS kernels: mnemo's choice is recorded; MNEMO_BLAS=keep and OPENBLAS_CORETYPE override it.
for how in keep:MNEMO_BLAS=keep haswell:OPENBLAS_CORETYPE=Haswell; do
  env "${how#*:}" timeout 120 "$mnemo" train --stream "$work/stream" --run-dir "$work/blas-${how%%:*}" \
    --strategy finetune --threads 1 -q >"$work/blas.log" 2>&1 || { cat "$work/blas.log"; fail "training with ${how#*:}"; }
done
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
auto, keep, haswell = (json.load(open(f"{work}/{d}/results.json"))["machine"] for d in ("er", "blas-keep", "blas-haswell"))
print(f"BLAS: {auto['blas_kernels']} ({auto['blas_reason']})")
import os
if "DYNAMIC_ARCH" in auto["blas_library"] and not os.environ.get("OPENBLAS_CORETYPE"):
    assert keep["blas_kernels"] == keep["blas_detected"] == auto["blas_detected"], keep
    assert "MNEMO_BLAS=keep" in keep["blas_reason"], keep
    assert haswell["blas_kernels"] == "Haswell" and "set by you" in haswell["blas_reason"], haswell
PY
echo "ok - BLAS kernels recorded in results.json; MNEMO_BLAS=keep and OPENBLAS_CORETYPE respected"

# The progress bar under mpirun: the launcher's terminal decides.
launcher=$(dirname "$0")/../../launch/mnemo-mpirun
bar_run() {  # run_dir
  "$launcher" --np 2 --mnemo "$mnemo" -- train --stream "$work/stream" --run-dir "$1" --strategy er --lr 0.05
}
script -qfec "$(declare -f bar_run); launcher=$launcher mnemo=$mnemo work=$work; bar_run $work/bar" "$work/bar.tty" \
  >/dev/null 2>&1 || { cat "$work/bar.tty"; fail "training under mnemo-mpirun in a terminal"; }
grep -aq $'\r  task 2 epoch 0 \[#' "$work/bar.tty" || { cat -v "$work/bar.tty" | tail; fail "no progress bar"; }
bar_run "$work/lines" >/dev/null 2>"$work/lines.log" || { cat "$work/lines.log"; fail "training under mnemo-mpirun"; }
if grep -aq $'\r' "$work/lines.log"; then fail "a bar was drawn into a file"; fi
grep -q "task 2 epoch 0 step 60/60" "$work/lines.log" || { cat "$work/lines.log"; fail "no progress lines"; }
echo "ok - progress: a bar under mnemo-mpirun in a terminal, lines into a file"
echo "1 passed, 0 failed"
