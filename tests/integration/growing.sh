#!/usr/bin/env bash
# Test: networks whose structure follows the stream, under mpiexec: the
#   progressive network (--model pnn, a column per task) and PackNet
#   (--model packnet, per-task weights by pruning). For each:
#   1. the structure per task follows its closed form (results.json: pnn's
#      parameters grow by model/progressive.h's formula and each task
#      trains only its column; packnet's parameters stay, and each task
#      keeps n - floor(p n) of the n free weights it may use, see
#      model/packnet.h); the log's growth lines agree;
#   2. task-IL backward transfer is exactly 0: every entry below the
#      diagonal equals the diagonal's, bit for bit;
#   3. resume across growth: from the first and the last checkpoint in the
#      middle of task 1 (pnn: column 1 added; packnet: before and after the
#      task's pruning) and from the one at the task 1/2 boundary, on 2 ranks,
#      ends with the uninterrupted run's matrices and parameters exactly
#      (--deterministic); on 3 ranks with its matrix (within 1 point:
#      summation order);
#   4. the export, loaded by PyTorch, answers each task with its weights and
#      reproduces the run's task-IL confusion matrix sample for sample;
#      `mnemo export` of a mid-task-1 checkpoint exports the network as it was.
#   And a growing head (--growing-head, er, class-incremental): the head
#   gains 2 outputs a task, classes not brought yet are never predicted, it
#   resumes across growth (2 ranks exact, 3 the same matrix), and its export
#   reproduces the run's class-IL confusion matrix in PyTorch; the same on a
#   TorchScript model with a features method (its own head frozen).
#   (The same global batch gives the same matrix on 1, 2 and 3 ranks:
#   rank_equivalence.sh.)
# Usage: growing.sh MNEMO MPIEXEC
set -euo pipefail
mnemo=$1
mpiexec=$2
source "$(dirname "$0")/common.sh"
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3  # Debian's, with python3-torch and h5py (the real peer)

# 3 tasks x 2 classes, 600 training rows each: 50 steps per task at batch 12.
"$mnemo" prepare --source synthetic --scenario task-incremental --output "$work/s" --tasks 3 --classes-per-task 2 \
  --synthetic-train-per-class 300 --synthetic-test-per-class 60 --synthetic-noise 220 --seed 5 >/dev/null 2>&1
common=(--stream "$work/s" --strategy finetune --hidden 16,12 --batch-size 12 --lr 0.05 --deterministic
  --checkpoint-every 15 --checkpoint-keep 100 --threads 1)

