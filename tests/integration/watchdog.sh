#!/usr/bin/env bash
# Test: no hangs. SIGSTOP one of 3 ranks mid-training: with --comm-timeout 5
#   the job exits non-zero within 5 + 10 s and the message names the frozen
#   rank as the one that never joined the collective.
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
echo "1 passed, 0 failed"
