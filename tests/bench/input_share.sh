#!/usr/bin/env bash
# Benchmark (not a test): what each rank reads, and evaluation time, against
#   the rank count. er and derpp (500 slots) on Split Fashion-MNIST, batch
#   10, 1 epoch, on 1, 2 and 4 ranks (4 oversubscribe the 2 cores: its bytes
#   are exact, its times are not reported). From results.json:
#     tasks[].input_bytes: bytes of samples and labels each rank read, per
#       task, against one rank's (the closed form train_samples x (sample
#       bytes + 8 label bytes));
#     tasks[].eval_seconds: evaluation time (no model export), 1 rank against 2 (each rank
#       evaluates 1/N of every test set), R interleaved rounds, median and
#       range.
# Usage: tests/bench/input_share.sh [BUILD_DIR] [R]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
rounds=${2:-3}
source tests/bench/bench_env.sh
export OMPI_MCA_rmaps_base_oversubscribe=1
for round in $(seq "$rounds"); do
  for s in er derpp; do
    for n in 1 2 4; do
      [ "$n" = 4 ] && [ "$round" -gt 1 ] && continue
      binding=(--bind-to core)
      [ "$n" = 4 ] && binding=(--bind-to none)
      mpirun -np "$n" "${binding[@]}" "$mnemo" train --stream "$stream" --run-dir "$work/$s-$n-$round" \
        --strategy "$s" --batch-size 10 --epochs 1 --threads 1 --no-export-model >/dev/null 2>&1
    done
  done
done
/usr/bin/python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
load = lambda s, n, r: json.load(open(f"{work}/{s}-{n}-{r}/results.json"))
for s in ("er", "derpp"):
    one = load(s, 1, 1)["tasks"]
    print(f"{s}: bytes read per task, per rank (MB), and the total over ranks against 1 rank's")
    for n in (1, 2, 4):
        tasks = load(s, n, 1)["tasks"]
        for t, (task, ref) in enumerate(zip(tasks, one)):
            per_rank = task["input_bytes"]
            total = sum(per_rank)
            ranks = " + ".join(f"{b / 1e6:.3f}" for b in per_rank)
            print(f"  {n} rank{'s' if n > 1 else ' '} task {t}: {ranks} = {total / 1e6:.3f} MB, "
                  f"{total / sum(ref['input_bytes']):.3f}x 1 rank; largest rank {max(per_rank) / total:.1%}")
    evals = {n: [sum(t["eval_seconds"] for t in load(s, n, r)["tasks"]) for r in range(1, rounds + 1)] for n in (1, 2)}
    ratios = [a / b for a, b in zip(evals[1], evals[2])]
    fmt = lambda v: f"{statistics.median(v):.3f} s ({min(v):.3f}-{max(v):.3f})"
    print(f"  evaluation over the run: 1 rank {fmt(evals[1])}, 2 ranks {fmt(evals[2])}: "
          f"{statistics.median(ratios):.2f}x faster ({min(ratios):.2f}-{max(ratios):.2f}x), {rounds} rounds")
    def gap(n):  # the largest difference of an accuracy matrix entry from 1 rank's, in points
        a, b = (load(s, m, 1)["accuracy"]["class_il"] for m in (1, n))
        return 100 * max(abs(x - y) for ra, rb in zip(a, b) for x, y in zip(ra, rb))
    print(f"  class-IL accuracy matrix against 1 rank's: largest difference {gap(2):.2f} points on 2 ranks, "
          f"{gap(4):.2f} on 4 (float sums in another order)")
PY
