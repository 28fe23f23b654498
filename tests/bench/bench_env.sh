# Implements: the set-up the CPU benchmark scripts share (sourced, not run),
#   from the repository root with $build set: $mnemo, one thread per rank,
#   Open MPI allowed as root, the Split Fashion-MNIST stream in $stream
#   (prepared once), and a scratch directory $work removed on exit.
mnemo=$build/src/cli/mnemo
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
stream=streams/split-fashion-mnist
[ -f "$stream/SHA256SUMS" ] || "$mnemo" prepare --output "$stream" --overwrite >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
