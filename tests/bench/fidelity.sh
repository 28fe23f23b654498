#!/usr/bin/env bash
# Implements: the fidelity check against the DER authors' protocol on small
#   tasks. One small-task stream (Fashion-MNIST, 5 tasks x 2 classes in the
#   natural class order 0,1,...,9 as Mammoth's seq-mnist, SAMPLES training
#   images per task, default 1500); finetune, ER-500 and DER++-500 with the
#   results table's Split Fashion-MNIST hyper-parameters (batch 10, replay
#   batch 10); seeds 0..2. Each run is made three ways:
#     mnemo --weight-init torch    (mnemo's default: LibTorch's initialisation)
#     mnemo --weight-init xavier   (the reference protocol)
#     tests/bench/pytorch_reference.py --init xavier   (Mammoth's code path in PyTorch)
#   and, for the initialisation's own effect, the reference with --init torch.
#   Prints and writes OUT/table.md: final class-IL and task-IL accuracy,
#   mean +- std over seeds, and mnemo's difference to the reference with the
#   same initialisation. Not a test (no pass/fail); run before a release.
# Usage: bash tests/bench/fidelity.sh [OUT]   (about 4 minutes on 2 cores)
#   Environment: MNEMO_BIN (default build/src/cli/mnemo), SEEDS ("0 1 2"),
#   SAMPLES (1500), RANKS (mnemo's ranks, 1).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-runs/fidelity}
mnemo=${MNEMO_BIN:-build/src/cli/mnemo}
seeds=${SEEDS:-0 1 2}
samples=${SAMPLES:-1500}
ranks=${RANKS:-1}
py=/usr/bin/python3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
rm -rf "$out"
mkdir -p "$out/runs" "$out/reference"
quiet() { "$@" >"$out/last.log" 2>&1 || { cat "$out/last.log"; exit 1; }; }

stream=$out/stream
quiet "$mnemo" prepare --output "$stream" --tasks 5 --classes-per-task 2 --class-order 0,1,2,3,4,5,6,7,8,9 \
  --samples-per-task "$samples" --seed 0

# method -> mnemo options / reference options (the results table's split values)
declare -A mnemo_opts=(
  [finetune]="--strategy finetune --lr 0.03"
  [er]="--strategy er --lr 0.1 --replay-capacity 500 --replay-batch 10"
  [derpp]="--strategy derpp --lr 0.03 --replay-capacity 500 --replay-batch 10 --der-alpha 1.0 --der-beta 0.5")
declare -A ref_opts=(
  [finetune]="--strategy finetune --lr 0.03"
  [er]="--strategy er --lr 0.1 --buffer 500 --replay-batch 10"
  [derpp]="--strategy derpp --lr 0.03 --buffer 500 --replay-batch 10 --alpha 1.0 --beta 0.5")
methods="finetune er derpp"

for seed in $seeds; do
  for m in $methods; do
    for init in torch xavier; do
      # shellcheck disable=SC2086
      quiet mpiexec -n "$ranks" "$mnemo" train --stream "$stream" ${mnemo_opts[$m]} --batch-size 10 --seed "$seed" \
        --threads 1 --weight-init "$init" --no-export-model --run-dir "$out/runs/$m-$init-s$seed"
      # shellcheck disable=SC2086
      "$py" tests/bench/pytorch_reference.py "$stream" ${ref_opts[$m]} --batch-size 10 --seed "$seed" \
        --init "$init" >"$out/reference/$m-$init-s$seed.json"
    done
  done
done

"$py" - "$out" "$samples" <<'PY' | tee "$out/table.md"
import glob, json, os, statistics, sys
out, samples = sys.argv[1], sys.argv[2]
acc = {}
for path in glob.glob(f"{out}/runs/*/results.json"):
    m, init, _ = os.path.basename(os.path.dirname(path)).split("-")
    r = json.load(open(path))["metrics"]
    acc.setdefault(("mnemo", m, init), []).append((r["class_il"]["acc"], r["task_il"]["acc"]))
for path in glob.glob(f"{out}/reference/*.json"):
    m, init, _ = os.path.basename(path)[:-5].split("-")
    r = json.load(open(path))
    acc.setdefault(("reference", m, init), []).append((r["acc"], r["acc_task_il"]))
def mean(v): return 100 * statistics.mean(v)
def fmt(v): return f"{mean(v):.1f} ± {100 * (statistics.stdev(v) if len(v) > 1 else 0):.1f}"
names = {"finetune": "finetune", "er": "ER-500", "derpp": "DER++-500"}
seeds = len(next(iter(acc.values())))
print(f"Split Fashion-MNIST, 5 x 2 classes in order 0..9, {samples} training images per task, batch 10, "
      f"{seeds} seeds; final accuracy %, mean ± std.\n")
for col, title in ((0, "class-IL"), (1, "task-IL")):
    print(f"| {title} | mnemo, torch init | reference, torch init | difference | mnemo, xavier init | "
          "reference, xavier init (Mammoth) | difference |")
    print("|---|---|---|---|---|---|---|")
    for m in ("finetune", "er", "derpp"):
        cells = []
        for init in ("torch", "xavier"):
            a = [x[col] for x in acc[("mnemo", m, init)]]
            b = [x[col] for x in acc[("reference", m, init)]]
            cells += [fmt(a), fmt(b), f"{mean(a) - mean(b):+.1f}"]
        print(f"| {names[m]} | " + " | ".join(cells) + " |")
    print()
PY
