#!/usr/bin/env bash
# Test: checkpoints, preemption and resume, under mpiexec.
#   1. a reference run (--deterministic, checkpoint every 20 steps);
#   2. preemption: SIGUSR1 to ONE rank once a checkpoint exists -> every
#      rank checkpoints and exits 75; --resume auto finishes the run with
#      the reference's exact matrices and final parameters;
#   3. SIGKILL of one rank -> every rank exits within 30 s, no results file
#      claims to be complete; --resume auto again matches the reference;
#   4. resuming on another world size (2 -> 3) re-shards the replay memory
#      and ends with the reference's accuracy matrix (batches and replay
#      decisions do not depend on the world size; only floating-point
#      summation order does, so parameters may differ in the last bits);
#   5. a result-affecting option change is refused (exit 2, names the
#      option) unless --force.
#   6. --checkpoint-minutes (below); 7. SIGTERM to launch/mnemo-mpirun ->
#      the ranks checkpoint, exit 75; resumed bit-exactly.
#   After 2, 3 and 7, metrics.csv holds the uninterrupted run's steps: none
#   twice (rows written after the checkpoint were dropped), none missing.
# Usage: resume.sh MNEMO MPIEXEC
set -euo pipefail
mnemo=$1
mpiexec=$2
source "$(dirname "$0")/common.sh"
"$mnemo" prepare --source synthetic --output "$work/s" --tasks 3 --classes-per-task 2 \
  --synthetic-train-per-class 1500 --synthetic-test-per-class 50 >/dev/null 2>&1
args=(--stream "$work/s" --strategy derpp --replay-capacity 100 --deterministic --checkpoint-every 20 --threads 1)
run() {  # ranks run_dir [extra...]
  local n=$1 dir=$2
  shift 2
  timeout 300 "$mpiexec" -n "$n" "$mnemo" train "${args[@]}" --run-dir "$dir" "$@"
}
# Starts a run in the background (its mpiexec pid in $pid) and waits for its first checkpoint.
start_and_wait() {  # run_dir
  run 2 "$1" >"$1.log" 2>&1 &
  pid=$!
  wait_for_checkpoint "$1" "$1.log"
}
same_as_reference() {  # run_dir
  python3 - "$work/ref" "$1" <<'PY'
import json, sys
a, b = (json.load(open(f"{d}/results.json")) for d in sys.argv[1:3])
for k in ("accuracy", "confusion", "model_fingerprint"):
    assert a[k] == b[k], f"{sys.argv[2]}: {k} differs from the uninterrupted run"
assert b["complete"]
steps = [[int(line.split(",")[0]) for line in open(f"{d}/metrics.csv").read().splitlines()[1:]] for d in sys.argv[1:3]]
assert steps[0] == sorted(set(steps[0])) and len(steps[0]) > 10, steps[0]
assert steps[1] == steps[0], f"{sys.argv[2]}/metrics.csv: steps {sorted(set(steps[1]) ^ set(steps[0]))} differ"
PY
}

run 2 "$work/ref" >"$work/ref.log" 2>&1 || { cat "$work/ref.log"; fail "reference run"; }

# 2. Preemption by a signal to one rank.
start_and_wait "$work/pre"
rank=$(pgrep -f "^$mnemo train --stream $work/s .*--run-dir $work/pre" | tail -1)
kill -USR1 "$rank"
set +e
wait "$pid"
rc=$?
set -e
[ $rc -eq 75 ] || { cat "$work/pre.log"; fail "preempted run exited $rc, expected 75"; }
grep -q "preempted: checkpointed" "$work/pre.log" || fail "no preemption message"
cp -r "$work/pre" "$work/pre-copy"
run 2 "$work/pre" --resume auto >"$work/pre2.log" 2>&1 || { cat "$work/pre2.log"; fail "resume after preemption"; }
grep -q "resumed from" "$work/pre2.log" || fail "did not resume"
same_as_reference "$work/pre"
echo "ok - preempted by SIGUSR1 to one rank, exit 75, resumed bit-exactly"

# 3. SIGKILL of one rank.
start_and_wait "$work/kill"
sleep 0.$((RANDOM % 5))
rank=$(pgrep -f "^$mnemo train --stream $work/s .*--run-dir $work/kill" | head -1)
kill -9 "$rank"
start=$(date +%s)
set +e
wait "$pid"
rc=$?
set -e
elapsed=$(( $(date +%s) - start ))
[ $rc -ne 0 ] || fail "a job with a killed rank exited 0"
[ $elapsed -le 30 ] || fail "the surviving ranks took ${elapsed}s to exit"
if [ -f "$work/kill/results.json" ]; then grep -q '"complete": true' "$work/kill/results.json" && fail "results claim completeness"; fi
cp -r "$work/kill" "$work/killed"  # stays incomplete, for 5
run 2 "$work/kill" --resume auto >"$work/kill2.log" 2>&1 || { cat "$work/kill2.log"; fail "resume after SIGKILL"; }
same_as_reference "$work/kill"
echo "ok - SIGKILL of one rank: all exited in ${elapsed}s, resumed bit-exactly"

