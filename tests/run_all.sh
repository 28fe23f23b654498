#!/usr/bin/env bash
# Implements: the test command: installs and builds (launch/setup.sh), then
#   runs every CTest suite (unit, MPI under mpiexec, integration).
set -euo pipefail
cd "$(dirname "$0")/.."
bash launch/setup.sh
cd "${MNEMO_BUILD_DIR:-build}"
ctest --output-on-failure --timeout 900 "$@"
