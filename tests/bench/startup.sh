#!/usr/bin/env bash
# Implements: the start-up benchmark: the light `mnemo` (no LibTorch; MPI
#   only under a launcher) against `mnemo-torch` (every command, LibTorch
#   linked, MPI always), side by side, interleaved, on the same commands:
#   --help, --version, inspect of a stream, inspect of a run, report of a
#   run; and, for scale, PyTorch's `python3 -c 'import torch'` and a bare
#   MPI_Init (a singleton, as a command outside mpirun pays it). Prints the
#   median and range of ROUNDS (default 5) wall times per command.
# Usage: bash tests/bench/startup.sh [BUILD_DIR] [ROUNDS]   (about 30 s)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
rounds=${2:-5}
light=$build/src/cli/mnemo
full=$build/src/cli/mnemo-torch
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$light" prepare --source synthetic --output "$work/stream" --tasks 2 --classes-per-task 2 >/dev/null 2>&1
"$light" train --stream "$work/stream" --run-dir "$work/run" --threads 1 >/dev/null 2>&1
printf '#include <mpi.h>\nint main(int c, char** v) { MPI_Init(&c, &v); MPI_Finalize(); return 0; }\n' >"$work/mpi_init.c"
mpicc "$work/mpi_init.c" -o "$work/mpi_init"

seconds() {  # command... -> wall seconds
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || true
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
}
declare -A times
commands=("--help" "--version" "inspect $work/stream" "inspect $work/run" "report $work/run --no-plots --output $work/rep")
for ((r = 0; r < rounds; r++)); do
  for c in "${commands[@]}"; do
    # shellcheck disable=SC2086
    times["light|$c"]+="$(seconds "$light" $c) "
    # shellcheck disable=SC2086
    times["full|$c"]+="$(seconds "$full" $c) "
  done
  times["py"]+="$(seconds /usr/bin/python3 -c 'import torch') "
  times["mpi"]+="$(seconds "$work/mpi_init") "
done
stat() {  # values... -> "median (min-max)"
  printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {printf "%.3f s (%.3f-%.3f)", v[int((NR+1)/2)], v[1], v[NR]}'
}
echo "start-up, $rounds interleaved rounds, median (range):"
printf '| command | mnemo (light) | mnemo-torch | ratio |\n|---|---|---|---|\n'
for c in "${commands[@]}"; do
  # shellcheck disable=SC2086
  l=$(stat ${times["light|$c"]})
  # shellcheck disable=SC2086
  f=$(stat ${times["full|$c"]})
  ratio=$(awk -v f="${f%% *}" -v l="${l%% *}" 'BEGIN { print f / l }')
  printf '| `%s` | %s | %s | %.0f× |\n' "${c//$work\//}" "$l" "$f" "$ratio"
done
# shellcheck disable=SC2086
echo "python3 -c 'import torch' (Debian's python3-torch): $(stat ${times[py]})"
# shellcheck disable=SC2086
echo "a bare MPI_Init + MPI_Finalize outside mpirun (Open MPI singleton): $(stat ${times[mpi]})"
