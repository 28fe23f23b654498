#!/usr/bin/env bash
# Benchmark (not a test): mnemo against the equivalent PyTorch Python script
#   (pytorch_reference.py; Debian's python3-torch: the same LibTorch 1.13,
#   BLAS and one thread), side by side in one run, on Split Fashion-MNIST
#   (5 tasks x 2 classes, 1 epoch, buffer 500, lr 0.1, 1 rank, 1 thread):
#   (a) training step throughput for er and derpp at batch 10 and 128;
#   (b) end to end (training + evaluation of every task after every task;
#       prepare excluded). Also prints both final accuracies.
#   Two readings: each with its default BLAS kernels (mnemo picks the best
#   its CPU supports, the Python process keeps what OpenBLAS picked), and
#   both with the same kernels forced (OPENBLAS_CORETYPE = mnemo's choice),
#   the fair reading.
# Usage: tests/bench/vs_pytorch.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
source tests/bench/bench_env.sh
python=${MNEMO_PYTHON:-/usr/bin/python3}
"$python" -c "import torch, h5py" 2>/dev/null || { echo "needs python3-torch and python3-h5py (apt-get install)"; exit 2; }
unset OPENBLAS_CORETYPE
chosen=$("$mnemo" train --stream "$stream" --run-dir "$work/probe" --strategy finetune --threads 1 2>&1 |
  sed -n 's/.*BLAS kernels: \([^ ]*\) .*/\1/p' | head -1)
for reading in default same; do
if [ $reading = same ]; then
  export OPENBLAS_CORETYPE=$chosen
  echo "both with OPENBLAS_CORETYPE=$chosen:"
else
  echo "default kernels (mnemo: $chosen; python: OpenBLAS's own choice):"
fi
printf '%-8s %-6s %14s %14s %9s %14s %9s %8s %8s\n' strategy batch "mnemo step" "python step" "ratio" \
  "e2e ratio" "" "mnemo" "python"
for strategy in er derpp; do
  for batch in 10 128; do
    "$mnemo" train --stream "$stream" --run-dir "$work/$reading-$strategy-$batch" --strategy "$strategy" --batch-size "$batch" \
      --replay-batch "$batch" --threads 1 --lr 0.1 >"$work/mnemo.log" 2>&1 || { cat "$work/mnemo.log"; exit 1; }
    "$python" tests/bench/pytorch_reference.py "$stream" --strategy "$strategy" --batch-size "$batch" >"$work/py.json"
    python3 - "$work/$reading-$strategy-$batch/results.json" "$work/py.json" "$strategy" "$batch" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2]))
train = sum(t["seconds"] for t in m["tasks"]); ev = sum(t["eval_seconds"] for t in m["tasks"])
steps = p["steps"]
ms, ps = 1e6 * train / steps, 1e6 * p["train_seconds"] / steps
e2e = (p["train_seconds"] + p["eval_seconds"]) / (train + ev)
print(f"{sys.argv[3]:8s} {sys.argv[4]:6s} {ms:11.0f} us {ps:11.0f} us {ps / ms:8.2f}x {e2e:13.2f}x {'':9s}"
      f" {100 * m['metrics']['class_il']['acc']:7.2f} {100 * p['acc']:7.2f}")
PY
  done
done
done
