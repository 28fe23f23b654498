#!/usr/bin/env bash
# Implements: the test command: installs and builds (launch/setup.sh; the ci
#   preset, warnings as errors, when CI=true), then runs every CTest test
#   (unit cases, headers alone, MPI under mpiexec, integration).
#   Arguments go to ctest (e.g. -L unit, -R integration_resume).
set -euo pipefail
cd "$(dirname "$0")/.."
bash launch/setup.sh
cd "${MNEMO_BUILD_DIR:-build}"
ctest --output-on-failure --timeout 900 "$@"
