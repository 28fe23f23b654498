#!/usr/bin/env bash
# Benchmark (not a test): peak RSS per rank against the replay buffer size.
#   er and derpp on Split Fashion-MNIST (60k training samples, so a 50k
#   buffer fills), batch 10, evaluation streamed (--eval-cache-mb 0), on 1
#   and 2 ranks; buffer 500, 5000, 50000. Prints the peak RSS (the maximum
#   over ranks and tasks, from results.json) and the growth from 500 to
#   50000 against the closed form: 49500 samples x (784 image bytes / ranks
#   + 16 bytes of label and task, replicated) + 40 bytes of logits / ranks
#   for derpp.
# Usage: tests/bench/memory.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
source tests/bench/bench_env.sh
for ranks in 1 2; do
  for strategy in er derpp; do
    for capacity in 500 5000 50000; do
      mpirun -np "$ranks" --bind-to core "$mnemo" train --stream "$stream" --run-dir "$work/$ranks-$strategy-$capacity" \
        --strategy "$strategy" --replay-capacity "$capacity" --eval-cache-mb 0 --threads 1 >"$work/log" 2>&1 ||
        { cat "$work/log"; exit 1; }
    done
  done
done
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
def rss(ranks, strategy, capacity):
    r = json.load(open(f"{w}/{ranks}-{strategy}-{capacity}/results.json"))
    return max(t["peak_rss_bytes"] for t in r["tasks"]) / 2**20
print(f"{'ranks':5s} {'strategy':8s} {'buf 500':>9s} {'buf 5000':>9s} {'buf 50000':>10s} {'growth':>8s} {'closed form':>12s}")
for ranks in (1, 2):
    for strategy in ("er", "derpp"):
        a, b, c = (rss(ranks, strategy, cap) for cap in (500, 5000, 50000))
        per_sample = 784 / ranks + 16 + (40 / ranks if strategy == "derpp" else 0)
        print(f"{ranks:5d} {strategy:8s} {a:7.1f}MB {b:7.1f}MB {c:8.1f}MB {c - a:6.1f}MB {49500 * per_sample / 2**20:10.1f}MB")
PY
