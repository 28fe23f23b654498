#!/usr/bin/env bash
# Implements: the strategies' results table of the README. Every strategy on
#   Split Fashion-MNIST (5 tasks x 2 classes, batch 10) and on Permuted and
#   Rotated Fashion-MNIST (domain-incremental, batch 128), with the DER
#   paper's settings for the MNIST family (MLP 2x100, plain SGD, 1 epoch,
#   buffers 200 and 500) and the hyper-parameters published with it
#   (mammoth's best_args for seq-mnist, perm-mnist and rot-mnist), over 3
#   seeds on 2 ranks, in the reference code's protocol: Xavier-uniform
#   initialisation (--weight-init xavier, Mammoth's MNISTMLP) and seq-mnist's
#   class order 0,1,...,9 (tests/bench/fidelity.sh measures both). Progressive
#   networks and PackNet (pnn, packnet: --model pnn|packnet, task identity
#   given) are task-IL only.
#   Writes RESULTS_DIR/table.md (mean +- std of class-IL and task-IL ACC,
#   BWT and forgetting) and every run's directory.
# Usage: launch/results_table.sh [RESULTS_DIR]
#   Environment: MNEMO_BIN (default build/src/cli/mnemo), NP (2), SEEDS
#   ("0 1 2"), DOMAIN_TASKS (10), DOMAIN_SAMPLES (10000 training images per
#   domain task; the paper uses 20 tasks of 60000), ONLY (a regex of run names),
#   WEIGHT_INIT (xavier; torch for mnemo's default initialisation).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/results-table}
mnemo=${MNEMO_BIN:-build/src/cli/mnemo}
np=${NP:-2}
seeds=${SEEDS:-0 1 2}
domain_tasks=${DOMAIN_TASKS:-10}
domain_samples=${DOMAIN_SAMPLES:-10000}
only=${ONLY:-.}
weight_init=${WEIGHT_INIT:-xavier}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
mkdir -p "$out/streams"

prepare() {  # name args...
  local name=$1; shift
  [ -f "$out/streams/$name/SHA256SUMS" ] || "$mnemo" prepare --output "$out/streams/$name" --overwrite "$@" >/dev/null
}
prepare split --class-order 0,1,2,3,4,5,6,7,8,9
prepare permuted --scenario permuted --tasks "$domain_tasks" --samples-per-task "$domain_samples"
prepare rotated --scenario rotated --tasks "$domain_tasks" --samples-per-task "$domain_samples"

run() {  # stream strategy buffer(- for none) seed options...
  local stream=$1 strategy=$2 buffer=$3 seed=$4; shift 4
  local name="$stream-$strategy-$buffer-s$seed"
  [[ $name =~ $only ]] || return 0
  [ -f "$out/$name/results.json" ] && return 0
  local batch=10
  [ "$stream" = split ] || batch=128
  local capacity=()
  [ "$buffer" = - ] || capacity=(--replay-capacity "$buffer")
  local method=(--strategy "$strategy")
  # Progressive networks and PackNet: the model is the method; it predicts with the task's weights (task identity given).
  case $strategy in
    pnn | packnet) method=(--strategy finetune --model "$strategy" --head per-task) ;;
    er-gh) method=(--strategy er --growing-head) ;;  # er with a growing head
  esac
  mpirun -np "$np" --bind-to core "$mnemo" train --stream "$out/streams/$stream" --run-dir "$out/$name" \
    "${method[@]}" --batch-size "$batch" "${capacity[@]}" --seed "$seed" --threads 1 --overwrite \
    --weight-init "$weight_init" \
    "$@" >"$out/$name.log" 2>&1 || { echo "FAILED: $name (see $out/$name.log)" >&2; echo "$name" >>"$out/failed.txt"; return 0; }
  echo "$name"
}

