#!/usr/bin/env bash
# Test: no hangs. SIGSTOP one of 3 ranks mid-training: with --comm-timeout 5
#   the job exits non-zero within 5 + 10 s and the message names the frozen
#   rank as the one that never joined the collective. A rank that stops just
#   before MPI_Finalize (after the watchdog) or before MPI_Init (before any
#   watchdog) ends the job too, within the bound (MNEMO_TEST_FREEZE).
# Usage: watchdog.sh MNEMO MPIEXEC
set -euo pipefail
mnemo=$1
mpiexec=$2
source "$(dirname "$0")/common.sh"
"$mnemo" prepare --source synthetic --output "$work/s" --tasks 3 --classes-per-task 2 \
  --synthetic-train-per-class 3000 --synthetic-test-per-class 20 >/dev/null 2>&1
timeout 120 "$mpiexec" -n 3 "$mnemo" train --stream "$work/s" --run-dir "$work/run" --comm-timeout 5 \
  --checkpoint-every 50 --threads 1 >"$work/log" 2>&1 &
pid=$!
wait_for_checkpoint "$work/run" "$work/log"
# The rank whose heartbeat file says rank 1: its pid is the second rank process started.
victim=$(pgrep -f "^$mnemo train --stream $work/s" | sort -n | sed -n 2p)
[ -n "$victim" ] || fail "no rank process found"
victim_rank=$(tr '\0' '\n' <"/proc/$victim/environ" | sed -n 's/^OMPI_COMM_WORLD_RANK=//p')
kill -STOP "$victim"
start=$(date +%s)
set +e
wait "$pid"
rc=$?
set -e
elapsed=$(( $(date +%s) - start ))
kill -9 "$victim" 2>/dev/null || true
[ $rc -ne 0 ] || fail "the job exited 0 with a frozen rank"
[ $elapsed -le 15 ] || { cat "$work/log"; fail "the job took ${elapsed}s to end (bound: 5 + 10)"; }
grep -q "has waited more than 5 s (--comm-timeout)" "$work/log" || { cat "$work/log"; fail "no watchdog message"; }
# The frozen rank is the one whose pid we stopped: find its rank from its heartbeat-free log line
# "rank R is not responding"; every report must name the same rank.
named=$(grep -oE "rank [0-9]+ is not responding" "$work/log" | sort -u)
[ "$named" = "rank $victim_rank is not responding" ] || { cat "$work/log"; fail "frozen rank $victim_rank, named: $named"; }
echo "$named"
grep -q '"complete": true' "$work/run/results.json" 2>/dev/null && fail "results claim completeness"
echo "ok - frozen rank detected in ${elapsed}s"

# A rank frozen at the very end (the watchdog has stopped; MPI_Finalize waits for every rank), and one frozen
# before MPI_Init (no watchdog yet): the other ranks end themselves after the bound, so the launcher ends the job.
frozen_at() {  # where bound-seconds label run-args...
  local where=$1 bound=$2 label=$3
  shift 3
  local start rc elapsed
  start=$(date +%s)
  set +e
  MNEMO_TEST_FREEZE=$where:1 timeout 120 "$mpiexec" -x MNEMO_TEST_FREEZE -x MNEMO_MPI_TIMEOUT -n 2 "$mnemo" train \
    --stream "$work/s2" --threads 1 "$@" >"$work/log-$where" 2>&1
  rc=$?
  set -e
  elapsed=$(( $(date +%s) - start ))
  pkill -9 -f "$work/s2" 2>/dev/null || true
  [ $rc -ne 0 ] && [ $rc -ne 124 ] || { cat "$work/log-$where"; fail "$label: exit $rc (0: not detected; 124: hang)"; }
  [ $elapsed -le $((bound + 10)) ] || { cat "$work/log-$where"; fail "$label took ${elapsed}s (bound: $bound + 10)"; }
  grep -q "error: MPI_$( [ "$where" = init ] && echo Init || echo Finalize) did not return within $bound s" \
    "$work/log-$where" || { cat "$work/log-$where"; fail "$label: no message"; }
  echo "ok - $label: the job ended in ${elapsed}s"
}
"$mnemo" prepare --source synthetic --output "$work/s2" --tasks 2 --classes-per-task 2 >/dev/null 2>&1
export MNEMO_MPI_TIMEOUT=300
frozen_at finalize 5 "a rank frozen before MPI_Finalize (--comm-timeout 5)" --run-dir "$work/run-fin" --comm-timeout 5
grep -q '"complete": true' "$work/run-fin/results.json" || fail "the results were not written before the end"
export MNEMO_MPI_TIMEOUT=5
frozen_at init 5 "a rank frozen before MPI_Init (MNEMO_MPI_TIMEOUT=5)" --run-dir "$work/run-init"
echo "3 passed, 0 failed"