# 4. Another world size.
run 3 "$work/pre-copy" --resume auto >"$work/ws.log" 2>&1 || { cat "$work/ws.log"; fail "resume on 3 ranks"; }
grep -q "trained on 2 ranks, now 3" "$work/ws.log" || { cat "$work/ws.log"; fail "no world-size change logged"; }
grep -q '"complete": true' "$work/pre-copy/results.json" || fail "3-rank resume incomplete"
"$mnemo" inspect "$work/pre-copy/replay" | grep -q "3-rank set" || fail "replay not re-sharded onto 3 ranks"
python3 - "$work/ref" "$work/pre-copy" <<'PY' || fail "the 3-rank resume's matrix differs from the uninterrupted run's"
import json, sys
a, b = (json.load(open(f"{d}/results.json"))["accuracy"]["class_il"] for d in sys.argv[1:3])
diff = max(abs(x - y) for ra, rb in zip(a, b) for x, y in zip(ra, rb))
print(f"2 -> 3 ranks: max |difference| from the uninterrupted run {100 * diff:.2f} points")
assert diff <= 0.01
PY
echo "ok - resumed a 2-rank checkpoint on 3 ranks, same matrix as the uninterrupted run"

# 5. Changed options.
set +e
run 2 "$work/killed" --resume auto --lr 0.05 >"$work/cfg.log" 2>&1
rc=$?
set -e
[ $rc -eq 2 ] && grep -q "lr (checkpoint 0.1, now 0.05)" "$work/cfg.log" || { cat "$work/cfg.log"; fail "option change not refused ($rc)"; }
run 2 "$work/killed" --resume auto --lr 0.05 --force >"$work/force.log" 2>&1 || { cat "$work/force.log"; fail "--force"; }
python3 -c "import json,sys; assert json.load(open(sys.argv[1]))['config']['lr'] == 0.05" "$work/killed/results.json" ||
  fail "--force: results.json does not record the learning rate the run finished with"
echo "ok - changed options refused, --force accepted (and recorded)"

# 6. --checkpoint-minutes: rank 0's clock decides and the decision rides on a
#    step's all-reduce (StepAgreement), so every rank checkpoints at the same
#    step, also mid-task (tasks end every 300 steps); results do not move.
timeout 300 "$mpiexec" -n 2 "$mnemo" train --stream "$work/s" --strategy derpp --replay-capacity 100 --deterministic \
  --threads 1 --checkpoint-minutes 0.0005 --checkpoint-keep 100000 --run-dir "$work/mins" >"$work/mins.log" 2>&1 ||
  { cat "$work/mins.log"; fail "--checkpoint-minutes run"; }
timed=$(find "$work/mins/checkpoints" -maxdepth 1 -name 'ckpt-*' | sed 's/.*-S0*//' |
  awk '$1 % 300 != 0' | wc -l)
[ "$timed" -ge 1 ] || fail "no mid-task checkpoint under --checkpoint-minutes 0.0005"
same_as_reference "$work/mins"
echo "ok - --checkpoint-minutes: $timed timed checkpoints, same results"
# 7. SIGTERM to the launcher (launch/mnemo-mpirun, as a batch system sends
#    it): the ranks checkpoint and the job exits 75, not mpirun's 1.
launcher=$(dirname "$0")/../../launch/mnemo-mpirun
"$launcher" --np 2 --threads-per-rank 1 --mnemo "$mnemo" -- train --stream "$work/s" \
  --strategy derpp --replay-capacity 100 --deterministic --checkpoint-every 20 --run-dir "$work/term" >"$work/term.log" 2>&1 &
pid=$!
wait_for_checkpoint "$work/term" "$work/term.log"
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
[ $rc -eq 75 ] || { cat "$work/term.log"; fail "SIGTERM to mnemo-mpirun: exit $rc, expected 75"; }
run 2 "$work/term" --resume auto >"$work/term2.log" 2>&1 || { cat "$work/term2.log"; fail "resume after SIGTERM"; }
same_as_reference "$work/term"
echo "ok - SIGTERM to mnemo-mpirun: the ranks checkpointed, exit 75, resumed bit-exactly"
echo "6 passed, 0 failed"
