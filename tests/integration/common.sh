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
fail() {
  echo "FAIL: $*"
  exit 1
}
