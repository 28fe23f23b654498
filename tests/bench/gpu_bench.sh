#!/usr/bin/env bash
# Benchmark (GPU machine; not a test): one command builds mnemo there and
#   measures it side by side with PyTorch on the same GPU:
#   1. build: CUDA LibTorch from the PyTorch installation (python3's torch),
#      NCCL from that installation (or CUDA's), Open MPI, HDF5 and mnemo's
#      other libraries from Debian packages carried in (gpu_carry_deps.sh;
#      the folder --deps, default .gpu-deps) and unpacked into a private
#      prefix beside the build directory (BUILD-deps), or from the system
#      when no such folder was brought;
#   2. the GPU tests (ctest -L gpu: NCCL all-reduce, a short NCCL training);
#   3. training throughput of the reduced ResNet-18 on 32x32 inputs: mnemo
#      against resnet_reference.py (same model, stream, batch, SGD), one
#      GPU, finetune and er, samples/s and their ratio; CIFAR-10 binary
#      data if present, else a synthetic 3x32x32 stream of the same size;
#   4. NCCL all-reduce bus bandwidth as nccl-tests defines it (raw NCCL and
#      mnemo's backend), one rank per GPU (mnemo_bench_nccl).
#   Prints a summary and writes it to BUILD/gpu_bench.txt (and OUT/).
#   --device cpu runs steps 3 only, on this machine's CPU build (a dry run).
# Usage: bash tests/bench/gpu_bench.sh [--deps DIR] [--cifar DIR] [--build DIR]
#          [--device cuda|cpu] [--batch 128] [--quick] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
deps=.gpu-deps cifar=${MNEMO_CIFAR:-datasets/cifar-10-batches-bin} build="" device=cuda batch=128 quick=0 out=""
while [ $# -gt 0 ]; do
  case $1 in
    --deps) deps=$2; shift 2 ;;
    --cifar) cifar=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --device) device=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    --out) out=$2; shift 2 ;;
    *) echo "gpu_bench.sh: unknown argument '$1' (see the usage at the top of the script)" >&2; exit 2 ;;
  esac
