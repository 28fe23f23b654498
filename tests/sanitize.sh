#!/usr/bin/env bash
# Implements: the AddressSanitizer + UndefinedBehaviorSanitizer check. Builds
#   the asan preset (CMakePresets.json) into build-asan/ (MNEMO_ASAN_BUILD_DIR
#   overrides): mnemo, mnemo_unit_tests and mnemo_torch_tests. Runs every unit
#   test case (CTest label unit) and the 2-rank end-to-end test
#   (tests/integration/e2e_synthetic.sh: prepare, training on 1, 2 and 3 ranks,
#   online and validation runs, a diverging run, usage errors) and the
#   hostile-input cases (tests/integration/bad_input.sh, 2 and 3 ranks;
#   leak checking off there: it needs the slow unwinder, which would make
#   the 106 cases take about 15 minutes) under the sanitizers. Every process writes its reports to build-asan/sanitizer-logs/;
#   any report, even from a run whose exit code a test expected, fails the
#   script. Suppressions: tests/sanitize/lsan.supp (Open MPI's own leaks,
#   each one explained there). Not part of tests/run_all.sh: the
#   instrumented build takes about 10 min on 2 cores, the tests 5 more.
# Usage: bash tests/sanitize.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${MNEMO_ASAN_BUILD_DIR:-build-asan}
jobs=${MNEMO_BUILD_JOBS:-$(nproc)}
mpiexec=$(command -v mpiexec || command -v mpirun) || { echo "sanitize.sh: no mpiexec (bash launch/setup.sh installs it)" >&2; exit 1; }

cmake --preset asan -B "$build" >/dev/null
cmake --build "$build" -j "$jobs" --target mnemo mnemo-torch mnemo_unit_tests mnemo_torch_tests

logs=$root/$build/sanitizer-logs
rm -rf "$logs"
mkdir -p "$logs"
# abort_on_error/halt_on_error: a report ends the process with a failure; log_path: the
# report also goes to a file per process, so none can hide behind an expected exit code.
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:log_path=$logs/asan"
export LSAN_OPTIONS="suppressions=$root/tests/sanitize/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan"
# Open MPI: run as root if need be, more ranks than cores, shared memory between ranks.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=1

status=0
echo "== unit tests under ASan + UBSan"
(cd "$build" && ctest --output-on-failure -L '^unit$' --no-tests=error) || status=1
echo "== tests/integration/e2e_synthetic.sh under ASan + UBSan (2 ranks; also 1 and 3)"
# Open MPI unloads its plug-ins at MPI_Finalize, so the leaks they keep can only be told
# apart (lsan.supp) with whole allocation stacks: the slow unwinder (about 6x slower runs).
ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0" \
  bash tests/integration/e2e_synthetic.sh "$root/$build/src/cli/mnemo" "$mpiexec" || status=1
echo "== tests/integration/bad_input.sh under ASan + UBSan (leaks not checked)"
ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" BAD_INPUT_TIMEOUT=180 \
  bash tests/integration/bad_input.sh "$root/$build/src/cli/mnemo" "$mpiexec" || status=1

reports=$(find "$logs" -type f | sort)
if [ -n "$reports" ]; then
  for f in $reports; do
    echo "== sanitizer report $f"
    cat "$f"
  done
  status=1
fi
if [ $status -eq 0 ]; then
  echo "sanitize.sh: clean (no ASan, LSan or UBSan report)"
else
  echo "sanitize.sh: FAILED (see above)" >&2
fi
exit $status
