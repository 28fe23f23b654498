# Implements: what the Slurm integration tests share (sourced, with $root
#   set to the source tree): a local cluster of NODES node names (default 1)
#   in a short scratch directory $cluster (the pmix socket path must stay
#   under 108 bytes), SLURM_CONF exported, and everything stopped and
#   removed on exit; fail() prints the jobs' outputs and the daemons' logs.
cluster=$(mktemp -d /tmp/msl-XXXX)
cleanup() {
  if [ -n "${SLURM_CONF:-}" ]; then scancel --user="$(id -un)" 2>/dev/null || true; fi
  bash "$root/tests/slurm/local_cluster.sh" stop "$cluster" || true
  sleep 1
  rm -rf "$cluster"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$cluster"/*.out "$cluster"/*.log; do [ -f "$f" ] && { echo "== $f"; tail -30 "$f"; }; done
  exit 1
}
SLURM_CONF=$(bash "$root/tests/slurm/local_cluster.sh" start "$cluster" "${NODES:-1}") ||
  fail "the local Slurm cluster (${NODES:-1} node(s)) did not start"
export SLURM_CONF
