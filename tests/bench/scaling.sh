#!/usr/bin/env bash
# Benchmark (not a test): training throughput on 1 rank against 2 ranks,
#   1 thread per rank, on Split Fashion-MNIST with the MLP at a given global
#   batch; prints samples/s of each (from results.json) and the ratio.
# Usage: tests/bench/scaling.sh [BUILD_DIR] [GLOBAL_BATCH]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
batch=${2:-256}
mnemo=$build/src/cli/mnemo
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
stream=streams/split-fashion-mnist
[ -f "$stream/SHA256SUMS" ] || "$mnemo" prepare --output "$stream" --overwrite >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for n in 1 2; do
  mpirun -np "$n" --bind-to core "$mnemo" train --stream "$stream" --run-dir "$work/np$n" --strategy finetune \
    --batch-size "$batch" --threads 1 --epochs 2 >/dev/null 2>&1
done
python3 - "$work" "$batch" <<'PY'
import json, sys
w, batch = sys.argv[1], sys.argv[2]
def rate(n):
    r = json.load(open(f"{w}/np{n}/results.json"))
    return sum(t["train_samples"] for t in r["tasks"]) / sum(t["seconds"] for t in r["tasks"])
one, two = rate(1), rate(2)
print(f"global batch {batch}: 1 rank {one:,.0f} samples/s, 2 ranks {two:,.0f} samples/s, ratio {two / one:.2f}x")
PY
