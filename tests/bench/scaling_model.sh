#!/usr/bin/env bash
# Benchmark (not a test): measures on this machine what the weak-scaling
#   model needs, writes it to a JSON file and runs tests/bench/scaling_model.py
#   on it, which adds published NCCL, InfiniBand and H100 figures (sources in
#   the .py) and prints step time, its compute / communication / input parts
#   and efficiency at 1, 8, 64 and 512 GPUs. Measured, each once, about 20 s:
#     all-reduce time by size, 2 ranks: the "one sum by size" rows of
#       mnemo_bench_allreduce (raw MPI_Allreduce and mnemo's mpi backend,
#       16 KiB to 16 MiB), fitted as alpha + bytes / beta;
#     the MLP's training step, 1 rank, 1 thread, finetune on Split
#       Fashion-MNIST, 1 epoch, batch 10 and 128: results.json training
#       seconds / steps;
#     input samples/s through the file-offset path (mnemo_bench_input, inline
#       reads, best of 3; page cache warm).
# Usage: tests/bench/scaling_model.sh [BUILD_DIR] [ITERATIONS] [KEEP_JSON]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
iters=${2:-50}
keep=${3:-}  # a path (from the repository root): keep a copy of the measurements JSON there
source tests/bench/bench_env.sh

mpirun -np 2 --bind-to core "$build/tests/mnemo_bench_allreduce" "$iters" >"$work/allreduce.txt"
for b in 10 128; do
  "$mnemo" train --stream "$stream" --run-dir "$work/b$b" --strategy finetune --batch-size "$b" --threads 1 \
    --epochs 1 >/dev/null 2>&1
done
"$build/tests/mnemo_bench_input" "$stream" 128 16384 3 >"$work/input.txt"

python3 - "$work" >"$work/measured.json" <<'PY'
import json, math, re, subprocess, sys
w = sys.argv[1]
text = open(f"{w}/allreduce.txt").read()
rows = [{"bytes": round(float(kib) * 1024), "raw_us": float(raw), "mnemo_us": float(mnemo)}
        for kib, raw, mnemo in re.findall(r"([\d.]+) KiB\s+raw\s+([\d.]+) us\s+mnemo\s+([\d.]+) us", text)]
steps, params = {}, 0
for b in ("10", "128"):
    r = json.load(open(f"{w}/b{b}/results.json"))
    n = sum(math.ceil(t["train_samples"] / int(b)) for t in r["tasks"])  # one epoch
    steps[b] = sum(t["seconds"] for t in r["tasks"]) / n
    params = r["tasks"][0]["parameters"]
inline = re.search(r"inline reads:\s+([\d.]+) samples/s", open(f"{w}/input.txt").read())
cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
print(json.dumps({
    "cpu": (re.findall(r"Model name:\s+(.*)", cpu) or ["?"])[0].strip(),
    "allreduce": rows,
    "step_seconds": steps,
    "mlp_params": params,
    "resnet18_params": int(re.search(r"\((\d+) floats", text).group(1)),
    "input_samples_per_s": float(inline.group(1)),
    "input_sample_bytes": 28 * 28,
}, indent=1))
PY
if [ -n "$keep" ]; then cp "$work/measured.json" "$keep"; fi
python3 tests/bench/scaling_model.py "$work/measured.json"
