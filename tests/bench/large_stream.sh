#!/usr/bin/env bash
# Benchmark (not a test): training from a stream several times larger than
#   the memory the ranks may use. `mnemo prepare` makes a synthetic stream of
#   CIFAR-sized images (3x32x32 uint8, 10 classes, 5 tasks) with S thousand
#   training rows a class (default 100: 3.1 GB of samples), and a stream ten
#   times smaller beside it. er (500 slots), batch 128, 1 epoch, 2 ranks,
#   evaluation streamed (--eval-cache-mb 0), page cache dropped before each
#   run where root can. Where the cgroup v1 memory controller is writable,
#   both runs go into a cgroup limited to BUDGET MiB (default 1024, page
#   cache included), so the large stream is about 3x what the two ranks may
#   hold. Prints, per stream: its size, peak RSS per rank per task
#   (results.json), the cgroup's peak, the time waiting for input as a share
#   of training, and samples/s.
# Usage: tests/bench/large_stream.sh [BUILD_DIR] [S] [BUDGET_MIB]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
per_class=$((${2:-100} * 1000))
budget_mib=${3:-1024}
source tests/bench/bench_env.sh
work=${MNEMO_BENCH_WORK:-$work}  # a disk with room for the stream: set MNEMO_BENCH_WORK
group=/sys/fs/cgroup/memory/mnemo-large-stream-$$
if mkdir "$group" 2>/dev/null; then
  echo $((budget_mib << 20)) >"$group/memory.limit_in_bytes"
  trap 'rmdir "$group" 2>/dev/null; rm -rf "$work"' EXIT
else
  group=
  echo "no writable cgroup v1 memory controller: the runs are not limited, RSS is still reported"
fi
for size in large small; do
  rows=$per_class
  [ "$size" = small ] && rows=$((per_class / 10))
  "$mnemo" prepare --source synthetic --output "$work/$size" --tasks 5 --classes-per-task 2 \
    --synthetic-classes 10 --synthetic-channels 3 --synthetic-side 32 --synthetic-train-per-class "$rows" \
    --synthetic-test-per-class 1000 --seed 1 >/dev/null
  sync
  echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
  (
    [ -n "$group" ] && echo $BASHPID >"$group/tasks"
    mpirun -np 2 --bind-to core "$mnemo" train --stream "$work/$size" --run-dir "$work/$size-run" --strategy er \
      --batch-size 128 --epochs 1 --threads 1 --eval-cache-mb 0 >"$work/$size.log" 2>&1
  ) || { tail -20 "$work/$size.log"; exit 1; }
  peak=
  if [ -n "$group" ]; then
    peak=$(cat "$group/memory.max_usage_in_bytes")
    echo 0 >"$group/memory.max_usage_in_bytes"
  fi
  /usr/bin/python3 - "$work/$size" "$work/$size-run/results.json" "$peak" "$budget_mib" <<'PY'
import json, os, sys
stream, results, peak, budget = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3], int(sys.argv[4])
size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(stream) for f in fs)
tasks = results["tasks"]
rss = ", ".join(f"{t['peak_rss_bytes'] / 2**20:.0f}" for t in tasks)  # the worst rank's, per task
train = sum(t["seconds"] for t in tasks)
wait = sum(t["input_wait_seconds"] for t in tasks)
samples = sum(t["train_samples"] for t in tasks)
print(f"stream {size / 1e9:.2f} GB ({samples:,} training rows): peak RSS per task {rss} MiB (worst rank)")
if peak:
    print(f"  cgroup limit {budget} MiB, peak use {int(peak) / 2**20:.0f} MiB (page cache included); "
          f"stream / limit = {size / (budget << 20):.1f}x")
print(f"  input wait {wait:.3f} s = {100 * wait / train:.2f} % of training ({train:.1f} s), {samples / train:,.0f} samples/s")
PY
  rm -rf "${work:?}/$size"
done