for seed in $seeds; do
  # Split Fashion-MNIST: seq-mnist's values.
  s=split
  run $s finetune - "$seed" --lr 0.03
  run $s joint - "$seed" --lr 0.03
  run $s ewc - "$seed" --lr 0.03 --ewc-lambda 90 --ewc-gamma 1.0
  run $s si - "$seed" --lr 0.1 --si-c 1.0 --si-xi 0.9
  run $s lwf - "$seed" --lr 0.03 --lwf-alpha 1 --lwf-temperature 2 --weight-decay 0.0005
  run $s er 200 "$seed" --lr 0.01 --replay-batch 10
  run $s er 500 "$seed" --lr 0.1 --replay-batch 10
  run $s er-gh 500 "$seed" --lr 0.1 --replay-batch 10
  run $s er-ace 200 "$seed" --lr 0.01 --replay-batch 10   # not in the DER paper: er's values
  run $s er-ace 500 "$seed" --lr 0.1 --replay-batch 10
  run $s agem 200 "$seed" --lr 0.1 --replay-batch 128
  run $s agem 500 "$seed" --lr 0.1 --replay-batch 128
  run $s der 200 "$seed" --lr 0.03 --replay-batch 10 --der-alpha 0.2
  run $s der 500 "$seed" --lr 0.03 --replay-batch 128 --der-alpha 1.0
  run $s derpp 200 "$seed" --lr 0.03 --replay-batch 128 --der-alpha 0.2 --der-beta 1.0
  run $s derpp 500 "$seed" --lr 0.03 --replay-batch 10 --der-alpha 1.0 --der-beta 0.5
  run $s icarl 200 "$seed" --lr 0.1 --replay-batch 10
  run $s icarl 500 "$seed" --lr 0.1 --replay-batch 10
  run $s gdumb 200 "$seed" --lr 0.05 --replay-batch 16 --gdumb-epochs 30  # not in the DER paper
  run $s gdumb 500 "$seed" --lr 0.05 --replay-batch 16 --gdumb-epochs 30
  run $s pnn - "$seed" --lr 0.03  # not in the DER paper: finetune's values
  run $s packnet - "$seed" --lr 0.03 --packnet-prune 0.5 --packnet-retrain 0.25
  # Permuted and Rotated: perm-mnist's and rot-mnist's values (lwf: seq-mnist's, the paper has none).
  for s in permuted rotated; do
    si_c=0.5 agem500=0.1 der500=0.5 derpp500=(--der-alpha 0.5 --der-beta 1.0) derpp200=(--der-alpha 1.0 --der-beta 0.5)
    [ $s = permuted ] && { si_c=0.5; der500=1.0; derpp500=(--der-alpha 1.0 --der-beta 0.5); derpp200=(--der-alpha 1.0 --der-beta 1.0); }
    [ $s = rotated ] && { si_c=1.0; agem500=0.3; }
    run $s finetune - "$seed" --lr 0.2
    run $s joint - "$seed" --lr 0.2
    run $s ewc - "$seed" --lr 0.1 --ewc-lambda 0.7 --ewc-gamma 1.0
    run $s si - "$seed" --lr 0.1 --si-c "$si_c" --si-xi 1.0
    run $s lwf - "$seed" --lr 0.03 --lwf-alpha 1 --lwf-temperature 2 --weight-decay 0.0005
    run $s er 200 "$seed" --lr 0.2 --replay-batch 128
    run $s er 500 "$seed" --lr 0.2 --replay-batch 128
    run $s er-ace 200 "$seed" --lr 0.2 --replay-batch 128
    run $s er-ace 500 "$seed" --lr 0.2 --replay-batch 128
    run $s agem 200 "$seed" --lr 0.1 --replay-batch 128
    run $s agem 500 "$seed" --lr "$agem500" --replay-batch 128
    run $s der 200 "$seed" --lr 0.2 --replay-batch 128 --der-alpha 1.0
    run $s der 500 "$seed" --lr 0.2 --replay-batch 128 --der-alpha "$der500"
    run $s derpp 200 "$seed" --lr 0.1 --replay-batch 128 "${derpp200[@]}"
    run $s derpp 500 "$seed" --lr 0.2 --replay-batch 128 "${derpp500[@]}"
    run $s icarl 200 "$seed" --lr 0.1 --replay-batch 128  # not in the paper for P/R-MNIST
    run $s icarl 500 "$seed" --lr 0.1 --replay-batch 128
    run $s gdumb 200 "$seed" --lr 0.05 --replay-batch 16 --gdumb-epochs 30
    run $s gdumb 500 "$seed" --lr 0.05 --replay-batch 16 --gdumb-epochs 30
    run $s pnn - "$seed" --lr 0.2
    run $s packnet - "$seed" --lr 0.2 --packnet-prune 0.5 --packnet-retrain 0.25
  done
done
python3 "$(dirname "$0")/results_table.py" "$out" > "$out/table.md"
cat "$out/table.md"
