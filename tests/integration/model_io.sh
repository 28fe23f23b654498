#!/usr/bin/env bash
# Test: models in and out, with PyTorch (Debian's python3-torch, the same
#   TorchScript and pickle formats as LibTorch) as the real peer, under mpiexec.
#   1. exports: RUN/model/task-0 and final, of a built-in MLP trained on 2
#      ranks, loaded by torch.jit.load / torch.load alone, reproduce the run's
#      confusion matrices sample for sample; `mnemo export RUN` gives the
#      final state dict; resnet18 (BatchNorm) exports too;
#      the run's per-class reports (results.json, class_report.csv) equal
#      scikit-learn's classification_report of the export's predictions;
#   2. TorchScript models in: an MLP and a CNN with BatchNorm scripted in
#      Python train on 2 ranks and their exports reproduce the run's matrix;
#   3. exact resume with buffers: a --deterministic CNN-with-BatchNorm run and
#      a resnet18 run, resumed from a mid-task checkpoint, end bit-identical
#      to the uninterrupted run on the same world size, and finish on another;
#   4. --init: a run started from another run's export begins at that
#      model's accuracy (its baseline, computed again in Python);
#   5. bad input: not TorchScript, no forward, wrong class count, a forward that throws,
#      iCaRL without `features`, a mis-shaped --init, a checkpoint of
#      another model or format version, an unwritable export: each a clear
#      error and its documented exit code, the run directory untouched.
# Usage: model_io.sh MNEMO MPIEXEC
set -euo pipefail
mnemo=$1
mpiexec=$2
source "$(dirname "$0")/common.sh"
py=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
"$mnemo" prepare --source synthetic --output "$work/s" --tasks 3 --classes-per-task 2 --synthetic-noise 150 \
  --synthetic-train-per-class 300 --synthetic-test-per-class 50 >/dev/null 2>&1
mkdir "$work/models"
"$py" "$here/python/make_models.py" "$work/models" 1 8 6
echo garbage >"$work/models/garbage.pt"
train() {  # ranks run_dir [extra...]
  local n=$1 dir=$2
  shift 2
  timeout 300 "$mpiexec" -n "$n" "$mnemo" train --stream "$work/s" --threads 1 --run-dir "$dir" "$@"
}
check_export() {  # export_dir run_dir row
  "$py" "$here/python/check_export.py" "$1" "$work/s" "$2/results.json" "$3" || fail "$1 does not reproduce $2"
}
# Runs a command that must fail with CODE and print TEXT.
expect_error() {  # code text log command...
  local code=$1 text=$2 log=$3
  shift 3
  set +e
  "$@" >"$log" 2>&1
  local rc=$?
  set -e
  [ $rc -eq "$code" ] || { cat "$log"; fail "expected exit $code, got $rc: $*"; }
  grep -qF -- "$text" "$log" || { cat "$log"; fail "no '$text' in the error of: $*"; }
}

# 1. Exports of built-in models.
train 2 "$work/mlp" --strategy er --replay-capacity 50 --checkpoint-every 60 >"$work/mlp.log" 2>&1 ||
  { cat "$work/mlp.log"; fail "mlp run"; }
check_export "$work/mlp/model/task-0" "$work/mlp" 0
check_export "$work/mlp/model/final" "$work/mlp" -1
"$mnemo" export "$work/mlp" --output "$work/exported" >/dev/null 2>&1 || fail "mnemo export"
"$py" - "$work/exported/state_dict.pt" "$work/mlp/model/final/state_dict.pt" <<'PY'
import sys, torch
a, b = torch.load(sys.argv[1]), torch.load(sys.argv[2])
assert sorted(a) == sorted(b) and all(torch.equal(a[k], b[k]) for k in a), "mnemo export differs from model/final"
PY
echo "ok - built-in MLP exports (task 0, final, mnemo export) reproduce the run in PyTorch"
"$py" "$here/python/check_class_report.py" "$work/mlp/model/final" "$work/s" "$work/mlp" ||
  fail "the per-class reports differ from scikit-learn's"
echo "ok - the per-class reports (class-IL, task-IL; results.json and class_report.csv) equal scikit-learn's"

# 2. TorchScript models in.
for m in mlp cnn_bn; do
  train 2 "$work/ts-$m" --model "$work/models/$m.pt" --strategy er --replay-capacity 50 >"$work/ts-$m.log" 2>&1 ||
    { cat "$work/ts-$m.log"; fail "TorchScript $m run"; }
  check_export "$work/ts-$m/model/final" "$work/ts-$m" -1
done
echo "ok - TorchScript MLP and CNN+BatchNorm from Python train on 2 ranks; their exports reproduce the runs"

# 3. Exact resume of models with buffers.
same_run() {  # reference other
  "$py" - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(f"{d}/results.json")) for d in sys.argv[1:3])
for k in ("accuracy", "confusion", "model_fingerprint"):
    assert a[k] == b[k], f"{sys.argv[2]}: {k} differs from the uninterrupted run"
