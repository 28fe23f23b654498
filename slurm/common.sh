# Implements: what every mnemo batch script shares (sourced, not run):
#   mnemo_require_slurm  refuses to run outside a Slurm job
#   mnemo_step CMD...    runs CMD as the job step in the background, forwards
#                        USR1/USR2/TERM sent to the batch script to the step
#                        (so --signal=B:USR1@N and scancel --batch reach mnemo;
#                        TERM goes on as USR1, which mpirun forwards to the
#                        ranks, where its own TERM would abort the job),
#                        and on mnemo's "requeue me" exit (75) requeues the job.
#   It also exports SRUN_CPUS_PER_TASK (see below).
# Variables: MNEMO_ROOT (checkout; default $SLURM_SUBMIT_DIR), MNEMO_BIN
#   (default $MNEMO_ROOT/build/src/cli/mnemo).
MNEMO_ROOT=${MNEMO_ROOT:-${SLURM_SUBMIT_DIR:-$PWD}}
MNEMO_BIN=${MNEMO_BIN:-$MNEMO_ROOT/build/src/cli/mnemo}
readonly MNEMO_EXIT_REQUEUE=75
# From Slurm 22.05 on, srun no longer inherits the batch allocation's --cpus-per-task, so every rank would
# get one CPU whatever the script asked for (and run --threads of them on it): hand it on.
if [ -n "${SLURM_CPUS_PER_TASK:-}" ]; then export SRUN_CPUS_PER_TASK=$SLURM_CPUS_PER_TASK; fi

mnemo_require_slurm() {
  if [ -z "${SLURM_JOB_ID:-}" ]; then
    echo "$(basename "$0"): not inside a Slurm job; submit it with sbatch (see the README, 'Running on a cluster')" >&2
    exit 2
  fi
  [ -x "$MNEMO_BIN" ] || { echo "$(basename "$0"): $MNEMO_BIN is not built (set MNEMO_ROOT or MNEMO_BIN)" >&2; exit 2; }
}

mnemo_step() {
  "$@" &
  local step=$!
  for sig in USR1 USR2 TERM; do
    local to=$sig
    [ "$sig" = TERM ] && to=USR1
    # shellcheck disable=SC2064
    trap "echo 'mnemo batch script: forwarding SIG$sig to the job step as SIG$to'; kill -s $to $step 2>/dev/null" "$sig"
  done
  local rc
  while :; do
    rc=0
    wait "$step" || rc=$?  # (set -e: a trapped signal makes wait return 128+n)
    kill -0 "$step" 2>/dev/null || { rc=0; wait "$step" || rc=$?; break; }  # ended: its own status
  done
  if [ "$rc" -eq "$MNEMO_EXIT_REQUEUE" ]; then
    echo "mnemo batch script: mnemo checkpointed and asked to be requeued; requeueing job $SLURM_JOB_ID"
    scontrol requeue "$SLURM_JOB_ID"
    exit 0
  fi
  return "$rc"
}
