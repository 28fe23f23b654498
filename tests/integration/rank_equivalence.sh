#!/usr/bin/env bash
# Test: results do not depend on the number of ranks. With the same global
#   batch, -n 2 and -n 3 give the accuracy matrix of -n 1 (within 1 point
#   per entry, for floating-point noise in the all-reduce order) for the
#   replay strategies (the global replay memory sharded across ranks, also
#   GDumb's retraining on it, iCaRL's herding and class means),
#   distillation and the regularisers. A noisy synthetic stream keeps the
#   accuracies away from 0 and 1, so a difference would show.
#   metrics.csv too: the same rows, and each loss term's global-batch mean
#   over the first 20 rows equal to 1e-4 (relative) on 1, 2 and 3 ranks.
#   With --augment crop-flip (stream and replay batches augmented, DER++'s
#   stored logits from the augmented forward pass) too, and augmentation
#   really changes the run. Networks that grow (--model pnn: a column per
#   task, the flat buffers and buckets rebuilt at each task start) and
#   prune (--model packnet: masks decided from the weights on every rank)
#   too, and er with a growing head (--growing-head).
#   Rank-local input: results.json's input_bytes. One rank running er reads
#   each task's rows once, images and labels (the closed form from the
#   stream's shapes); over 2 and 3 ranks the bytes read add up to at most
#   1.5 times one rank's, not N times (each rank reads its slice's samples,
#   every label, and the few rows of other slices its replay shard
#   stores): the samples to at most 1.25 times, and no rank reads more
#   than 1/N of one rank's bytes plus 0.2.
# Usage: rank_equivalence.sh MNEMO MPIEXEC
set -euo pipefail
mnemo=$1
mpiexec=$2
source "$(dirname "$0")/common.sh"

"$mnemo" prepare --source synthetic --output "$work/stream" --tasks 3 --classes-per-task 2 --synthetic-classes 6 \
  --synthetic-train-per-class 300 --synthetic-test-per-class 100 --synthetic-noise 150 --seed 3 >/dev/null 2>&1
strategies="er derpp agem er-ace ewc lwf gdumb icarl"
for s in $strategies; do
  for n in 1 2 3; do
    timeout 300 "$mpiexec" -n "$n" "$mnemo" train --stream "$work/stream" --run-dir "$work/$s-$n" --strategy "$s" \
      --batch-size 12 --replay-capacity 60 --replay-batch 12 --lr 0.05 --threads 1 >"$work/$s-$n.log" 2>&1 \
      || { cat "$work/$s-$n.log"; fail "$s on $n ranks exited $?"; }
  done
done
for n in 1 2 3; do  # a growing head: the buffers rebuilt as outputs appear
  timeout 300 "$mpiexec" -n "$n" "$mnemo" train --stream "$work/stream" --run-dir "$work/er+gh-$n" --strategy er \
    --growing-head --batch-size 12 --replay-capacity 60 --replay-batch 12 --lr 0.05 --threads 1 >"$work/er+gh-$n.log" \
    2>&1 || { cat "$work/er+gh-$n.log"; fail "er+gh on $n ranks exited $?"; }
done
for s in er derpp; do  # augmented: the rows' crops and flips are named by global step, row and slot
  for n in 1 2 3; do
    timeout 300 "$mpiexec" -n "$n" "$mnemo" train --stream "$work/stream" --run-dir "$work/$s+aug-$n" --strategy "$s" \
      --batch-size 12 --replay-capacity 60 --replay-batch 12 --lr 0.05 --threads 1 --augment crop-flip \
      --augment-padding 2 >"$work/$s+aug-$n.log" 2>&1 || { cat "$work/$s+aug-$n.log"; fail "$s+aug on $n ranks exited $?"; }
  done
done
# Networks that change: a progressive column per task (task-IL stream), its
# buffers rebuilt at every task start, earlier columns out of the all-reduce;
# PackNet's per-task masks, pruned from the weights every rank holds alike.
"$mnemo" prepare --source synthetic --scenario task-incremental --output "$work/ti" --tasks 3 --classes-per-task 2 \
  --synthetic-classes 6 --synthetic-train-per-class 300 --synthetic-test-per-class 100 --synthetic-noise 220 \
  --seed 3 >/dev/null 2>&1
for model in pnn packnet; do
  for n in 1 2 3; do
    timeout 300 "$mpiexec" -n "$n" "$mnemo" train --stream "$work/ti" --run-dir "$work/$model-$n" --model "$model" \
      --strategy finetune --hidden 16,12 --batch-size 12 --lr 0.05 --epochs 2 --threads 1 >"$work/$model-$n.log" 2>&1 \
      || { cat "$work/$model-$n.log"; fail "$model on $n ranks exited $?"; }
  done
