#!/usr/bin/env bash
# Benchmark (not a test): the built-in MLP against the same architecture
#   (784-100-100-10, ReLU) scripted in PyTorch and trained from its
#   TorchScript file (--model FILE.pt), side by side: ER-500 on Split
#   Fashion-MNIST, batch 10, lr 0.1, 2 ranks, seeds 0, 1, 2 (the TorchScript
#   model initialised by PyTorch from torch.manual_seed(SEED), the built-in
#   by mnemo from --seed). Prints class-IL and task-IL ACC (mean ± std) and
#   training samples/s of each, and their ratio. Fills the README's
#   TorchScript row.
# Usage: tests/bench/torchscript_model.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
source tests/bench/bench_env.sh
export OMPI_MCA_rmaps_base_oversubscribe=1
python=${MNEMO_PYTHON:-/usr/bin/python3}
"$python" -c "import torch" 2>/dev/null || { echo "needs python3-torch (apt-get install)"; exit 2; }
for seed in 0 1 2; do
  mkdir -p "$work/models-$seed"
  "$python" tests/integration/python/make_models.py "$work/models-$seed" 1 28 10 "$seed"
  for model in mlp "$work/models-$seed/mlp.pt"; do
    name=$([ "$model" = mlp ] && echo builtin || echo torchscript)
    mpiexec -n 2 "$mnemo" train --stream "$stream" --run-dir "$work/$name-$seed" --model "$model" --strategy er \
      --replay-capacity 500 --lr 0.1 --seed "$seed" --threads 1 >"$work/log" 2>&1 || { cat "$work/log"; exit 1; }
  done
done
python3 - "$work" <<'PY'
import json, statistics, sys
rows = {}
for name in ("builtin", "torchscript"):
    runs = [json.load(open(f"{sys.argv[1]}/{name}-{s}/results.json")) for s in range(3)]
    acc = lambda r, k: 100 * r["metrics"][k]["acc"]
    speed = lambda r: sum(t["train_samples"] for t in r["tasks"]) / sum(t["seconds"] for t in r["tasks"])
    rows[name] = [acc(r, "class_il") for r in runs], [acc(r, "task_il") for r in runs], [speed(r) for r in runs]
fmt = lambda v: f"{statistics.mean(v):.1f} ± {statistics.stdev(v):.1f}"
print(f"{'model':12s} {'class-IL ACC':>14s} {'task-IL ACC':>14s} {'samples/s':>10s}")
for name, (c, t, s) in rows.items():
    print(f"{name:12s} {fmt(c):>14s} {fmt(t):>14s} {statistics.mean(s):10.0f}")
ratio = statistics.mean(rows["builtin"][2]) / statistics.mean(rows["torchscript"][2])
print(f"built-in / TorchScript training speed: {ratio:.2f}x")
PY
