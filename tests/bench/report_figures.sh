#!/usr/bin/env bash
# Script (not a test): the README's figures. Trains finetune, ER-500 and
#   DER++-500 on Split Fashion-MNIST (batch 10, lr 0.1, 2 ranks, seeds
#   0, 1, 2, anytime evaluation every 200 steps), runs `mnemo report` over
#   the nine runs and copies three of its figures into docs/figures/:
#   the strategy comparison, ER's anytime curves and DER++'s loss terms.
#   The whole report (index.html) is left in $1/report when $1 is given.
# Usage: tests/bench/report_figures.sh [KEEP_DIR] [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
keep=${1:-}
build=${2:-build}
source tests/bench/bench_env.sh
export OMPI_MCA_rmaps_base_oversubscribe=1
runs=()
for seed in 0 1 2; do
  for strategy in finetune er derpp; do
    mpiexec -n 2 "$mnemo" train --stream "$stream" --run-dir "$work/$strategy-$seed" --strategy "$strategy" \
      --replay-capacity 500 --lr 0.1 --seed "$seed" --threads 1 --eval-every 200 --progress none \
      >"$work/log" 2>&1 || { cat "$work/log"; exit 1; }
    runs+=("$work/$strategy-$seed")
  done
done
"$mnemo" report "${runs[@]}" --output "$work/report" | head -5
mkdir -p docs/figures
cp "$work/report/comparison_fashion-mnist-5t.png" docs/figures/comparison.png
cp "$work/report/anytime_fashion-mnist-5t-er.png" docs/figures/anytime_er.png
cp "$work/report/loss_fashion-mnist-5t-derpp.png" docs/figures/loss_derpp.png
if [ -n "$keep" ]; then mkdir -p "$keep" && cp -r "$work/report" "$keep/"; fi
echo "wrote docs/figures/comparison.png, anytime_er.png, loss_derpp.png"
