#!/usr/bin/env bash
# Test: the project's own sbatch scripts on a real single-node Slurm
#   (tests/slurm/local_cluster.sh starts it; only its own daemons are stopped):
#   1. a 2-rank training job (srun --mpi=pmix) completes, each rank on the
#      1 CPU --cpus-per-task gives it; a 1-rank job with --cpus-per-task=2
#      runs 2 threads on 2 CPUs (the scripts hand --cpus-per-task to srun);
#   2. the same job preempted mid-run (scancel --batch --signal=USR1) is
#      checkpointed, requeued by its script, resumes by itself and ends with
#      the uninterrupted job's exact accuracy matrix and parameters;
#   3. an array sweep (2 strategies x 2 seeds) gives one run per element and
#      a report over them;
#   4. the scripts refuse to run outside Slurm.
#   Every wait is bounded.
# Usage: slurm.sh MNEMO SOURCE_DIR
set -euo pipefail
mnemo=$(readlink -f "$1")
root=$(readlink -f "$2")
source "$root/tests/slurm/test_cluster.sh"
export MNEMO_ROOT=$root MNEMO_BIN=$mnemo MNEMO_STREAM=$cluster/s
"$mnemo" prepare --source synthetic --output "$cluster/s" --tasks 3 --classes-per-task 2 \
  --synthetic-train-per-class 1500 --synthetic-test-per-class 50 >/dev/null 2>&1

job_state() { scontrol show job "$1" -o 2>/dev/null | grep -oE 'JobState=[A-Z_]+' | head -1 | cut -d= -f2; }
wait_job() {  # id seconds -> waits until the job is in a final state
  local id=$1 limit=$2 state=""
  for _ in $(seq 1 $((limit * 2))); do
    state=$(job_state "$id")
    case "$state" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) echo "$state"; return 0 ;; esac
    sleep 0.5
  done
  echo "TIMEOUT_WAITING($state)"
}
train_args=(--deterministic --strategy derpp --replay-capacity 100 --checkpoint-every 20)

# 1. An uninterrupted job.
job1=$(MNEMO_RUN_DIR=$cluster/r1 sbatch --parsable --chdir="$cluster" --output="$cluster/j1.out" \
  "$root/slurm/train.sbatch" "${train_args[@]}")
state=$(wait_job "$job1" 240)
[ "$state" = COMPLETED ] || fail "job $job1 ended $state"
grep -q '"complete": true' "$cluster/r1/results.json" || fail "job 1 results incomplete"
echo "ok - 2-rank training job completed"
# The CPUs each rank really got (task/affinity binds them): --cpus-per-task=1, so 1 thread on 1 CPU.
grep -q "2 ranks, .* 1 threads/rank on 1 CPU(s)" "$cluster/j1.out" || fail "job 1's ranks did not get 1 CPU each"
# A rank asking for 2 CPUs gets 2, although srun (Slurm 22.05+) no longer inherits --cpus-per-task by itself:
# the scripts hand it on (SRUN_CPUS_PER_TASK).
job1b=$(MNEMO_RUN_DIR=$cluster/r1b sbatch --parsable --chdir="$cluster" --output="$cluster/j1b.out" --ntasks=1 \
  --cpus-per-task=2 "$root/slurm/train.sbatch" --strategy finetune)
state=$(wait_job "$job1b" 240)
[ "$state" = COMPLETED ] || fail "job $job1b (1 rank, 2 CPUs) ended $state"
grep -q "1 ranks, .* 2 threads/rank on 2 CPU(s)" "$cluster/j1b.out" || fail "job 1b's rank did not get its 2 CPUs"
echo "ok - each rank runs on the CPUs --cpus-per-task gives it (1 and 2)"

# 2. A preempted job: USR1 to the batch script once a checkpoint exists.
job2=$(MNEMO_RUN_DIR=$cluster/r2 sbatch --parsable --chdir="$cluster" --output="$cluster/j2.out" \
  "$root/slurm/train.sbatch" "${train_args[@]}")
for _ in $(seq 1 600); do compgen -G "$cluster/r2/checkpoints/ckpt-*" >/dev/null && break; sleep 0.2; done
compgen -G "$cluster/r2/checkpoints/ckpt-*" >/dev/null || fail "job $job2 wrote no checkpoint"
scancel --batch --signal=USR1 "$job2"
state=$(wait_job "$job2" 300)
[ "$state" = COMPLETED ] || fail "preempted job $job2 ended $state"
grep -q "requeueing job $job2" "$cluster/j2.out" || fail "job 2 was not requeued by its script"
grep -q "resumed from" "$cluster/j2.out" || fail "job 2 did not resume from its checkpoint"
python3 - "$cluster/r1" "$cluster/r2" <<'PY' || fail "the preempted job's results differ"
import json, sys
a, b = (json.load(open(f"{d}/results.json")) for d in sys.argv[1:])
for k in ("accuracy", "confusion", "model_fingerprint"):
    assert a[k] == b[k], k
PY
echo "ok - preempted job checkpointed, requeued itself, resumed, same results"

# 3. An array sweep and a report over it.
export MNEMO_SWEEP_STRATEGIES="er finetune" MNEMO_SWEEP_SEEDS="0 1" MNEMO_SWEEP_DIR=$cluster/sweep
array=$(sbatch --parsable --array=0-3 --chdir="$cluster" --output="$cluster/sweep-%a.out" "$root/slurm/sweep.sbatch")
for i in 0 1 2 3; do
  state=$(wait_job "${array}_$i" 240)
  [ "$state" = COMPLETED ] || fail "sweep element $i ended $state"
done
runs=$(ls -d "$cluster"/sweep/*/ | wc -l)
[ "$runs" -eq 4 ] || fail "expected 4 sweep runs, found $runs"
"$mnemo" report "$cluster"/sweep/* --output "$cluster/report" --no-plots >"$cluster/report.out" 2>&1 || fail "report"
python3 - "$cluster/report/report.json" <<'PY' || fail "the sweep report is wrong"
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
assert sorted(r["strategy"] for r in rows) == ["er", "finetune"] and all(len(r["runs"]) == 2 for r in rows), rows
PY
echo "ok - array sweep: 4 runs and a report"

# 4. Outside Slurm.
set +e
env -u SLURM_JOB_ID bash "$root/slurm/train.sbatch" >"$cluster/outside.out" 2>&1
rc=$?
set -e
[ $rc -eq 2 ] && grep -q "not inside a Slurm job" "$cluster/outside.out" || fail "outside-Slurm guard ($rc)"
echo "ok - scripts refuse to run outside Slurm"
echo "4 passed, 0 failed"
