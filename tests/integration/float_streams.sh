#!/usr/bin/env bash
# Test: float-feature streams end to end, with NumPy, h5py and scikit-learn's
#   digits (64 unscaled features) and a drifting CSV as independent peers.
#   1. sources: the same arrays as .npz (float64), a .npy directory
#      (float32, big-endian labels) and HDF5 (float32) make streams holding
#      the rows bit for bit, with NumPy's first-task (or all-task) mean/std;
#      --dtype float16 stores NumPy's float16 of them;
#   2. training: every strategy family gives the same matrix on 1 and 3 ranks
#      on a float stream; the replay memory holds float32 training rows
#      exactly; the export, fed by model.json's input recipe in PyTorch,
#      reproduces the run's confusion matrix;
#   3. time-ordered: a CSV with time and task columns is cut by time, by the
#      task column and by rows into exactly NumPy's windows, keeping every
#      class in each, and trains;
#   --augment crop-flip on feature vectors is refused (exit 2);
#   4. mnemo inspect shows the dtype, the normalisation and per-feature
#      statistics.
# Usage: float_streams.sh MNEMO MPIEXEC
set -euo pipefail
mnemo=$1
mpiexec=$2
source "$(dirname "$0")/common.sh"
py=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
check="$py $here/python/check_float_stream.py"
"$py" "$here/python/make_float_data.py" "$work"
prepare() {  # output args...
  local out=$1
  shift
  "$mnemo" prepare --name digits --output "$work/$out" --tasks 5 --classes-per-task 2 "$@" >"$work/$out.log" 2>&1 ||
    { cat "$work/$out.log"; fail "prepare $out"; }
}
train() {  # ranks run_dir stream [extra...]
  local n=$1 dir=$2 stream=$3
  shift 3
  timeout 300 "$mpiexec" -n "$n" "$mnemo" train --stream "$work/$stream" --threads 1 --run-dir "$work/$dir" "$@" \
    >"$work/$dir.log" 2>&1 || { cat "$work/$dir.log"; fail "train $dir"; }
}

# 1. Sources.
prepare npz --source numpy --input "$work/digits.npz"
prepare npy_dir --source numpy --input "$work/digits_dir"
prepare h5 --source hdf5 --input "$work/digits.h5"
$check sources "$work/digits.npz" "$work/npz" "$work/npy_dir" "$work/h5"
prepare all --source numpy --input "$work/digits.npz" --normalize all-tasks
$check sources "$work/digits.npz" "$work/all" --all
prepare half --source numpy --input "$work/digits.npz" --dtype float16
$check sources "$work/digits.npz" "$work/half"

# 2. Training: the same matrix on 1 and 3 ranks, for replay, distillation,
# regularisation and iCaRL's exemplars (fused and autograd kernels).
for strategy in er derpp lwf ewc icarl; do
  for n in 1 3; do
    train $n "$strategy-$n" npz --strategy $strategy --replay-capacity 100
  done
  "$py" - "$work/$strategy-1/results.json" "$work/$strategy-3/results.json" <<'PY' || fail "$strategy differs on 1 and 3 ranks"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a["accuracy"] == b["accuracy"] and a["confusion"] == b["confusion"], (a["accuracy"], b["accuracy"])
PY
done
"$py" - "$work/derpp-1/results.json" <<'PY' || fail "DER++ did not learn the float stream"
import json, sys
m = json.load(open(sys.argv[1]))["accuracy"]["task_il"]
assert min(m[t][t] for t in range(len(m))) > 0.9, m  # each task learnt when it is trained
PY
$check replay "$work/derpp-3" "$work/npz"
train 2 half-run half --strategy er --replay-capacity 50
$check replay "$work/er-3" "$work/npz"
"$py" "$here/python/check_export.py" "$work/derpp-3/model/final" "$work/npz" "$work/derpp-3/results.json" -1 ||
  fail "the float model's export does not reproduce the run"
grep -q '"norm_source": "first-task"' "$work/derpp-3/model/final/model.json" || fail "model.json has no input recipe"

set +e
"$mnemo" train --stream "$work/npz" --augment crop-flip --run-dir "$work/aug" >"$work/aug.log" 2>&1
rc=$?
set -e
[ $rc -eq 2 ] && grep -qF "crop-flip needs images [C, H, W]" "$work/aug.log" || { cat "$work/aug.log"; fail "--augment on features: exit $rc"; }

# 3. Time-ordered streams from CSV.
for how in time day rows; do
  case $how in
    time) split=(--split-by time --tasks 4) ;;
    day) split=(--split-by task) ;;
    rows) split=(--split-by rows --tasks 3) ;;
  esac
  "$mnemo" prepare --source csv --input "$work/drift.csv" --test-input "$work/drift_test.csv" --csv-time time \
    --csv-task day --scenario time-ordered "${split[@]}" --name drift --output "$work/drift-$how" \
    >"$work/drift-$how.log" 2>&1 || { cat "$work/drift-$how.log"; fail "prepare drift-$how"; }
  tasks=$("$py" -c "import h5py,sys; print(h5py.File(sys.argv[1])['/'].attrs['num_tasks'][0])" "$work/drift-$how/stream.h5")
  $check windows "$work/drift.csv" "$work/drift_test.csv" "$work/drift-$how" $how "$tasks"
done
train 2 drift-run drift-time --strategy er --replay-capacity 50
"$py" - "$work/drift-run/results.json" <<'PY' || fail "the drifting stream's results"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["stream"]["scenario"] == "time-ordered", r["stream"]
m = r["accuracy"]["class_il"]
assert len(m) == 4 and m[-1][-1] > 0.8, m
PY
# The seeded hold-out: no --test-input.
"$mnemo" prepare --source csv --input "$work/drift.csv" --csv-time time --scenario time-ordered --tasks 2 \
  --output "$work/holdout" >/dev/null 2>&1 || fail "csv hold-out"
"$mnemo" inspect "$work/holdout" | grep -q "dataset drift, scenario time-ordered" || fail "the dataset is not named after the file"
"$py" - "$work/drift.csv" "$work/holdout" <<'PY' || fail "the CSV hold-out is not a 80/20 partition of the rows"
import glob, sys
import h5py, numpy as np
rows = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
def split(name):
    out = []
    for shard in glob.glob(f"{sys.argv[2]}/shard-*.h5"):
        with h5py.File(shard) as f:
            out += [f[t][name]["images"][:] for t in f if t.startswith("task_")]
    return np.concatenate(out)
train, test = split("train"), split("test")
assert (len(train), len(test)) == (960, 240), (len(train), len(test))
want = sorted(r.tobytes() for r in rows[:, 1:7].astype(np.float32))  # day is a feature here
assert sorted(r.tobytes() for r in np.concatenate([train, test])) == want
PY

# 4. inspect.
"$mnemo" inspect "$work/npz" >"$work/inspect.txt" 2>&1 || { cat "$work/inspect.txt"; fail "inspect"; }
for text in "samples float32 64" "normalisation: (x - mean) / std per feature, from the training rows of first-task" \
  "feature 2: mean 2.73, std 3.9, min 0, max 16; stored mean 2.73, std 3.9"; do
  grep -qF "$text" "$work/inspect.txt" || { cat "$work/inspect.txt"; fail "inspect does not show '$text'"; }
done
echo "float_streams: ok"
