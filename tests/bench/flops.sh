#!/usr/bin/env bash
# Benchmark (not a test): achieved FLOP/s of mnemo's training step as a
#   fraction of this core's single-thread sgemm peak (measured here with
#   Debian's python3-torch, the same LibTorch and OpenBLAS, 1 thread).
#   Workload: er on Split Fashion-MNIST, MLP 784-100-100-10, 1 rank, 1
#   thread, stream batch B + replay batch B. FLOPs per sample and step:
#   forward 2·(784·100 + 100·100 + 100·10); backward the same for the weight
#   gradients plus 2·(100·100 + 100·10) for the input gradients of layers 2
#   and 3 (the first layer's input needs none).
# Usage: tests/bench/flops.sh [BUILD_DIR] [BATCH]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
batch=${2:-128}
source tests/bench/bench_env.sh
"$mnemo" train --stream "$stream" --run-dir "$work/run" --strategy er --batch-size "$batch" --replay-batch "$batch" \
  --threads 1 --epochs 2 >/dev/null 2>&1
/usr/bin/python3 - "$work/run/results.json" "$batch" <<'PY'
import json, sys, time
import torch
torch.set_num_threads(1)
r = json.load(open(sys.argv[1])); batch = int(sys.argv[2])
# sgemm peak: the best of several large float32 products.
a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
best = 0.0
for _ in range(8):
    t = time.perf_counter(); torch.mm(a, b); dt = time.perf_counter() - t
    best = max(best, 2 * 1024 ** 3 / dt)
tasks = r["tasks"][1:]  # task 0 has no replay yet
stream_rate = sum(t["train_samples"] for t in tasks) / sum(t["seconds"] for t in tasks)
forward = 2 * (784 * 100 + 100 * 100 + 100 * 10)
per_sample = 2 * forward + 2 * (100 * 100 + 100 * 10)
achieved = 2 * stream_rate * per_sample  # stream + replay samples
print(f"sgemm peak (1 thread, 1024^3): {best / 1e9:.1f} GFLOP/s")
print(f"er step, batch {batch} + replay {batch}: {stream_rate:,.0f} stream samples/s = {achieved / 1e9:.2f} GFLOP/s "
      f"= {100 * achieved / best:.0f}% of the sgemm peak (target >= 50% at batch 128)")
PY
