# Implements: what the integration scripts share (sourced): the MPI
#   environment for running as root with more ranks than cores, a work
#   directory removed on exit (with any mnemo process still running in it),
#   and fail(). Set `mnemo` before sourcing.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
cleanup_work() {
  pkill -9 -f "^$mnemo train --stream $work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup_work EXIT
# Waits (at most 30 s) until RUN_DIR holds a complete checkpoint; on timeout prints LOG and fails.
wait_for_checkpoint() {  # run_dir log
  for _ in $(seq 1 600); do
    compgen -G "$1/checkpoints/ckpt-*" >/dev/null && return 0
    sleep 0.05
  done
  cat "$2"
  fail "no checkpoint appeared in $1"
}
fail() {
  echo "FAIL: $*"
  exit 1
}
