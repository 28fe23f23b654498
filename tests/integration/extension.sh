#!/usr/bin/env bash
# Test: the extension API end to end: install mnemo (cmake --install) into a
#   temporary prefix (its CMake files naming no path of this machine),
#   build examples/custom_strategy against the installed package
#   (#include <mnemo/...>), and train with its own strategy and model, each
#   with its own option, under mpiexec -n 2.
# Usage: extension.sh BUILD_DIR SOURCE_DIR MPIEXEC
set -euo pipefail
build=$1
src=$2
mpiexec=$3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
# Relocatable: no path of the build machine (LibTorch, HDF5, CUDA, the sources) in the exported targets.
if grep -nE '"/(usr|work|opt|home|tmp)/' "$work"/prefix/lib/cmake/mnemo/mnemoTargets*.cmake >"$work/paths.txt"; then
  cat "$work/paths.txt"
  echo "the exported targets hold paths of the build machine"
  exit 1
fi
[ -f "$work/prefix/include/mnemo/strategies/strategy.h" ] || { echo "no include/mnemo/strategies/strategy.h"; exit 1; }
cmake -S "$src/examples/custom_strategy" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" >"$work/build.log" 2>&1 || { tail -50 "$work/build.log"; exit 1; }
"$work/build/my_mnemo" prepare --source synthetic --output "$work/s" --tasks 2 --classes-per-task 2 >/dev/null 2>&1
timeout 120 "$mpiexec" -n 2 "$work/build/my_mnemo" train --stream "$work/s" --run-dir "$work/run" \
  --strategy label-smoothing --smoothing 0.25 --model tiny-mlp --tiny-width 8 --threads 1 >"$work/train.log" 2>&1 ||
  { cat "$work/train.log"; exit 1; }
grep -q '"strategy": "label-smoothing"' "$work/run/results.json"
# The extension's own option: in the help, in config.json, and validated.
"$work/build/my_mnemo" train --help >"$work/help.txt"
grep -q -- "--smoothing" "$work/help.txt" || { echo "--smoothing missing from train --help"; exit 1; }
grep -q -- "--tiny-width" "$work/help.txt" || { echo "--tiny-width missing from train --help"; exit 1; }
grep -q -- "tiny-mlp" "$work/help.txt" || { echo "--model's help does not list tiny-mlp"; exit 1; }
python3 -c "import json,sys; c=json.load(open(sys.argv[1])); assert c['smoothing'] == 0.25 and c['tiny_width'] == 8, c" \
  "$work/run/config.json"
# The model was built with the option: 64 inputs -> 8 -> 6 classes (the synthetic source's) = 64*8+8 + 8*6+6.
grep -q "574 trainable parameters" "$work/train.log" || { grep parameters "$work/train.log"; echo "--tiny-width 8 not used"; exit 1; }
set +e
"$work/build/my_mnemo" train --stream "$work/s" --run-dir "$work/y" --strategy label-smoothing --smoothing 2 \
  >"$work/bad.log" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q -- "--smoothing" "$work/bad.log" || { echo "--smoothing 2: rc $rc"; cat "$work/bad.log"; exit 1; }
grep -q '"complete": true' "$work/run/results.json"
# A C++ model of one's own is exported as a state dict (no TorchScript for it).
[ -f "$work/run/model/final/state_dict.pt" ] && [ ! -f "$work/run/model/final/model.ts" ] ||
  { ls "$work/run/model/final"; echo "the extension model's export"; exit 1; }
# The built-ins are still there, and an unknown name lists the additions.
set +e
"$work/build/my_mnemo" train --stream "$work/s" --run-dir "$work/x" --strategy nope >"$work/nope.log" 2>&1
set -e
grep -q "label-smoothing" "$work/nope.log" || { cat "$work/nope.log"; exit 1; }
echo "1 passed, 0 failed"
