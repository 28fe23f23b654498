#!/usr/bin/env bash
# Implements: a bounded fuzzing session: builds the libFuzzer targets with
#   clang (ASan + UBSan + coverage, in build-fuzz/), seeds each corpus with
#   valid inputs, and runs each target for SECONDS (default 60). Exits
#   non-zero on the first crash, leaving the reproducer in build-fuzz/.
# Usage: tests/fuzz/run_fuzzers.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
build=build-fuzz
sanitize="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer"
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMNEMO_BUILD_FUZZERS=ON \
  -DMNEMO_BUILD_TESTS=OFF -DMNEMO_USE_PCH=OFF -DMNEMO_WITH_NCCL=OFF -DCMAKE_CXX_FLAGS="$sanitize" >/dev/null
cmake --build "$build" --target mnemo_fuzz_idx mnemo_fuzz_npy mnemo_fuzz_csv mnemo_fuzz_stream_header mnemo_fuzz_config
corpus=$build/corpus
mkdir -p "$corpus/idx" "$corpus/npy" "$corpus/csv" "$corpus/stream_header" "$corpus/config"
printf '\x00\x00\x08\x02\x00\x00\x00\x02\x00\x00\x00\x03\x01\x02\x03\x04\x05\x06' >"$corpus/idx/seed"
if [ ! -f "$corpus/npy/seed.npy" ]; then
  /usr/bin/python3 -c 'import numpy as np, sys; d = sys.argv[1]
np.save(d + "/seed.npy", np.arange(6, dtype="<f4").reshape(2, 3))
np.save(d + "/seed-be.npy", np.arange(4, dtype=">i8"))
np.savez_compressed(d + "/seed.npz", x_train=np.ones((2, 2), "f2"), y_train=np.array([0, 1], "u1"))' "$corpus/npy" || true
fi
printf 'label,a,b\n0,1.5,2\n1,"3",-4e2\r\n' >"$corpus/csv/seed"
printf 'strategy: er\nbatch-size: 10\nhidden: [100, 100]\n' >"$corpus/config/seed"
if [ -x build/src/cli/mnemo ] && [ ! -f "$corpus/stream_header/seed" ]; then
  tmp=$(mktemp -d)
  build/src/cli/mnemo prepare --source synthetic --output "$tmp/s" --tasks 2 --classes-per-task 2 \
    --synthetic-train-per-class 2 --synthetic-test-per-class 2 >/dev/null 2>&1 && cp "$tmp/s/stream.h5" "$corpus/stream_header/seed"
  rm -rf "$tmp"
fi
# allocator_may_return_null: a corrupt HDF5 header makes libhdf5 request absurd sizes; in production
# malloc fails, libhdf5 reports an error and mnemo an InputError. ASan must behave the same.
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
for target in idx npy csv stream_header config; do
  echo "== fuzzing $target for ${seconds}s"
  (cd "$build" && "./tests/fuzz/mnemo_fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 \
    "corpus/$target" 2>&1 | tail -3)
done
echo "fuzzing finished without crashes"