import torch  # the buffers too (fingerprints cover parameters only)
a, b = (torch.load(f"{d}/model/final/state_dict.pt") for d in sys.argv[1:3])
assert all(torch.equal(a[k], b[k]) for k in a), f"{sys.argv[2]}: final parameters or buffers differ"
PY
}
# (resnet18 with er: DER++ stores logits of single samples, which BatchNorm
# refuses in training mode once 8x8 images are pooled down to 1x1.)
for m in "$work/models/cnn_bn.pt:derpp" resnet18:er; do
  name=$(basename "${m%:*}" .pt)
  args=(--model "${m%:*}" --strategy "${m#*:}" --replay-capacity 50 --deterministic --checkpoint-every 25
    --checkpoint-keep 100)
  train 2 "$work/bn-$name" "${args[@]}" >"$work/bn-$name.log" 2>&1 || { cat "$work/bn-$name.log"; fail "$name run"; }
  mid=$work/bn-$name/checkpoints/ckpt-T00000-S000000050  # task 0 has 60 steps
  [ -f "$mid/DONE" ] || fail "no mid-task checkpoint $mid"
  ls "$mid/buffers/rank-0.pt" "$mid/buffers/rank-1.pt" >/dev/null || fail "no per-rank buffers in $mid"
  train 2 "$work/bn-$name-2" "${args[@]}" --resume "$mid" >"$work/bn-$name-2.log" 2>&1 ||
    { cat "$work/bn-$name-2.log"; fail "$name resume on 2 ranks"; }
  same_run "$work/bn-$name" "$work/bn-$name-2" || fail "$name resumed on 2 ranks differs"
  train 3 "$work/bn-$name-3" "${args[@]}" --resume "$mid" >"$work/bn-$name-3.log" 2>&1 ||
    { cat "$work/bn-$name-3.log"; fail "$name resume on 3 ranks"; }
  grep -q "trained on 2 ranks, now 3" "$work/bn-$name-3.log" || fail "$name did not resume on 3 ranks"
done
echo "ok - BatchNorm models (TorchScript CNN, resnet18) resume mid-task bit-identically; 2 -> 3 ranks finishes"

# 4. --init from another run's export: the baseline is that model's accuracy.
train 2 "$work/init" --init "$work/mlp/model/final" --strategy er --replay-capacity 50 >"$work/init.log" 2>&1 ||
  { cat "$work/init.log"; fail "--init run"; }
"$py" - "$work/mlp/results.json" "$work/init/results.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert b["baseline"]["class_il"] == a["accuracy"]["class_il"][-1], "the --init run does not start where the export ended"
PY
train 1 "$work/init-skip" --init "$work/mlp/model/final/state_dict.pt" --init-skip layers.4 --strategy er \
  --replay-capacity 50 >"$work/init-skip.log" 2>&1 || { cat "$work/init-skip.log"; fail "--init-skip run"; }
echo "ok - --init starts from another run's export (its accuracy, to the sample); --init-skip trains"

# 5. Bad input.
cp -r "$work/mlp" "$work/keep"
sum_before=$(sha256sum "$work/keep/results.json")
expect_error 3 "is not a TorchScript module" "$work/e1.log" train 2 "$work/keep" --overwrite --model "$work/models/garbage.pt"
expect_error 3 "has no forward method" "$work/e0.log" train 2 "$work/keep" --overwrite --model "$work/models/no_forward.pt"
expect_error 2 "forward returned [2, 7], expected [2, 6]" "$work/e2.log" \
  train 2 "$work/keep" --overwrite --model "$work/models/wrong_classes.pt"
expect_error 2 "forward failed" "$work/e3.log" train 2 "$work/keep" --overwrite --model "$work/models/throws.pt"
expect_error 2 "has no 'features' method" "$work/e4.log" \
  train 2 "$work/keep" --overwrite --model "$work/models/no_features.pt" --strategy icarl --replay-capacity 50
expect_error 3 "layers.0.weight: model [50, 64] Float, file [100, 64] Float" "$work/e5.log" \
  train 2 "$work/keep" --overwrite --init "$work/mlp/model/final" --hidden 50 50
expect_error 3 "holds another model" "$work/e6.log" \
  train 2 "$work/keep" --overwrite --model "$work/models/mlp.pt" --force --resume "$work/mlp/checkpoints/ckpt-T00003-S000000180"
[ "$(sha256sum "$work/keep/results.json")" = "$sum_before" ] || fail "a failed start changed the run directory"
cp -r "$work/mlp/checkpoints/ckpt-T00003-S000000180" "$work/future"
sed -i 's/"format_version": 2/"format_version": 9/' "$work/future/meta.json"
(cd "$work/future" && find . -type f ! -name SHA256SUMS ! -name DONE | sed 's|^\./||' | sort | xargs sha256sum \
  >SHA256SUMS)  # as the newer mnemo that wrote it would have
expect_error 3 "version 9" "$work/e7.log" train 2 "$work/other" --resume "$work/future"
expect_error 5 "cannot create the export directory" "$work/e8.log" "$mnemo" export "$work/mlp" --output /proc/mnemo-export
echo "ok - bad models, --init files, checkpoints and export targets: clear errors, documented exit codes"
