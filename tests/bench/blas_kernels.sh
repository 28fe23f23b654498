#!/usr/bin/env bash
# Benchmark (not a test): mnemo's own BLAS kernel choice (src/core/blas_kernels.h)
#   against the kernels Debian's OpenBLAS picks itself (MNEMO_BLAS=keep),
#   side by side, interleaved, ROUNDS rounds: the 1-thread sgemm peak
#   (1024^3, through python3-torch's OpenBLAS with and without
#   OPENBLAS_CORETYPE), then er and derpp on Split Fashion-MNIST (buffer
#   500, lr 0.1, 1 rank, 1 thread) at batch 10 and 128: training step time,
#   end-to-end time and final class-IL ACC of each.
# Usage: tests/bench/blas_kernels.sh [BUILD_DIR] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
rounds=${2:-2}
source tests/bench/bench_env.sh
unset OPENBLAS_CORETYPE MNEMO_BLAS
kernels=$("$mnemo" train --stream "$stream" --run-dir "$work/probe" --epochs 1 --strategy finetune \
  --threads 1 2>&1 | sed -n 's/.*BLAS kernels: \([^ ]*\) .*/\1/p' | head -1)
echo "mnemo's choice on this CPU: $kernels"
for coretype in "" "$kernels"; do
  if [ -n "$coretype" ]; then set_core=(env OPENBLAS_CORETYPE="$coretype"); else set_core=(env -u OPENBLAS_CORETYPE); fi
  "${set_core[@]}" /usr/bin/python3 - "${coretype:-library default}" <<'PY'
import sys, time, torch
torch.set_num_threads(1)
a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
best = 0.0
for _ in range(8):
    t = time.perf_counter(); torch.mm(a, b); best = max(best, 2 * 1024 ** 3 / (time.perf_counter() - t))
print(f"sgemm 1024^3, 1 thread, {sys.argv[1]}: {best / 1e9:.1f} GFLOP/s")
PY
done
for ((round = 0; round < rounds; round++)); do
  for strategy in er derpp; do
    for batch in 10 128; do
      for mode in keep auto; do
        MNEMO_BLAS=$([ $mode = keep ] && echo keep || echo "") "$mnemo" train --stream "$stream" \
          --run-dir "$work/$strategy-$batch-$mode-$round" --strategy "$strategy" --batch-size "$batch" \
          --replay-batch "$batch" --threads 1 --lr 0.1 --progress none >"$work/log" 2>&1 || { cat "$work/log"; exit 1; }
      done
    done
  done
done
python3 - "$work" "$rounds" <<'PY'
import json, sys
work, rounds = sys.argv[1], int(sys.argv[2])
print(f"{'strategy':8s} {'batch':>5s} {'kernels':>22s} {'step us':>16s} {'e2e s':>14s} {'ratio':>11s} {'ACC':>12s}")
for strategy in ("er", "derpp"):
    for batch in (10, 128):
        row = {}
        for mode in ("keep", "auto"):
            rs = [json.load(open(f"{work}/{strategy}-{batch}-{mode}-{r}/results.json")) for r in range(rounds)]
            steps = [sum(-(-t["train_samples"] // batch) for t in r["tasks"]) for r in rs]
            step = [1e6 * sum(t["seconds"] for t in r["tasks"]) / s for r, s in zip(rs, steps)]
            e2e = [sum(t["seconds"] + t["eval_seconds"] for t in r["tasks"]) for r in rs]
            acc = [100 * r["metrics"]["class_il"]["acc"] for r in rs]
            row[mode] = (rs[0]["machine"]["blas_kernels"], step, e2e, acc)
        for mode in ("keep", "auto"):
            k, step, e2e, acc = row[mode]
            ratio = "" if mode == "keep" else f"{min(row['keep'][1]) / max(step):.2f}-{max(row['keep'][1]) / min(step):.2f}x"
            print(f"{strategy:8s} {batch:5d} {k + (' (library)' if mode == 'keep' else ' (mnemo)'):>22s} "
                  f"{min(step):7.0f}-{max(step):<7.0f} {min(e2e):6.2f}-{max(e2e):<6.2f} {ratio:>11s} "
                  f"{min(acc):5.1f}-{max(acc):<5.1f}")
PY
