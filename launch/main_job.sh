#!/usr/bin/env bash
# Implements: the main job. Installs and builds (launch/setup.sh), prepares
#   Split Fashion-MNIST (5 tasks x 2 classes) as HDF5 shards, and trains it
#   with experience replay (buffer 500) on 2 MPI ranks; prints the 5x5
#   accuracy matrix and writes runs/split-fmnist-er/.
# Usage: bash launch/main_job.sh [extra mnemo train options]
set -euo pipefail
cd "$(dirname "$0")/.."
bash launch/setup.sh
mnemo=${MNEMO_BUILD_DIR:-build}/src/cli/mnemo

stream=streams/split-fashion-mnist
if [ ! -f "$stream/SHA256SUMS" ]; then  # absent, or written by a mnemo without checksums
  "$mnemo" prepare --source idx --input /usr/share/datasets/fashion-mnist --output "$stream" \
    --tasks 5 --classes-per-task 2 --seed 0 --overwrite
fi
bash launch/mnemo-mpirun --np 2 -- train --config launch/experiments/split_fmnist_er.yaml \
  --stream "$stream" --run-dir runs/split-fmnist-er --overwrite "$@"
