#!/usr/bin/env bash
# Implements: one-time set-up on Debian 12: installs the packages mnemo needs
#   (only those missing) and builds mnemo into ${MNEMO_BUILD_DIR:-build}
#   with a CMake preset.
#   Idempotent; used by launch/main_job.sh and tests/run_all.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config python3
  python3-matplotlib                          # mnemo report's plots
  python3-torch python3-h5py                  # PyTorch: the peer of model files in the tests and examples
  python3-sklearn                             # scikit-learn: the peer of the per-class report in the tests
  libtorch-dev libopenblas0-openmp            # LibTorch; OpenBLAS is ~18x faster than reference BLAS
  libopenmpi-dev openmpi-bin                  # MPI
  libhdf5-dev zlib1g-dev libssl-dev           # HDF5 shards, gzip'd IDX, SHA-256 provenance
  libzip-dev libcsv-dev                       # NumPy .npz and CSV sources
  libcli11-dev libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev
  libgtest-dev
  dataset-fashion-mnist                       # the embedded default dataset
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "mnemo setup: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Configured from CMakePresets.json: the release preset, or ci (warnings are
# errors) when CI=true; MNEMO_PRESET picks another. MNEMO_BUILD_DIR and
# MNEMO_BUILD_TYPE override the preset's directory and build type.
preset=${MNEMO_PRESET:-$([ "${CI:-}" = true ] && echo ci || echo release)}
build=${MNEMO_BUILD_DIR:-build}
jobs=${MNEMO_BUILD_JOBS:-$(nproc)}
configure=(cmake --preset "$preset" -B "$build")
[ -z "${MNEMO_BUILD_TYPE:-}" ] || configure+=("-DCMAKE_BUILD_TYPE=$MNEMO_BUILD_TYPE")
"${configure[@]}" >/dev/null
cmake --build "$build" -j "$jobs"
echo "mnemo setup: built $build/src/cli/mnemo ($preset preset)"
