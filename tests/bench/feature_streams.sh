#!/usr/bin/env bash
# Implements: the README's results on float features and tabular data.
#   1. Features from a pretrained encoder: an MLP (2 x 256) trained with mnemo
#      on 4 Fashion-MNIST classes (5 epochs) is exported; PyTorch runs its
#      model.ts `features` on every image of the 6 other classes; those
#      256-feature vectors (float32, not normalised: see below) and, for comparison, the same images' raw pixels become
#      class-incremental streams of 3 tasks x 2 classes. A small head (MLP
#      1 x 64 on the features, the usual 2 x 100 on pixels) learns them with
#      finetune, ER, DER++ (buffer 200) and joint.
#   2. Tabular data scikit-learn ships, as CSV: digits (64 features,
#      class-incremental 5 x 2) and wine and breast-cancer (13 and 30
#      features, every class in each of 3 row windows of shuffled rows:
#      instance-incremental).
#   3 seeds, 2 ranks, batch 10, SGD lr 0.1 (0.05 on the tabular sets), 1
#   epoch (5 on wine and breast-cancer, which have 100-400 training rows).
#   Prints and writes OUT/table.md: final class-IL (and task-IL) accuracy,
#   mean +- std over seeds.
# Usage: bash tests/bench/feature_streams.sh [OUT]   (about 4 minutes on 2 cores)
#   Environment: MNEMO_BIN (default build/src/cli/mnemo), SEEDS ("0 1 2").
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-runs/feature-streams}
mnemo=${MNEMO_BIN:-build/src/cli/mnemo}
seeds=${SEEDS:-0 1 2}
py=/usr/bin/python3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
rm -rf "$out"
mkdir -p "$out/data" "$out/streams" "$out/runs"
quiet() { "$@" >"$out/last.log" 2>&1 || { cat "$out/last.log"; exit 1; }; }

# 1. The encoder and the embedded stream.
quiet "$mnemo" prepare --output "$out/streams/encoder" --tasks 1 --classes-per-task 4 --seed 0
encoder_classes=$("$py" -c "import h5py,sys; print(','.join(str(c) for c in h5py.File(sys.argv[1])['/'].attrs['class_order'][:4]))" \
  "$out/streams/encoder/stream.h5")
quiet mpiexec -n 2 "$mnemo" train --stream "$out/streams/encoder" --strategy finetune --hidden 256 256 --epochs 5 \
  --threads 1 --run-dir "$out/runs/encoder"
"$py" tests/bench/feature_data.py embed "$out/runs/encoder/model/final" /usr/share/datasets/fashion-mnist \
  "$encoder_classes" "$out/data"
# Not normalised: a ReLU feature nearly always 0 on the first task's classes
# gets a tiny first-task std, and later tasks' values of it become huge
# (DER++ diverged so); the features are already of order 1.
quiet "$mnemo" prepare --source numpy --input "$out/data/embedded.npz" --output "$out/streams/embedded" --tasks 3 \
  --classes-per-task 2 --normalize none
quiet "$mnemo" prepare --source numpy --input "$out/data/pixels.npz" --output "$out/streams/pixels" --tasks 3 \
  --classes-per-task 2
"$py" tests/bench/feature_data.py tabular "$out/data"
quiet "$mnemo" prepare --source csv --input "$out/data/digits.csv" --output "$out/streams/digits" --tasks 5 \
  --classes-per-task 2
for set in wine breast_cancer; do
  quiet "$mnemo" prepare --source csv --input "$out/data/$set.csv" --output "$out/streams/$set" \
    --scenario time-ordered --split-by rows --tasks 3
done

run() {  # stream strategy seed options...
  local stream=$1 strategy=$2 seed=$3
  shift 3
  local replay=()
  [[ $strategy == er || $strategy == derpp ]] && replay=(--replay-capacity 200 --replay-batch 10)
  quiet mpiexec -n 2 "$mnemo" train --stream "$out/streams/$stream" --strategy "$strategy" --seed "$seed" \
    --batch-size 10 --threads 1 --run-dir "$out/runs/$stream-$strategy-s$seed" "${replay[@]}" "$@"
}
for seed in $seeds; do
  for strategy in finetune er derpp joint; do
    run embedded $strategy "$seed" --hidden 64 --lr 0.1
    run pixels $strategy "$seed" --lr 0.1
    run digits $strategy "$seed" --hidden 64 --lr 0.05
    run wine $strategy "$seed" --hidden 64 --lr 0.05 --epochs 5
    run breast_cancer $strategy "$seed" --hidden 64 --lr 0.05 --epochs 5
  done
done

"$py" - "$out" <<'PY' | tee "$out/table.md"
import glob, json, os, statistics, sys
out = sys.argv[1]
rows = {}
for path in glob.glob(f"{out}/runs/*-s*/results.json"):
    name = os.path.basename(os.path.dirname(path))
    stream, strategy, _ = name.rsplit("-", 2)
    m = json.load(open(path))["metrics"]
    rows.setdefault((stream, strategy), []).append((m["class_il"]["acc"], m["task_il"]["acc"]))
def fmt(v):
    return f"{100 * statistics.mean(v):.1f} ± {100 * (statistics.stdev(v) if len(v) > 1 else 0):.1f}"
titles = [("embedded", "Fashion-MNIST, 6 unseen classes as encoder features (256 floats), 3 x 2, head MLP 1 x 64"),
          ("pixels", "the same images as raw pixels (uint8 28 x 28), 3 x 2, MLP 2 x 100"),
          ("digits", "scikit-learn digits, CSV (64 features), 5 x 2, MLP 1 x 64"),
          ("wine", "scikit-learn wine, CSV (13 features, 3 classes), 3 row windows, 5 epochs"),
          ("breast_cancer", "scikit-learn breast cancer, CSV (30 features, 2 classes), 3 row windows, 5 epochs")]
print("| stream | finetune | ER-200 | DER++-200 | joint |")
print("|---|---|---|---|---|")
for stream, title in titles:
    cells = []
    for strategy in ("finetune", "er", "derpp", "joint"):
        v = rows.get((stream, strategy), [])
        if not v:
            cells.append("—")
        elif stream in ("wine", "breast_cancer"):
            cells.append(fmt([c for c, _ in v]))
        else:
            cells.append(f"{fmt([c for c, _ in v])} ({fmt([t for _, t in v])})")
    print(f"| {title} | " + " | ".join(cells) + " |")
print("\nFinal accuracy over all tasks, %, mean ± std over "
      f"{len(next(iter(rows.values())))} seeds: class-IL (task-IL in brackets where tasks have their own classes).")
PY