done
[ -n "$build" ] || build=$([ "$device" = cpu ] && echo build || echo build-gpu)
build=$(realpath -m "$build")
python=${MNEMO_PYTHON:-python3}
step() { echo; echo "== $*"; }
die() { echo "gpu_bench.sh: $*" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
"$python" -c "import torch, h5py" 2>/dev/null || die "$python needs torch and h5py (set MNEMO_PYTHON)"
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
note() { echo "$*" | tee -a "$summary"; }

# --- 1. Dependencies and build ------------------------------------------------
deps_env=()   # prefixed to every command that runs mnemo's programs
if [ "$device" = cuda ]; then
  # The GPUs this process may use (CUDA_VISIBLE_DEVICES and MIG respected).
  gpus=$("$python" -c 'import torch; print(torch.cuda.device_count())' 2>/dev/null || echo 0)
  [ "${gpus:-0}" -ge 1 ] || die "torch sees no GPU; --device cpu runs the CPU dry run"
  note "device: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1) x $gpus"
  note "torch: $("$python" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)')"
  torch_prefix=$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake_args=("${generator[@]}" -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=$torch_prefix")
  cuda=${CUDA_HOME:-/usr/local/cuda}
  cmake_args+=("-DCUDAToolkit_ROOT=$cuda" "-DCMAKE_CUDA_COMPILER=$cuda/bin/nvcc")
  # The NCCL that torch loads (pip's nvidia-nccl package, whatever its
  # layout), so one libnccl.so.2 serves both; else CMake looks under CUDA.
  site=$("$python" -c 'import os, torch; print(os.path.dirname(os.path.dirname(torch.__file__)))')
  nccl_h=$(find "$site/nvidia" -name nccl.h 2>/dev/null | head -1 || true)
  if [ -n "$nccl_h" ]; then
    nccl=$(dirname "$(dirname "$nccl_h")")
    lib=$(find "$nccl" -name 'libnccl.so*' 2>/dev/null | sort | head -1 || true)
    if [ -n "$lib" ]; then
      cmake_args+=("-DNCCL_ROOT=$nccl" "-DMNEMO_NCCL_INCLUDE_DIR=$(dirname "$nccl_h")" "-DMNEMO_NCCL_LIBRARY=$lib")
    fi
  fi
  hdf5_here=0
  for h in /usr/include/hdf5/serial/hdf5.h /usr/include/hdf5.h /usr/local/include/hdf5.h; do
    [ -f "$h" ] && hdf5_here=1
  done
  # Carried packages are used whenever they were brought along (all of
  # mnemo's libraries from one Debian release), else the system's.
  if [ -d "$deps" ] || ! command -v mpicc >/dev/null || [ $hdf5_here = 0 ]; then
    [ -d "$deps" ] || die "Open MPI or HDF5 is missing here and no carried packages are in '$deps': run
  tests/bench/gpu_carry_deps.sh $deps on a Debian 12 machine and bring that folder along (--deps DIR)"
    root=$build-deps  # beside the build directory: CMake exports no include path from inside it
    mkdir -p "$build"
    if [ ! -f "$root/.unpacked" ]; then
      step "unpacking $(ls "$deps"/*.deb | wc -l) carried packages into $root"
      rm -rf "$root" && mkdir -p "$root"
      for f in "$deps"/*.deb; do dpkg -x "$f" "$root"; done
      u=$root/usr
      # Debian's alternatives links are not in the packages.
      ln -sf mpicc.openmpi "$u/bin/mpicc"; ln -sf mpicxx.openmpi "$u/bin/mpicxx"
      ln -sf mpirun.openmpi "$u/bin/mpirun"; ln -sf mpiexec.openmpi "$u/bin/mpiexec"
      ln -sf ../libpsm1/libpsm_infinipath.so.1.16 "$u/lib/x86_64-linux-gnu/libpsm_infinipath.so.1" 2>/dev/null || true
      touch "$root/.unpacked"
    fi
    u=$root/usr
    l=$u/lib/x86_64-linux-gnu
    deps_env=(env "OPAL_PREFIX=$u" "PATH=$u/bin:$PATH"
              "LD_LIBRARY_PATH=$l:$l/openmpi/lib:$l/hdf5/serial:${LD_LIBRARY_PATH:-}")
    cmake_args+=("-DCMAKE_PREFIX_PATH=$torch_prefix;$u" "-DMPI_C_COMPILER=$u/bin/mpicc"
                 "-DMPIEXEC_EXECUTABLE=$u/bin/mpiexec" "-DMNEMO_MPIEXEC=$u/bin/mpiexec"
                 "-DHDF5_ROOT=$l/hdf5/serial" "-DOPENSSL_ROOT_DIR=$u" "-DZLIB_ROOT=$u"
                 "-DCMAKE_CXX_FLAGS=-isystem $u/include/x86_64-linux-gnu")
  fi
  step "configure and build $build"
  "${deps_env[@]}" cmake -S . -B "$build" "${cmake_args[@]}" >"$build.configure.log" 2>&1 ||
    { tail -40 "$build.configure.log"; die "configure failed (whole log: $build.configure.log)"; }
  grep -q "NCCL backend ON" "$build.configure.log" || die "NCCL was not found (see $build.configure.log)"
  "${deps_env[@]}" cmake --build "$build" --parallel "$(nproc)" --target mnemo mnemo_bench_nccl mnemo_gpu_tests
  step "GPU tests"
  (cd "$build" && "${deps_env[@]}" ctest -L gpu --output-on-failure) && note "GPU tests (ctest -L gpu): passed" ||
    note "GPU tests (ctest -L gpu): FAILED (see above)"
else
  gpus=0
  [ -x "$build/src/cli/mnemo" ] || die "no $build/src/cli/mnemo: build it first (bash launch/setup.sh)"
  note "device: CPU ($(nproc) cores, 1 thread), a dry run of the GPU benchmark"
fi
mnemo=$build/src/cli/mnemo
mpiexec=$("${deps_env[@]}" sh -c 'command -v mpiexec') || die "no mpiexec (Open MPI) here: carry it in (--deps)"

# --- 3. Reduced ResNet-18 throughput: mnemo vs PyTorch --------------------------
work=$build/gpu-bench-work
rm -rf "$work" && mkdir -p "$work"
if [ -f "$cifar/data_batch_1.bin" ]; then
  data="CIFAR-10 ($cifar)"
  "${deps_env[@]}" "$mnemo" prepare --source cifar10 --input "$cifar" --output "$work/stream" --tasks 5 \
    --classes-per-task 2 >/dev/null
else
  per_class=$([ $quick = 1 ] || [ "$device" = cpu ] && echo 256 || echo 5000)
  data="synthetic 3x32x32, $per_class train images per class (no CIFAR-10 in $cifar)"
  "${deps_env[@]}" "$mnemo" prepare --source synthetic --output "$work/stream" --tasks 5 --classes-per-task 2 \
    --synthetic-classes 10 --synthetic-side 32 --synthetic-channels 3 --synthetic-train-per-class "$per_class" \
    --synthetic-test-per-class $((per_class / 5)) >/dev/null
fi
note "data: Split $data, 5 tasks x 2 classes, 1 epoch, batch $batch, SGD lr 0.05"
if [ "$device" = cuda ]; then backend=(--backend nccl); else backend=(--backend mpi --threads 1); fi
export OMP_NUM_THREADS=1
printf '%-9s %16s %16s %8s %10s %10s\n' strategy "mnemo samples/s" "torch samples/s" ratio "mnemo ACC" "torch ACC" |
  tee -a "$summary"
for strategy in finetune er; do
  "${deps_env[@]}" "$mpiexec" -n 1 "$mnemo" train --stream "$work/stream" --run-dir "$work/$strategy" \
    --model resnet18 --strategy "$strategy" --batch-size "$batch" --replay-batch "$batch" --lr 0.05 \
    "${backend[@]}" >"$work/$strategy.log" 2>&1 || { tail -30 "$work/$strategy.log"; die "mnemo train failed"; }
  (cd tests/bench && "$python" resnet_reference.py "$work/stream" --device "$device" --batch-size "$batch" \
    --strategy "$strategy") >"$work/$strategy-torch.json" || die "resnet_reference.py failed"
  "$python" - "$work/$strategy/results.json" "$work/$strategy-torch.json" "$strategy" <<'PY' | tee -a "$summary"
import json, sys
m = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2]))
seconds = sum(t["seconds"] for t in m["tasks"])
samples = sum(t["samples_per_second"] * t["seconds"] for t in m["tasks"])
ms = samples / seconds
print(f"{sys.argv[3]:9s} {ms:16.0f} {p['samples_per_second']:16.0f} {ms / p['samples_per_second']:7.2f}x"
      f" {100 * m['metrics']['class_il']['acc']:10.2f} {100 * p['acc']:10.2f}")
PY
done

# --- 4. NCCL bus bandwidth --------------------------------------------------------
if [ "$device" = cuda ]; then
  step "NCCL all-reduce bandwidth, $gpus rank(s)"
  max_mib=$([ $quick = 1 ] && echo 64 || echo 1024)
  "${deps_env[@]}" "$mpiexec" -n "$gpus" "$build/tests/mnemo_bench_nccl" 20 "$max_mib" | tee -a "$summary"
fi
cp "$summary" "$build/gpu_bench.txt"
[ -z "$out" ] || cp "$summary" "$out/gpu_bench.txt"
step "summary (also in $build/gpu_bench.txt)"
cat "$summary"
