#!/usr/bin/env bash
# Test: a job across two Slurm nodes on one machine. tests/slurm/local_cluster.sh
#   starts a cluster of two node names (n1, n2: one slurmd each); the
#   project's train.sbatch runs 4 ranks as 2 nodes x 2 (--nodes=2
#   --ntasks-per-node=2), with MNEMO_SIMULATED_NODES=2 so the node-shared-
#   memory sum takes its cross-node step between the two. Its accuracy
#   matrix, and every loss in metrics.csv, equal bitwise those of the same
#   --deterministic run launched by mpiexec -n 4 as 2 x 2 without Slurm.
#   Every wait is bounded.
# Usage: slurm_two_nodes.sh MNEMO MPIEXEC SOURCE_DIR
set -euo pipefail
mnemo=$(readlink -f "$1")
mpiexec=$2
root=$(readlink -f "$3")
NODES=2 source "$root/tests/slurm/test_cluster.sh"
[ "$(sinfo -h -N -o %N | sort | tr '\n' ' ')" = "n1 n2 " ] || fail "sinfo does not list nodes n1 and n2"
"$mnemo" prepare --source synthetic --output "$cluster/s" --tasks 3 --classes-per-task 2 \
  --synthetic-train-per-class 300 --synthetic-test-per-class 50 --synthetic-noise 150 >/dev/null 2>&1
train_args=(--deterministic --strategy derpp --replay-capacity 60 --batch-size 12 --lr 0.05)

export MNEMO_ROOT=$root MNEMO_BIN=$mnemo MNEMO_STREAM=$cluster/s MNEMO_SIMULATED_NODES=2
# The two nodes share this machine's /dev/shm, where Open MPI's shared-memory
# transport names its segments by node-local rank: the job's ranks talk TCP.
job=$(OMPI_MCA_btl=self,tcp MNEMO_RUN_DIR=$cluster/slurm sbatch --parsable --chdir="$cluster" --output="$cluster/job.out" --nodes=2 \
  --ntasks-per-node=2 --ntasks=4 "$root/slurm/train.sbatch" "${train_args[@]}")
state=""
for _ in $(seq 1 480); do
  state=$(scontrol show job "$job" -o 2>/dev/null | grep -oE 'JobState=[A-Z_]+' | cut -d= -f2)
  case "$state" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) break ;; esac
  sleep 0.5
done
[ "$state" = COMPLETED ] || fail "job $job ended ${state:-in no final state} within 240 s:" \
  "$(scontrol show job "$job" -o 2>/dev/null | grep -oE 'Reason=[^ ]+')"
grep -q "on n\[1-2\]: 4 ranks" "$cluster/job.out" || fail "the job did not run on n1 and n2"
echo "ok - a 4-rank job ran on two Slurm nodes, n1 and n2"

timeout 300 "$mpiexec" -n 4 "$mnemo" train --stream "$cluster/s" --run-dir "$cluster/mpiexec" --threads 1 \
  "${train_args[@]}" >"$cluster/mpiexec.log" 2>&1 || fail "the mpiexec run exited $?"
/usr/bin/python3 - "$cluster/slurm" "$cluster/mpiexec" <<'PY' || fail "the two-node Slurm job differs from mpiexec's 2 x 2"
import csv, json, sys
a, b = (json.load(open(f"{d}/results.json")) for d in sys.argv[1:])
assert a["accuracy"] == b["accuracy"], (a["accuracy"], b["accuracy"])
la, lb = (list(csv.DictReader(open(f"{d}/metrics.csv"))) for d in sys.argv[1:])
keys = [k for k in la[0] if k.startswith("loss")]
assert len(la) == len(lb) > 0 and all(x[k] == y[k] for x, y in zip(la, lb) for k in keys), "metrics.csv losses differ"
print(f"ok - accuracy matrix and {len(la)} rows of losses ({', '.join(keys)}) bitwise equal to mpiexec -n 4 as 2 x 2")
PY
