#!/usr/bin/env bash
# Benchmark (not a test) of the input pipeline:
#   1. input samples/s from the HDF5 shards (reader thread and inline)
#      against the same batches cut from memory (mnemo_bench_input), for the
#      default uncompressed stream and a gzip'd copy;
#   2. the share of training time spent waiting for input (with the
#      background prefetch) and of evaluation, on the main job's run
#      (Split Fashion-MNIST, er, batch 10, 2 ranks);
#   3. peak RSS per rank of a 20-task permuted stream run against a 5-task
#      one, with evaluation streamed (--eval-cache-mb 0) and with the
#      default evaluation cache.
# Usage: tests/bench/input_pipeline.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
source tests/bench/bench_env.sh

echo "== 1. input samples/s: HDF5 shards against memory (1 process, batch 10)"
"$build/tests/mnemo_bench_input" "$stream" 10 16384 3
"$mnemo" prepare --output "$work/gz" --deflate 4 >/dev/null 2>&1
"$build/tests/mnemo_bench_input" "$work/gz" 10 16384 3 | sed 's#'"$work"'/gz#gzip level 4 copy (--deflate 4)#'

echo "== 2. input wait and evaluation as shares of the run (er, batch 10, 2 ranks, 1 thread each)"
mpirun -np 2 --bind-to core "$mnemo" train --stream "$stream" --run-dir "$work/er" --strategy er --lr 0.1 \
  --threads 1 >/dev/null 2>&1
python3 - "$work/er/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for i, t in enumerate(r["tasks"]):
    print(f"  task {i}: training {t['seconds']:.3f} s, input wait {100 * t['input_share']:.1f}%, "
          f"evaluation {t['eval_seconds']:.3f} s")
train = sum(t["seconds"] for t in r["tasks"]); wait = sum(t["input_wait_seconds"] for t in r["tasks"])
ev = sum(t["eval_seconds"] for t in r["tasks"])
print(f"  whole run: input wait {100 * wait / train:.1f}% of training; evaluation {100 * ev / (train + ev):.1f}% "
      f"of training + evaluation")
PY

echo "== 3. peak RSS per rank: 20-task against 5-task permuted stream (6000 training samples per task, 1 rank)"
for tasks in 5 20; do
  "$mnemo" prepare --scenario permuted --tasks "$tasks" --samples-per-task 6000 --output "$work/perm$tasks" \
    >/dev/null 2>&1
  for cache in 0 256; do
    "$mnemo" train --stream "$work/perm$tasks" --run-dir "$work/perm$tasks-c$cache" --strategy er --batch-size 128 \
      --replay-batch 128 --lr 0.1 --threads 1 --eval-cache-mb "$cache" >/dev/null 2>&1
  done
done
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
def rss(tasks, cache):
    r = json.load(open(f"{w}/perm{tasks}-c{cache}/results.json"))
    return max(t["peak_rss_bytes"] for t in r["tasks"]) / 2**20
for cache, what in ((0, "evaluation streamed (--eval-cache-mb 0)"), (256, "default evaluation cache (256 MiB)")):
    five, twenty = rss(5, cache), rss(20, cache)
    print(f"  {what}: 5 tasks {five:.0f} MiB, 20 tasks {twenty:.0f} MiB, ratio {twenty / five:.3f}")
PY
