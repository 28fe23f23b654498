#!/usr/bin/env bash
# Test (GPU only; exit 77 = skipped without nvidia-smi or a GPU): a short
#   training run on the GPU with the NCCL backend: reduced ResNet-18 on a
#   synthetic 32x32 stream, 1 rank per visible GPU (at most 2).
# Usage: gpu_train.sh MNEMO MPIEXEC
set -euo pipefail
mnemo=$1
mpiexec=$2
gpus=$(nvidia-smi -L 2>/dev/null | wc -l || true)
if [ "${gpus:-0}" -lt 1 ]; then echo "no GPU: skipped"; exit 77; fi
ranks=$(( gpus < 2 ? gpus : 2 ))
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$mnemo" prepare --source synthetic --output "$work/s" --tasks 2 --classes-per-task 2 --synthetic-side 32 \
  --synthetic-train-per-class 256 --synthetic-test-per-class 64
timeout 600 "$mpiexec" -n "$ranks" "$mnemo" train --stream "$work/s" --run-dir "$work/run" --model resnet18 \
  --backend nccl --batch-size 32 --lr 0.05 2>&1 | tee "$work/log"
grep -q "backend nccl, device cuda" "$work/log" || { echo "FAIL: did not train on the GPU with NCCL"; exit 1; }
python3 -c "import json,sys; r=json.load(open('$work/run/results.json')); a=r['metrics']['task_il']['acc']; print('task-IL ACC', a); sys.exit(0 if a > 0.6 else 1)"
echo "1 passed, 0 failed"
