#!/usr/bin/env bash
# Test: a network that grows with the stream (--model pnn, a progressive
#   column per task), under mpiexec:
#   1. its parameters grow by the closed form of model/progressive.h, and
#      each task trains only its column (the log's counts);
#   2. task-IL backward transfer is exactly 0: every entry below the
#      diagonal equals the diagonal's, bit for bit (earlier columns are
#      frozen and out of the all-reduce);
#   3. resume across growth: from a checkpoint in the middle of task 1
#      (column 1 added) and from the one at the task 1/2 boundary (column 2
#      not yet added), on 2 ranks, ends with the uninterrupted run's
#      matrices and parameters exactly (--deterministic); on 3 ranks with
#      its matrix (within 1 point: summation order);
#   4. the export, loaded by PyTorch, answers each task with its column and
#      reproduces the run's task-IL confusion matrix sample for sample;
#      `mnemo export` of a grown checkpoint does too.
#   (The same global batch gives the same matrix on 1, 2 and 3 ranks:
#   rank_equivalence.sh.)
# Usage: growing.sh MNEMO MPIEXEC
set -euo pipefail
mnemo=$1
mpiexec=$2
source "$(dirname "$0")/common.sh"
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3  # Debian's, with python3-torch and h5py (the real peer)

"$mnemo" prepare --source synthetic --scenario task-incremental --output "$work/s" --tasks 3 --classes-per-task 2 \
  --synthetic-train-per-class 300 --synthetic-test-per-class 60 --synthetic-noise 220 --seed 5 >/dev/null 2>&1
args=(--stream "$work/s" --model pnn --strategy finetune --hidden 16,12 --batch-size 12 --lr 0.05 --deterministic
  --checkpoint-every 20 --checkpoint-keep 100 --threads 1)
run() {  # ranks run_dir [extra...]
  local n=$1 dir=$2
  shift 2
  timeout 300 "$mpiexec" -n "$n" "$mnemo" train "${args[@]}" --run-dir "$dir" "$@"
}
run 2 "$work/ref" >"$work/ref.log" 2>&1 || { cat "$work/ref.log"; fail "reference run"; }

# 1. Growth by the closed form: widths 64 -> 16 -> 12 -> 6.
P=$(( (64 * 16 + 16) + (16 * 12 + 12) + (12 * 6 + 6) ))
Q=$(( 16 * 12 + 12 * 6 ))
for k in 1 2; do
  total=$(( (k + 1) * P + Q * (k + 1) * k / 2 ))
  grep -q "task $k: the network grew to $total parameters; $(( P + k * Q )) train, $(( total - P - k * Q )) are frozen" \
    "$work/ref.log" || { grep "grew" "$work/ref.log"; fail "task $k: not the closed form (P=$P, Q=$Q)"; }
done
"$py" - "$work/ref/results.json" "$P" "$Q" <<'PY'
import json, sys
tasks, P, Q = json.load(open(sys.argv[1]))["tasks"], int(sys.argv[2]), int(sys.argv[3])
for k, t in enumerate(tasks):
    want = ((k + 1) * P + Q * (k + 1) * k // 2, P + k * Q)
    assert (t["parameters"], t["trainable_parameters"]) == want, (k, t, want)
    assert t["gradient_bytes_per_step"] == 4 * (P + k * Q), (k, t)  # 2 ranks, float32 on the wire
PY
echo "ok - the network grew by the closed form: P=$P per column, Q=$Q laterals per earlier column"

# 2. Task-IL backward transfer exactly 0.
"$py" - "$work/ref/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
m = r["accuracy"]["task_il"]
for j in range(len(m)):
    for i in range(j, len(m)):
        assert m[i][j] == m[j][j], f"task {j} moved after task {i}: {m[i][j]} != {m[j][j]}"
assert r["metrics"]["task_il"]["bwt"] == 0, r["metrics"]["task_il"]
assert min(m[j][j] for j in range(len(m))) > 0.6, f"the columns did not learn: {m}"
print(f"ok - task-IL BWT exactly 0; diagonal {[round(100 * m[j][j], 1) for j in range(len(m))]}")
PY

# 3. Resume across growth.
# The first checkpoint of task TASK whose position is (mid|start) of the task.
checkpoint_of() {  # task mid|start
  local d
  for d in "$work"/ref/checkpoints/ckpt-T0000$1-S*; do
    if "$py" -c "import json,sys; s=json.load(open(sys.argv[1]+'/meta.json'))['position']['step']; sys.exit((s > 0) != (sys.argv[2] == 'mid'))" "$d" "$2"; then
      echo "$d"
      return
    fi
  done
}
mid=$(checkpoint_of 1 mid)
boundary=$(checkpoint_of 2 start)
[[ -n $mid && -n $boundary ]] || { ls "$work/ref/checkpoints"; fail "no mid-task-1 or task-2 boundary checkpoint"; }
same() {  # run_dir exact(1|0)
  "$py" - "$work/ref" "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(f"{d}/results.json")) for d in sys.argv[1:3])
assert b["complete"]
if sys.argv[3] == "1":
    for k in ("accuracy", "confusion", "confusion_task_il", "model_fingerprint"):
        assert a[k] == b[k], f"{sys.argv[2]}: {k} differs from the uninterrupted run"
else:
    diff = max(abs(x - y) for mode in ("class_il", "task_il")
               for ra, rb in zip(a["accuracy"][mode], b["accuracy"][mode]) for x, y in zip(ra, rb))
    assert diff <= 0.01, f"{sys.argv[2]}: max |difference| {diff}"
PY
}
for from in "$mid" "$boundary"; do
  name=$(basename "$from")
  run 2 "$work/r2-$name" --resume "$from" >"$work/r2-$name.log" 2>&1 || { cat "$work/r2-$name.log"; fail "resume $name"; }
  same "$work/r2-$name" 1 || fail "resuming $name on 2 ranks did not give the uninterrupted run"
  run 3 "$work/r3-$name" --resume "$from" >"$work/r3-$name.log" 2>&1 || { cat "$work/r3-$name.log"; fail "resume $name -n 3"; }
  same "$work/r3-$name" 0 || fail "resuming $name on 3 ranks did not give the uninterrupted run's matrix"
  echo "ok - resumed $name on 2 ranks (exact) and on 3 ranks (same matrix)"
done

# 4. The export, read by PyTorch; and `mnemo export` of the mid-task-1 checkpoint (2 columns).
PYTHONPATH="$here/python" "$py" "$here/python/check_pnn_export.py" "$work/ref/model/final" "$work/s" \
  "$work/ref/results.json" -1
"$mnemo" export "$mid" --output "$work/mid-export" >/dev/null 2>&1 || fail "mnemo export of $mid"
"$py" - "$work/mid-export" "$work/ref/model/task-1" <<'PY'
import sys, torch
a, b = (torch.jit.load(f"{d}/model.ts") for d in sys.argv[1:3])
names = [n for n, _ in a.named_parameters()]
assert any(n.startswith("column1.") for n in names) and not any(n.startswith("column2.") for n in names), names
assert {n for n, _ in b.named_parameters()} == set(names), "the task-1 export and the checkpoint's differ in shape"
print("ok - mnemo export of a mid-task-1 checkpoint holds columns 0 and 1")
PY