check() {  # model epochs [options...]
  local model=$1 epochs=$2
  shift 2
  local args=("${common[@]}" --model "$model" --epochs "$epochs" "$@")
  run() {  # ranks run_dir [extra...]
    local n=$1 dir=$2
    shift 2
    timeout 300 "$mpiexec" -n "$n" "$mnemo" train "${args[@]}" --run-dir "$dir" "$@"
  }
  local ref=$work/$model-ref
  run 2 "$ref" >"$ref.log" 2>&1 || { cat "$ref.log"; fail "$model: reference run"; }

  # 1. Structure by the closed form: widths 64 -> 16 -> 12 -> 6.
  "$py" - "$ref/results.json" "$ref.log" "$model" <<'PY'
import json, math, re, sys
tasks, log, model = json.load(open(sys.argv[1]))["tasks"], open(sys.argv[2]).read(), sys.argv[3]
widths = [64, 16, 12, 6]
P = sum(widths[l] * widths[l + 1] + widths[l + 1] for l in range(3))  # one MLP: weights and biases
if model == "pnn":
    Q = sum(widths[l] * widths[l + 1] for l in range(1, 3))            # laterals from one earlier column
    for k, t in enumerate(tasks):
        total, trains = (k + 1) * P + Q * (k + 1) * k // 2, P + k * Q
        assert (t["parameters"], t["trainable_parameters"]) == (total, trains), (k, t, total, trains)
        assert t["gradient_bytes_per_step"] == 4 * trains, (k, t)  # 2 ranks, float32 on the wire
        if k > 0:
            line = f"task {k}: the network grew to {total} parameters; {trains} train, {total - trains} are frozen"
            assert line in log, f"missing: {line}"
    print(f"ok - pnn: the network grew by the closed form (P={P} per column, Q={Q} laterals per earlier column)")
else:
    p = 0.5
    free = [widths[l] * widths[l + 1] for l in range(2)]  # shared hidden layers
    head_rows = 2 * widths[2]                              # a task's own output rows: 2 classes x 12
    for k, t in enumerate(tasks):
        kept = sum(n - math.floor(p * n) for n in free) + (head_rows - math.floor(p * head_rows))
        want = kept + (16 + 12 if k == 0 else 0) + 2       # hidden biases with task 0; its classes' output biases
        assert t["parameters"] == P and t["trainable_parameters"] == want, (k, t, want)
        free = [math.floor(p * n) for n in free]
    print(f"ok - packnet: {P} parameters throughout; each task kept n - floor(p n) of its n free weights")
PY

  # `mnemo inspect RUN` shows the same structure per task.
  "$mnemo" inspect "$ref" >"$ref.inspect" 2>&1 || { cat "$ref.inspect"; fail "$model: mnemo inspect"; }
  "$py" - "$ref/results.json" "$ref.inspect" "$model" <<'PY'
import json, sys
tasks, lines = json.load(open(sys.argv[1]))["tasks"], open(sys.argv[2]).read().splitlines()
assert any("network per task" in l for l in lines), "mnemo inspect shows no structure per task"
for k, t in enumerate(tasks):
    want = [f"task {k}", str(t["parameters"]), str(t["trainable_parameters"]),
            str(t["parameters"] - t["trainable_parameters"]), f"{t['gradient_bytes_per_step'] / 1024:.1f} KiB"]
    assert any(l.split() == " ".join(want).split() for l in lines), (want, lines)
print(f"ok - {sys.argv[3]}: mnemo inspect shows the network per task")
PY

  # 2. Task-IL backward transfer exactly 0.
  "$py" - "$ref/results.json" "$model" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
m = r["accuracy"]["task_il"]
for j in range(len(m)):
    for i in range(j, len(m)):
        assert m[i][j] == m[j][j], f"task {j} moved after task {i}: {m[i][j]} != {m[j][j]}"
assert r["metrics"]["task_il"]["bwt"] == 0, r["metrics"]["task_il"]
assert min(m[j][j] for j in range(len(m))) > 0.6, f"the network did not learn: {m}"
print(f"ok - {sys.argv[2]}: task-IL BWT exactly 0; diagonal {[round(100 * m[j][j], 1) for j in range(len(m))]}")
PY

  # 3. Resume across growth. Task 1 is global steps S..2S-1 (S = 50 x epochs); checkpoints every 15
  # steps give its first and last mid-task ones (packnet prunes after task step S - round(S/4), so
  # between them) and the boundary one at 2S.
  local S=$((50 * epochs))
  local ckpt=$ref/checkpoints/ckpt-T0000
  local mid_first=${ckpt}1-S$(printf %09d $(((S / 15 + 1) * 15)))
  local mid_last=${ckpt}1-S$(printf %09d $(((2 * S - 1) / 15 * 15)))
  local boundary=${ckpt}2-S$(printf %09d $((2 * S)))
  for from in "$mid_first" "$mid_last" "$boundary"; do
    [[ -f $from/DONE ]] || { ls "$ref/checkpoints"; fail "$model: no checkpoint $from"; }
  done
  same() {  # run_dir exact(1|0)
    "$py" - "$ref" "$1" "$2" <<'PY'
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
  local name
  for from in "$mid_first" "$mid_last" "$boundary"; do
    name=$(basename "$from")
    run 2 "$work/$model-r2-$name" --resume "$from" >"$work/$model-r2-$name.log" 2>&1 \
      || { cat "$work/$model-r2-$name.log"; fail "$model: resume $name"; }
    same "$work/$model-r2-$name" 1 || fail "$model: resuming $name on 2 ranks did not give the uninterrupted run"
    run 3 "$work/$model-r3-$name" --resume "$from" >"$work/$model-r3-$name.log" 2>&1 \
      || { cat "$work/$model-r3-$name.log"; fail "$model: resume $name -n 3"; }
    same "$work/$model-r3-$name" 0 || fail "$model: resuming $name on 3 ranks did not give the uninterrupted run's matrix"
    echo "ok - $model: resumed $name on 2 ranks (exact) and on 3 ranks (same matrix)"
  done

  # 4. The export, read by PyTorch; `mnemo export` of a mid-task-1 checkpoint.
  PYTHONPATH="$here/python" "$py" "$here/python/check_task_export.py" "$ref/model/final" "$work/s" \
    "$ref/results.json" -1
  "$mnemo" export "$mid_first" --output "$work/$model-mid-export" >/dev/null 2>&1 || fail "$model: mnemo export"
  "$py" - "$work/$model-mid-export" "$model" <<'PY'
import sys, torch
m = torch.jit.load(f"{sys.argv[1]}/model.ts")
names = {n for n, _ in m.named_parameters()} | {n for n, _ in m.named_buffers()}
if sys.argv[2] == "pnn":
    assert any(n.startswith("column1.") for n in names) and not any(n.startswith("column2.") for n in names), names
else:  # task 1 has not pruned yet at step 60: no weight is task 1's
    owners = torch.cat([b.flatten() for n, b in m.named_buffers() if n.startswith("owners")])
    assert (owners == 0).any() and not (owners == 1).any(), owners.unique()
print(f"ok - {sys.argv[2]}: mnemo export of a mid-task-1 checkpoint holds the network as it was then")
PY
}

check pnn 1
# PackNet's later tasks start from zeroed weights (the pruned ones): they need a few epochs.
check packnet 3 --packnet-prune 0.5 --packnet-retrain 0.25

# A growing head (--growing-head) with er on a class-incremental stream: a
# block of outputs per task with new classes, every parameter trained.
"$mnemo" prepare --source synthetic --output "$work/c" --tasks 3 --classes-per-task 2 \
  --synthetic-train-per-class 300 --synthetic-test-per-class 60 --synthetic-noise 150 --seed 5 >/dev/null 2>&1
gh=(--stream "$work/c" --strategy er --replay-capacity 60 --replay-batch 12 --growing-head --hidden 16,12
  --batch-size 12 --lr 0.05 --deterministic --checkpoint-every 15 --checkpoint-keep 100 --threads 1)
gh_run() {  # ranks run_dir [extra...]
  local n=$1 dir=$2
  shift 2
  timeout 300 "$mpiexec" -n "$n" "$mnemo" train "${gh[@]}" --run-dir "$dir" "$@"
}
ref=$work/gh-ref
gh_run 2 "$ref" >"$ref.log" 2>&1 || { cat "$ref.log"; fail "growing head: reference run"; }
"$py" - "$ref/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
body = 64 * 16 + 16 + 16 * 12 + 12
for k, t in enumerate(r["tasks"]):
    want = body + (12 + 1) * 2 * (k + 1)  # D = 12 inputs and a bias per output; 2 new classes a task
    assert t["parameters"] == t["trainable_parameters"] == want, (k, t, want)
m = r["accuracy"]["class_il"]
assert all(m[0][j] == 0 for j in (1, 2)), f"classes not brought yet were predicted: {m[0]}"
assert m[-1][0] > 0.2 and m[-1][-1] > 0.6, f"er with a growing head did not learn or remember: {m}"
print(f"ok - growing head: the parameters grew by 2 outputs a task ({body} in the body); class-IL row {m[-1]}")
PY
for from in "$ref/checkpoints/ckpt-T00001-S000000060" "$ref/checkpoints/ckpt-T00002-S000000100"; do
  [[ -f $from/DONE ]] || { ls "$ref/checkpoints"; fail "growing head: no checkpoint $from"; }
  name=$(basename "$from")
  gh_run 2 "$work/gh-r2-$name" --resume "$from" >"$work/gh-r2-$name.log" 2>&1 \
    || { cat "$work/gh-r2-$name.log"; fail "growing head: resume $name"; }
  gh_run 3 "$work/gh-r3-$name" --resume "$from" >"$work/gh-r3-$name.log" 2>&1 \
    || { cat "$work/gh-r3-$name.log"; fail "growing head: resume $name -n 3"; }
  "$py" - "$ref" "$work/gh-r2-$name" "$work/gh-r3-$name" <<'PY' || fail "growing head: resuming $name changed the run"
import json, sys
a, b, c = (json.load(open(f"{d}/results.json")) for d in sys.argv[1:4])
for k in ("accuracy", "confusion", "model_fingerprint"):
    assert a[k] == b[k], f"2 ranks: {k} differs from the uninterrupted run"
diff = max(abs(x - y) for ra, rc in zip(a["accuracy"]["class_il"], c["accuracy"]["class_il"]) for x, y in zip(ra, rc))
assert diff <= 0.01, f"3 ranks: max |difference| {diff}"
PY
  echo "ok - growing head: resumed $name on 2 ranks (exact) and on 3 ranks (same matrix)"
done
"$py" "$here/python/check_export.py" "$ref/model/final" "$work/c" "$ref/results.json" -1
"$mnemo" export "$ref/checkpoints/ckpt-T00001-S000000060" --output "$work/gh-mid" >/dev/null 2>&1 \
  || fail "growing head: mnemo export of a mid-task-1 checkpoint"
"$py" - "$work/gh-mid" <<'PY'
import sys, torch
names = {n for n, _ in torch.jit.load(f"{sys.argv[1]}/model.ts").named_parameters()}
assert "head1.weight" in names and "head2.weight" not in names, sorted(names)
print("ok - growing head: mnemo export of a mid-task-1 checkpoint holds the blocks of tasks 0 and 1")
PY

# A TorchScript model (scripted by PyTorch, with a features method) with a
# growing head: its features feed the blocks, its own head is frozen (out of
# the all-reduce), and the export reproduces the run in PyTorch.
mkdir -p "$work/models"
"$py" "$here/python/make_models.py" "$work/models" 1 8 6 >/dev/null
ts=$work/ts-gh
timeout 300 "$mpiexec" -n 2 "$mnemo" train "${gh[@]}" --model "$work/models/mlp.pt" --run-dir "$ts" >"$ts.log" 2>&1 \
  || { cat "$ts.log"; fail "growing head on a TorchScript model"; }
"$py" - "$ts/results.json" <<'PY'
import json, sys
tasks = json.load(open(sys.argv[1]))["tasks"]
body, own_head = 64 * 100 + 100 + 100 * 100 + 100, 100 * 6 + 6  # make_models.py's Mlp: body, head (unused)
for k, t in enumerate(tasks):
    trains = body + (100 + 1) * 2 * (k + 1)
    assert (t["parameters"], t["trainable_parameters"]) == (trains + own_head, trains), (k, t, trains)
print("ok - growing head on a TorchScript model: its features train, its own head is frozen, 2 outputs a task")
PY
"$py" "$here/python/check_export.py" "$ts/model/final" "$work/c" "$ts/results.json" -1