done
strategies="$strategies er+aug derpp+aug er+gh pnn packnet"
/usr/bin/python3 - "$work" $strategies <<'PY'
import json, sys
work, strategies = sys.argv[1], sys.argv[2:]
failed = 0
for s in strategies:
    for mode in ("class_il", "task_il"):
        m = [json.load(open(f"{work}/{s}-{n}/results.json"))["accuracy"][mode] for n in (1, 2, 3)]
        for n, other in ((2, m[1]), (3, m[2])):
            diff = max(abs(a - b) for ra, rb in zip(m[0], other) for a, b in zip(ra, rb))
            ok = diff <= 0.01
            failed += not ok
            print(f"{'ok ' if ok else 'FAIL'} {s} {mode}: -n {n} vs -n 1, max |difference| {100 * diff:.2f} points")
import csv
for s in strategies:
    logs = [list(csv.DictReader(open(f"{work}/{s}-{n}/metrics.csv"))) for n in (1, 2, 3)]
    assert [r["step"] for r in logs[0]] == [r["step"] for r in logs[1]] == [r["step"] for r in logs[2]], s
    losses = [k for k in logs[0][0] if k.startswith("loss")]
    for n, other in ((2, logs[1]), (3, logs[2])):
        for a, b in zip(logs[0][:20], other[:20]):
            for k in losses:
                if a[k] == "" and b[k] == "":
                    continue
                x, y = float(a[k]), float(b[k])
                if abs(x - y) > 1e-4 * max(1.0, abs(x)):
                    failed += 1
                    print(f"FAIL {s}: metrics.csv {k} at step {a['step']}: {x} on 1 rank, {y} on {n}")
    print(f"ok  {s}: metrics.csv losses {', '.join(losses)} equal on 1, 2 and 3 ranks")
for s in ("er", "derpp"):
    plain, aug = (json.load(open(f"{work}/{v}-1/results.json"))["accuracy"] for v in (s, s + "+aug"))
    assert plain != aug, f"{s}: --augment crop-flip did not change the run"
import h5py, glob, math
with h5py.File(sorted(glob.glob(f"{work}/stream/shard-*.h5"))[0]) as f:
    images = f["task_000/train/images"]
    sample_bytes = math.prod(images.shape[1:]) * images.dtype.itemsize
er1 = json.load(open(f"{work}/er-1/results.json"))
for t in er1["tasks"]:
    want = t["train_samples"] * (sample_bytes + 8)
    if t["input_bytes"] != [want]:
        failed += 1
        print(f"FAIL er on 1 rank read {t['input_bytes']} bytes for a task of {t['train_samples']} rows, not {want}")
for s in strategies:
    runs = [json.load(open(f"{work}/{s}-{n}/results.json")) for n in (1, 2, 3)]
    # One rank reads a task that fits one window once for all its epochs, shares are read every epoch:
    # the reference is one pass per epoch (train_samples counts every epoch's), or one rank's reads if more.
    rows = sum(t["train_samples"] for t in runs[0]["tasks"])
    one = max(sum(t["input_bytes"][0] for t in runs[0]["tasks"]), rows * (sample_bytes + 8))
    for n, r in ((2, runs[1]), (3, runs[2])):
        per_rank = [sum(t["input_bytes"][k] for t in r["tasks"]) for k in range(n)]
        # Every rank reads every label (8 bytes a row; these samples are small, so that weighs):
        # the samples read over all ranks are one pass plus the replay shards' rows of other slices.
        samples = sum(per_rank) - n * rows * 8
        ok = sum(per_rank) <= 1.5 * one and samples <= 1.25 * (one - rows * 8) and max(per_rank) <= (1 / n + 0.2) * one
        failed += not ok
        print(f"{'ok ' if ok else 'FAIL'} {s}: {n} ranks read {sum(per_rank) / one:.3f} x one rank's bytes "
              f"(samples {samples / (one - rows * 8):.3f} x), {max(per_rank) / one:.3f} x at most on one rank")
er_old = json.load(open(f"{work}/er-1/results.json"))["accuracy"]["class_il"][-1][:2]
assert 0.2 < sum(er_old) / 2 < 0.95, f"er's old-task accuracy {er_old} is degenerate: the test would not see a change"
sys.exit(1 if failed else 0)
PY
echo "$(wc -w <<<"$strategies") strategies equal on 1, 2 and 3 ranks"
