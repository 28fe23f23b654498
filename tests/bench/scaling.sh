#!/usr/bin/env bash
# Benchmark (not a test): training throughput on 1 rank against 2 ranks,
#   1 thread per rank, finetune on Split Fashion-MNIST with the MLP, 4
#   epochs. Two comparisons, samples/s from results.json:
#     per-rank batch B: 1 rank at global batch B, 2 ranks at global 2B
#                       (each rank computes B rows per step; the target's
#                       reading: ">= 1.8x at batch 128 per rank");
#     global batch B:   both at global batch B (each of 2 ranks computes B/2).
#   And the machine's ceiling for the first: two independent 1-rank runs at
#   batch B at the same time, one per core (no communication at all), their
#   summed samples/s against the 1-rank run.
# Usage: tests/bench/scaling.sh [BUILD_DIR] [B]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
batch=${2:-128}
mnemo=$build/src/cli/mnemo
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
stream=streams/split-fashion-mnist
[ -f "$stream/SHA256SUMS" ] || "$mnemo" prepare --output "$stream" --overwrite >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for run in "1 $batch" "2 $batch" "2 $((2 * batch))"; do
  set -- $run
  mpirun -np "$1" --bind-to core "$mnemo" train --stream "$stream" --run-dir "$work/np$1-b$2" --strategy finetune \
    --batch-size "$2" --threads 1 --epochs 4 >/dev/null 2>&1
done
for core in 0 1; do  # the ceiling: two single-process runs side by side
  taskset -c $core "$mnemo" train --stream "$stream" --run-dir "$work/pair$core" --strategy finetune \
    --batch-size "$batch" --threads 1 --epochs 4 >/dev/null 2>&1 &
done
wait
python3 - "$work" "$batch" <<'PY'
import json, sys
w, b = sys.argv[1], int(sys.argv[2])
def rate(n, batch, run=None):
    r = json.load(open(f"{w}/{run or f'np{n}-b{batch}'}/results.json"))
    samples = sum(t["train_samples"] for t in r["tasks"])
    seconds = sum(t["seconds"] for t in r["tasks"])
    comm = sum(t["comm_seconds"] for t in r["tasks"])
    return samples / seconds, comm / seconds
one, _ = rate(1, b)
weak, weak_comm = rate(2, 2 * b)
strong, strong_comm = rate(2, b)
pair = rate(1, b, "pair0")[0] + rate(1, b, "pair1")[0]
print(f"1 rank, batch {b}: {one:,.0f} samples/s")
print(f"ceiling: two independent 1-rank runs at once, one per core: {pair:,.0f} samples/s = {pair / one:.2f}x")
print(f"per-rank batch {b}: 2 ranks {weak:,.0f} samples/s = {weak / one:.2f}x (target >= 1.8x); "
      f"{100 * weak_comm:.0f}% of the time in collectives")
print(f"global batch {b}:   2 ranks {strong:,.0f} samples/s = {strong / one:.2f}x; "
      f"{100 * strong_comm:.0f}% of the time in collectives")
PY
