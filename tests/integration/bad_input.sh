#!/usr/bin/env bash
# Implements: the bad-input integration test: the mnemo binary, under mpiexec,
#   must refuse broken datasets, streams, options and config files, and
#   outputs it cannot write, with a non-zero exit code (2 usage, 3 bad
#   input data, 5 cannot write), one error message that names what is
#   wrong, and no hang. Case 20 covers the csv, hdf5 and numpy sources of
#   mnemo prepare: a CSV with a ragged row, a non-numeric, empty or NaN
#   cell, no label column, a fractional label or an unclosed quote; a
#   time-ordered cut with an empty time window, and --split-by task without
#   --csv-task (exit 2); an HDF5 file with a NaN feature, or train and test
#   of different widths; NumPy arrays missing from an .npz, in Fortran
#   order, of object or complex dtype, truncated (.npy and .npz), not a zip
#   at all, or fractional labels. Its HDF5 and NumPy files are written with
#   NumPy and h5py ($MNEMO_PYTHON, default /usr/bin/python3; skipped
#   without them).
# Usage: bash tests/integration/bad_input.sh /path/to/mnemo /path/to/mpiexec
set -u

if [[ $# -ne 2 ]]; then
  echo "usage: $0 MNEMO MPIEXEC" >&2
  exit 2
fi
MNEMO=$1
MPIEXEC=$2
for exe in "$MNEMO" "$MPIEXEC"; do
  if [[ ! -x $exe ]]; then
    echo "not an executable: $exe" >&2
    exit 2
  fi
done

# As root, Open MPI refuses to start without these; 3 ranks need oversubscription on small machines.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl=${OMPI_MCA_btl:-self,vader}
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}
export OMP_NUM_THREADS=1

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mnemo-bad-input.XXXXXX") || exit 1
trap 'umount "$TMP/full" 2>/dev/null; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
TIMEOUT=${BAD_INPUT_TIMEOUT:-60}  # seconds per command; past it, a hang
PASSED=0
FAILED=0
OUT=$TMP/last-output.txt

# run CMD...: runs CMD under a timeout, output (stdout + stderr) in $OUT, exit status in RC.
run() {
  timeout -k 5 "$TIMEOUT" "$@" >"$OUT" 2>&1 </dev/null
  RC=$?
}

pass() {
  echo "ok - $1"
  PASSED=$((PASSED + 1))
}

fail() {
  echo "FAIL - $1: $2"
  echo "  command: ${CMD_TEXT:-}"
  local lines
  lines=$(wc -l <"$OUT")
  if [[ $lines -gt 60 ]]; then  # a run that trained: its head (the resolved configuration) and tail
    head -n 30 "$OUT" | sed 's/^/  | /'
    echo "  | ... ($((lines - 45)) lines left out)"
    tail -n 15 "$OUT" | sed 's/^/  | /'
  else
    sed 's/^/  | /' "$OUT"
  fi
  FAILED=$((FAILED + 1))
}

# expect NAME WANT PATTERN... -- CMD...
#   WANT: an exact exit code, or 'nz' for any non-zero code that is not a hang.
#   PATTERN: a fixed string the output must contain, or 're:ERE' a regular expression.
#   Every failure must also print exactly one mnemo error line, a HINT: line, and no internal error.
expect() {
  local name=$1 want=$2
  shift 2
  local -a patterns=()
  while [[ $# -gt 0 && $1 != -- ]]; do
    patterns+=("$1")
    shift
  done
  shift
  CMD_TEXT="$*"
  run "$@"
  if [[ $RC -eq 124 || $RC -eq 137 ]]; then
    fail "$name" "hang: no exit within ${TIMEOUT}s (exit $RC)"
    return
  fi
  if [[ $RC -eq 0 ]]; then
    fail "$name" "exit 0, expected a failure (exit $want)"
    return
  fi
  if [[ $want != nz && $RC -ne $want ]]; then
    fail "$name" "exit $RC, expected $want"
    return
  fi
  if [[ $RC -gt 128 ]]; then
    fail "$name" "killed by a signal (exit $RC)"
    return
  fi
  local p
  for p in "${patterns[@]}"; do
    if [[ $p == re:* ]]; then
      if ! grep -qE -e "${p#re:}" "$OUT"; then
        fail "$name" "output does not match /${p#re:}/"
        return
      fi
    elif ! grep -qF -e "$p" "$OUT"; then
      fail "$name" "output does not mention '$p'"
      return
    fi
  done
  if grep -qF 'unexpected error' "$OUT"; then
    fail "$name" "an internal error instead of a clear message"
    return
  fi
  local errors
  errors=$(grep -c '\] error: ' "$OUT")
  if [[ $errors -ne 1 ]]; then
    fail "$name" "$errors error lines, expected exactly 1 (printed once, by one rank)"
    return
  fi
  if ! grep -qF "HINT:" "$OUT"; then
    fail "$name" "no HINT: line (every error exit says what to do)"
    return
  fi
  pass "$name"
}

# expect_ok NAME CMD...: a control run that must succeed.
expect_ok() {
  local name=$1
  shift
  CMD_TEXT="$*"
  run "$@"
  if [[ $RC -eq 124 || $RC -eq 137 ]]; then
    fail "$name" "hang: no exit within ${TIMEOUT}s (exit $RC)"
  elif [[ $RC -ne 0 ]]; then
    fail "$name" "exit $RC, expected 0"
  else
    pass "$name"
  fi
}

truncate_half() {
  truncate -s $(($(stat -c %s "$1") / 2)) "$1"
}

MPI2=("$MPIEXEC" -n 2 "$MNEMO")
MPI3=("$MPIEXEC" -n 3 "$MNEMO")

# ---------------------------------------------------------------- fixtures
# A small valid IDX dataset: 20 train and 10 test 4x4 images, labels 0..9.
IDX=$TMP/idx
mkdir -p "$IDX"
python3 - "$IDX" <<'EOF'
import os, struct, sys
d = sys.argv[1]
def write(path, dims, data):
    with open(path, 'wb') as f:
        f.write(bytes([0, 0, 0x08, len(dims)]))
        f.write(struct.pack('>' + 'I' * len(dims), *dims))
        f.write(bytes(data))
for prefix, n in (('train', 20), ('t10k', 10)):
    labels = [i % 10 for i in range(n)]
    images = [(16 * label + p) % 256 for label in labels for p in range(16)]
    write(os.path.join(d, prefix + '-images-idx3-ubyte'), (n, 4, 4), images)
    write(os.path.join(d, prefix + '-labels-idx1-ubyte'), (n,), labels)
EOF

# A small valid synthetic stream (3 tasks x 2 classes, 2 shards) and a tiny one (2 training samples).
STREAM=$TMP/stream
TINY=$TMP/tiny
expect_ok "setup: synthetic stream prepares" \
  "$MNEMO" prepare --source synthetic --output "$STREAM" --tasks 3 --classes-per-task 2 \
  --synthetic-train-per-class 20 --synthetic-test-per-class 5 --shards 2
expect_ok "setup: tiny synthetic stream prepares" \
  "$MNEMO" prepare --source synthetic --output "$TINY" --tasks 1 --classes-per-task 2 \
  --synthetic-train-per-class 1 --synthetic-test-per-class 1
SHARD0=shard-00000-of-00002.h5
SHARD1=shard-00001-of-00002.h5

# copy_stream NAME: a fresh copy of the valid stream, path in $COPY.
copy_stream() {
  COPY=$TMP/$1
  cp -r "$STREAM" "$COPY"
}

# copy_idx NAME: a fresh copy of the valid IDX set, path in $COPY.
copy_idx() {
  COPY=$TMP/$1
  cp -r "$IDX" "$COPY"
}

# ---------------------------------------------------------------- 1. missing dataset directory
expect "1 prepare: missing dataset directory (-n 2)" 3 "/nonexistent/mnemo-dataset" -- \
  "${MPI2[@]}" prepare --input /nonexistent/mnemo-dataset --output "$TMP/out1"
expect "1 prepare: missing dataset directory (-n 3)" 3 "/nonexistent/mnemo-dataset" -- \
  "${MPI3[@]}" prepare --input /nonexistent/mnemo-dataset --output "$TMP/out1"

# ---------------------------------------------------------------- 2. corrupt IDX files
expect_ok "2 prepare: the valid IDX set prepares (control)" \
  "${MPI2[@]}" prepare --input "$IDX" --output "$TMP/idx-stream" --tasks 5 --classes-per-task 2

copy_idx idx-magic
printf '\x12\x34' | dd of="$COPY/train-images-idx3-ubyte" bs=1 conv=notrunc status=none
expect "2 prepare: IDX file with a bad magic number" 3 "$COPY/train-images-idx3-ubyte" "magic" -- \
  "${MPI2[@]}" prepare --input "$COPY" --output "$TMP/out2"

copy_idx idx-type
printf '\x0c' | dd of="$COPY/train-labels-idx1-ubyte" bs=1 seek=2 conv=notrunc status=none
expect "2 prepare: IDX file with a non-uint8 element type (0x0C)" 3 \
  "$COPY/train-labels-idx1-ubyte" "re:0x0[cC]([^0-9a-fA-F]|$)" -- \
  "${MPI2[@]}" prepare --input "$COPY" --output "$TMP/out2"

copy_idx idx-trunc
truncate -s 100 "$COPY/t10k-images-idx3-ubyte"
expect "2 prepare: truncated IDX data (-n 2)" 3 "$COPY/t10k-images-idx3-ubyte" "truncated" -- \
  "${MPI2[@]}" prepare --input "$COPY" --output "$TMP/out2"
expect "2 prepare: truncated IDX data (-n 3)" 3 "$COPY/t10k-images-idx3-ubyte" "truncated" -- \
  "${MPI3[@]}" prepare --input "$COPY" --output "$TMP/out2"

copy_idx idx-gz
gzip "$COPY/train-images-idx3-ubyte"
truncate_half "$COPY/train-images-idx3-ubyte.gz"
expect "2 prepare: truncated gzip IDX file" 3 "$COPY/train-images-idx3-ubyte.gz" -- \
  "${MPI2[@]}" prepare --input "$COPY" --output "$TMP/out2"

copy_idx idx-missing
rm "$COPY/t10k-labels-idx1-ubyte"
expect "2 prepare: missing IDX file" 3 "$COPY/t10k-labels-idx1-ubyte" -- \
  "${MPI2[@]}" prepare --input "$COPY" --output "$TMP/out2"

copy_idx idx-stray
printf '\xc8' | dd of="$COPY/train-labels-idx1-ubyte" bs=1 seek=13 conv=notrunc status=none  # row 5: label 200
expect "2 prepare: a stray IDX label 200 in a 10-class set" 3 "skip classes 10..199" \
  "label 200 appears in 1 row(s), the first at row 5 of $COPY/train-labels-idx1-ubyte" "HINT:" -- \
  "${MPI2[@]}" prepare --input "$COPY" --output "$TMP/out2"

copy_idx idx-both
gzip -k "$COPY/train-images-idx3-ubyte"
expect_ok "2 prepare: raw and .gz IDX files side by side prepare (control)" \
  "${MPI2[@]}" prepare --input "$COPY" --output "$TMP/out2-both" --tasks 5 --classes-per-task 2
if grep -qF "both $COPY/train-images-idx3-ubyte and $COPY/train-images-idx3-ubyte.gz exist; reading" "$OUT"; then
  pass "2 prepare: raw and .gz IDX files side by side: the choice is named"
else
  fail "2 prepare: raw and .gz IDX files side by side" "no warning naming both files: $(head -3 "$OUT")"
fi

# ---------------------------------------------------------------- 3. unknown option
expect "3 train: unknown option" 2 "--no-such-option" -- \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/run3" --no-such-option

# ---------------------------------------------------------------- 4. unknown strategy
expect "4 train: unknown strategy" 2 "'nope'" "re:\ber\b.*\bfinetune\b|\bfinetune\b.*\ber\b" -- \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/run4" --strategy nope

# ---------------------------------------------------------------- 5. more ranks than samples
expect_ok "5 train: the tiny stream trains on 2 ranks (control)" \
  "${MPI2[@]}" train --stream "$TINY" --run-dir "$TMP/run5-ok" --batch-size 2
expect "5 train: more ranks (3) than training samples (2)" nz "3 ranks" "task 0 has 2 training sample(s)" -- \
  "${MPI3[@]}" train --stream "$TINY" --run-dir "$TMP/run5"

# ---------------------------------------------------------------- 6. missing stream directory
expect_ok "6 train: the valid stream trains (control)" \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/run6-ok"
expect "6 train: missing stream directory (-n 2)" 3 "$TMP/no-such-stream" -- \
  "${MPI2[@]}" train --stream "$TMP/no-such-stream" --run-dir "$TMP/run6"
expect "6 train: missing stream directory (-n 3)" 3 "$TMP/no-such-stream" -- \
  "${MPI3[@]}" train --stream "$TMP/no-such-stream" --run-dir "$TMP/run6"

# ---------------------------------------------------------------- 7. deleted shard
copy_stream stream-no-shard1
rm "$COPY/$SHARD1"
expect "7 train: deleted shard (-n 2)" 3 "$COPY/$SHARD1" -- \
  "${MPI2[@]}" train --stream "$COPY" --run-dir "$TMP/run7"
copy_stream stream-no-shard0
rm "$COPY/$SHARD0"
expect "7 train: deleted shard (-n 3)" 3 "$COPY/$SHARD0" -- \
  "${MPI3[@]}" train --stream "$COPY" --run-dir "$TMP/run7"

# ---------------------------------------------------------------- 8. truncated shard
copy_stream stream-trunc-shard1
truncate_half "$COPY/$SHARD1"
expect "8 train: truncated shard (-n 2)" 3 "$COPY/$SHARD1" -- \
  "${MPI2[@]}" train --stream "$COPY" --run-dir "$TMP/run8"
copy_stream stream-trunc-shard0
truncate_half "$COPY/$SHARD0"
expect "8 train: truncated shard (-n 3)" 3 "$COPY/$SHARD0" -- \
  "${MPI3[@]}" train --stream "$COPY" --run-dir "$TMP/run8"
copy_stream stream-trunc-index
truncate_half "$COPY/stream.h5"
expect "8 train: truncated stream.h5" 3 "$COPY/stream.h5" -- \
  "${MPI2[@]}" train --stream "$COPY" --run-dir "$TMP/run8"

# ---------------------------------------------------------------- 9. bad YAML config
printf 'strategy: [er\nbatch-size: : 3\n' >"$TMP/invalid.yaml"
printf 'strategy: er\nnosuchkey: 3\n' >"$TMP/unknown-key.yaml"
printf 'strategy: nope\n' >"$TMP/bad-strategy.yaml"
printf 'tasks: [3\n' >"$TMP/invalid-prepare.yaml"
printf 'batchsize: 10\n' >"$TMP/typo.yaml"
printf 'lr: 0.1\nseed: 1\nlr: 0.2\n' >"$TMP/duplicate.yaml"
expect "9 train: --config with invalid YAML" 2 "invalid.yaml" -- \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/run9a" --config "$TMP/invalid.yaml"
expect "9 train: --config with an unknown key" 2 "unknown-key.yaml line 2: unknown option 'nosuchkey'" -- \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/run9b" --config "$TMP/unknown-key.yaml"
expect "9 train: --config that does not exist" 2 "$TMP/no-such-config.yaml" -- \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/run9c" --config "$TMP/no-such-config.yaml"
expect "9 train: --config value is applied (strategy: nope)" 2 "'nope'" -- \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/run9d" --config "$TMP/bad-strategy.yaml"
expect "9 train: --config with a mistyped key" 2 "typo.yaml line 1: unknown option 'batchsize'" \
  "did you mean 'batch-size'?" -- "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/run9e" --config "$TMP/typo.yaml"
expect "9 train: --config with a key given twice" 2 "'lr' is given twice, on lines 1 and 3" -- \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/run9f" --config "$TMP/duplicate.yaml"
expect "9 prepare: --config with invalid YAML" 2 "invalid-prepare.yaml" -- \
  "${MPI2[@]}" prepare --source synthetic --output "$TMP/out9" --tasks 3 --config "$TMP/invalid-prepare.yaml"

# ---------------------------------------------------------------- 10. global batch < ranks
expect "10 train: --batch-size 1 on 2 ranks" 2 "re:batch.*1.*2 ranks" -- \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/run10" --batch-size 1
expect "10 train: --batch-size 2 on 3 ranks" 2 "re:batch.*2.*3 ranks" -- \
  "${MPI3[@]}" train --stream "$STREAM" --run-dir "$TMP/run10" --batch-size 2

# ---------------------------------------------------------------- 11. CIFAR binary batches
python3 - "$TMP/cifar" <<'PY'
import os, sys
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
for name in ["data_batch_%d.bin" % i for i in range(1, 6)] + ["test_batch.bin"]:
    with open(os.path.join(d, name), "wb") as f:
        for r in range(20):
            f.write(bytes([r % 10]) + bytes((r + p) % 256 for p in range(3072)))
PY
expect_ok "11 prepare: a valid CIFAR-10 set prepares (control)" \
  "${MPI2[@]}" prepare --source cifar10 --input "$TMP/cifar" --output "$TMP/cifar-stream" --tasks 2 --classes-per-task 2
truncate -s 5000 "$TMP/cifar/data_batch_4.bin"
expect "11 prepare: truncated CIFAR batch" 3 "$TMP/cifar/data_batch_4.bin" "whole number" -- \
  "${MPI2[@]}" prepare --source cifar10 --input "$TMP/cifar" --output "$TMP/cifar-stream2" --tasks 2 --classes-per-task 2
expect "11 prepare: missing user HDF5 file" 3 "$TMP/none.h5" -- \
  "${MPI2[@]}" prepare --source hdf5 --input "$TMP/none.h5" --output "$TMP/h5-stream"

# ---------------------------------------------------------------- 12. damaged checkpoints and replay shards
expect_ok "12 train: an er run with checkpoints (control)" \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/ck" --strategy er --replay-capacity 20
cp -r "$TMP/ck" "$TMP/ck-done"
rm "$TMP/ck/results.json"  # as if it died: resuming a complete run is refused (case 18)
latest=$(ls -d "$TMP/ck/checkpoints"/ckpt-* | tail -1)
cp -r "$TMP/ck" "$TMP/ck-replay"
latest_r=$(ls -d "$TMP/ck-replay/checkpoints"/ckpt-* | tail -1)
truncate_half "$latest_r/replay/replay-r00001-of-00002.h5"
expect "12 train: --resume with a truncated replay shard" 3 "replay-r00001-of-00002.h5" -- \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/ck-replay" --strategy er --replay-capacity 20 \
  --resume "$latest_r"
cp -r "$TMP/ck" "$TMP/ck-meta"
latest_m=$(ls -d "$TMP/ck-meta/checkpoints"/ckpt-* | tail -1)
printf '{"position": ' >"$latest_m/meta.json"
rm "$latest_m/SHA256SUMS"  # as a checkpoint older than the checksums: the reader's own checks
expect "12 train: --resume with a damaged meta.json" 3 "meta.json is damaged" -- \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/ck-meta" --strategy er --replay-capacity 20 \
  --resume "$latest_m"
cp -r "$TMP/ck" "$TMP/ck-model"
latest_w=$(ls -d "$TMP/ck-model/checkpoints"/ckpt-* | tail -1)
truncate_half "$latest_w/model.pt"
rm "$latest_w/SHA256SUMS"
expect "12 train: --resume with a truncated model.pt" 3 "model.pt is damaged" -- \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/ck-model" --strategy er --replay-capacity 20 \
  --resume "$latest_w"
# Bytes flipped after the checkpoint was written (same size): its SHA256SUMS
# catches it. --resume auto warns and falls back to the previous checkpoint;
# naming the damaged one is exit 3, naming the file.
cp -r "$TMP/ck" "$TMP/ck-flip"
newest=$(ls -d "$TMP/ck-flip/checkpoints"/ckpt-* | tail -1)
printf '\xff\xfe\xfd\xfc' | dd of="$newest/model.pt" bs=1 seek=200 conv=notrunc status=none
expect "12 train: --resume of a checkpoint with flipped bytes in model.pt" 3 "$newest/model.pt does not match" \
  "HINT:" -- "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/ck-flip" --strategy er --replay-capacity 20 \
  --resume "$newest"
expect_ok "12 train: --resume auto falls back past the damaged checkpoint" \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/ck-flip" --strategy er --replay-capacity 20 --resume auto
if grep -q "checkpoint $newest is damaged" "$OUT" && grep -q "resumed from" "$OUT"; then
  pass "12 train: the fallback is announced"
else
  fail "12 train: the fallback is announced" "no warning naming $newest"
fi
rm -f "$latest/DONE"
expect "12 train: --resume from a checkpoint without DONE" 3 "incomplete" -- \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/ck" --strategy er --replay-capacity 20 --resume "$latest"

# ---------------------------------------------------------------- 13. stream checksums
copy_stream stream-sum
printf 'x' >>"$COPY/stream.h5"
expect "13 train: stream.h5 modified after prepare" 3 "does not match its SHA-256" -- \
  "${MPI2[@]}" train --stream "$COPY" --run-dir "$TMP/run13"

# ---------------------------------------------------------------- 14. unwritable run directory (found before training)
printf 'x' >"$TMP/a-file"
expect "14 train: --run-dir below a regular file" 5 "$TMP/a-file/run" -- \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/a-file/run"

# ---------------------------------------------------------------- 15. unwritable output (a storage failure, not bad input)
expect "15 prepare: --output below a regular file (-n 2)" 5 "$TMP/a-file/stream" "HINT:" -- \
  "${MPI2[@]}" prepare --source synthetic --output "$TMP/a-file/stream" --tasks 3 --classes-per-task 2

# ---------------------------------------------------------------- 16. values the declared checks refuse
# Each option's checks are declared once, with the option (core/options.h),
# and run on every rank right after parsing: exit 2, naming the option and
# the value, before any data is read or written.
bad_option() {  # description option-name command...
  local what=$1 name=$2
  shift 2
  expect "16 $what" 2 "--$name" "HINT:" -- "${MPI2[@]}" "$@"
  [[ -e $TMP/run16 || -e $TMP/out16 ]] && { FAILED=$((FAILED + 1)); echo "FAIL - 16 $what: wrote output"; }
}
P16=(prepare --source synthetic --output "$TMP/out16" --tasks 3 --classes-per-task 2)
T16=(train --stream "$STREAM" --run-dir "$TMP/run16")
bad_option "prepare --val-fraction nan" val-fraction "${P16[@]}" --val-fraction nan
bad_option "prepare --deflate 10" deflate "${P16[@]}" --deflate 10
bad_option "prepare --shards 1000000" shards "${P16[@]}" --shards 1000000
bad_option "prepare --chunk-rows 0" chunk-rows "${P16[@]}" --chunk-rows 0
bad_option "prepare --samples-per-task -1" samples-per-task "${P16[@]}" --samples-per-task -1
bad_option "prepare --synthetic-noise nan" synthetic-noise "${P16[@]}" --synthetic-noise nan
bad_option "train --lr inf" lr "${T16[@]}" --lr inf
bad_option "train --checkpoint-keep 0" checkpoint-keep "${T16[@]}" --checkpoint-keep 0
bad_option "train --threads -1" threads "${T16[@]}" --threads -1
bad_option "train --lr-milestones -1" lr-milestones "${T16[@]}" --lr-milestones -1
bad_option "train --lwf-temperature 0" lwf-temperature "${T16[@]}" --strategy lwf --lwf-temperature 0
bad_option "train --wire-dtype fp8" wire-dtype "${T16[@]}" --wire-dtype fp8
# Integers beyond 64 bits are refused as written, not clamped to INT64_MAX (which once trained 0 steps, exit 0).
bad_option "train --batch-size 99999999999999999999999" batch-size "${T16[@]}" --batch-size 99999999999999999999999
printf 'batch-size: 99999999999999999999999\n' >"$TMP/huge-batch.yaml"
bad_option "train: a YAML batch-size beyond int64" batch-size "${T16[@]}" --config "$TMP/huge-batch.yaml"
bad_option "train --lr-milestones with an element beyond int64" lr-milestones "${T16[@]}" \
  --lr-milestones 1 99999999999999999999
# Checked against the dataset (its class count) once it is read, still before anything is written.
bad_option "prepare --class-order listing a class twice" class-order "${P16[@]}" --class-order 0,1,2,2,4,5
bad_option "prepare --class-order naming class 9 of 6" class-order "${P16[@]}" --class-order 0,1,2,3,4,9
bad_option "prepare --class-order too short for the tasks" class-order "${P16[@]}" --class-order 0,1,2
bad_option "prepare --class-order on a permuted stream" class-order "${P16[@]}" --scenario permuted \
  --class-order 0,1,2,3,4,5

# ---------------------------------------------------------------- 18. hostile surroundings
# A FIFO in place of stream.h5 would block the checksum read forever.
copy_stream stream-fifo
rm -f "$COPY/stream.h5" && mkfifo "$COPY/stream.h5"
expect "18 train: a FIFO in place of stream.h5" 3 "$COPY/stream.h5 is not a regular file" "HINT:" -- \
  "${MPI2[@]}" train --stream "$COPY" --run-dir "$TMP/run18"
# A symlink loop as --input, and a directory as --config.
ln -s "$TMP/loop-b" "$TMP/loop-a" && ln -s "$TMP/loop-a" "$TMP/loop-b"
expect "18 prepare: a symlink loop as --input" 3 "$TMP/loop-a" "symlink loop" -- \
  "${MPI2[@]}" prepare --source idx --input "$TMP/loop-a" --output "$TMP/out18"
expect "18 train: a directory as --config" 2 "--config $TMP is a directory" "HINT:" -- \
  "${MPI2[@]}" train --config "$TMP" --stream "$STREAM" --run-dir "$TMP/run18"
# A replay memory that cannot fit is refused before it is allocated.
expect "18 train: --replay-capacity 2000000000" 2 "--replay-capacity 2000000000 needs" "HINT:" -- \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/run18" --replay-capacity 2000000000
# Resuming a complete run would rewrite its results.
expect "18 train: --resume auto on a complete run" 2 "nothing to resume" "HINT:" -- \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/ck-done" --strategy er --replay-capacity 20 --resume auto
# Two runs on one run directory: the second refuses while the first holds the lock.
timeout -k 5 120 "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/busy" --epochs 1000000 --threads 1 \
  >"$TMP/busy.log" 2>&1 &
busy=$!
for _ in $(seq 100); do [[ -f $TMP/busy/config.json ]] && break; sleep 0.2; done
expect "18 train: a second run on a run directory in use" 2 "is in use by another mnemo train (pid" "HINT:" -- \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/busy" --overwrite
kill -9 "$busy" 2>/dev/null; pkill -9 -f "run-dir $TMP/busy" 2>/dev/null; wait "$busy" 2>/dev/null
expect_ok "18 train: the directory is free again once that run died" \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/busy" --overwrite

# ---------------------------------------------------------------- 21. networks that change their structure
# A progressive network predicts with the sample's task's column: a stream
# without task identity at test time, or a strategy that mixes tasks, is
# refused at start, naming the option.
expect "21 train: --model pnn on a class-incremental stream" 2 "--model pnn" "no task identity at test time" \
  "--head per-task" -- "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/run20" --model pnn --strategy finetune
expect "21 train: --model pnn with --strategy er" 2 "--strategy er" "use --strategy finetune" -- \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/run20" --model pnn --head per-task
expect "21 train: --packnet-prune 0 leaves no free weight for task 1" 2 "--packnet-prune 0" \
  "no free weight for task 1" "HINT: raise --packnet-prune" -- "${MPI2[@]}" train --stream "$STREAM" \
  --run-dir "$TMP/run20" --model packnet --head per-task --strategy finetune --packnet-prune 0
expect "21 train: --growing-head with derpp" 2 "--growing-head cannot be used with --strategy derpp" \
  "use it with finetune, er" -- "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/run20" --growing-head \
  --strategy derpp
expect "21 train: --hidden 0 for --model pnn" 2 "--hidden" -- \
  "${MPI2[@]}" train --stream "$STREAM" --run-dir "$TMP/run20" --model pnn --head per-task --strategy finetune \
  --hidden 0

# ---------------------------------------------------------------- 19. a disk that fills up mid-run (root: a small tmpfs)
# A checkpoint every step (~140 KiB each) fills 500 KiB within the first
# tasks; the newest complete checkpoint survives and resumes once the
# tmpfs is grown (remount).
FULL=$TMP/full
mkdir -p "$FULL"
if mount -t tmpfs -o size=500k tmpfs "$FULL" 2>/dev/null; then
  CMD_TEXT="train on a 500 KiB tmpfs"
  run "${MPI2[@]}" train --stream "$STREAM" --run-dir "$FULL/run" --strategy er --replay-capacity 2000 \
    --checkpoint-every 1 --checkpoint-keep 2 --threads 1
  if [[ $RC -eq 5 ]] && grep -qE "No space left on device|free space" "$OUT" && ! grep -q "unexpected error" "$OUT"; then
    pass "19 train: the disk fills during a checkpoint: exit 5, a storage error"
  else
    fail "19 train: the disk fills during a checkpoint" "exit $RC, expected 5 and a storage error"
  fi
  if [[ -f $FULL/run/results.json ]] && grep -q '"complete": true' "$FULL/run/results.json"; then
    fail "19 train: no complete results.json after the failure" "results.json claims completeness"
  else
    pass "19 train: no complete results.json after the failure"
  fi
  mount -o remount,size=64m "$FULL"
  expect_ok "19 train: --resume auto once space is freed" \
    "${MPI2[@]}" train --stream "$STREAM" --run-dir "$FULL/run" --strategy er --replay-capacity 2000 \
    --checkpoint-every 1 --checkpoint-keep 2 --threads 1 --resume auto
  if grep -q "resumed from" "$OUT" && grep -q '"complete": true' "$FULL/run/results.json"; then
    pass "19 train: resumed from the newest intact checkpoint and completed"
  else
    fail "19 train: resumed from the newest intact checkpoint" "no resume, or incomplete results"
  fi
  umount "$FULL"
else
  echo "skip - 19 full disk: cannot mount a tmpfs here (needs root)"
fi

# ---------------------------------------------------------------- 20. the csv, hdf5 and numpy sources
# Each broken file is refused before anything is written: exit 3 (exit 2 for
# an option the data cannot honour), naming the file and the row, column or
# array. Most run as one process (the source is read on rank 0 only); one
# case per source runs under mpiexec -n 2.
# no_output_left NAME: the refused prepares left neither $TMP/out20 nor its temporary directory.
no_output_left() {
  if compgen -G "$TMP/out20" >/dev/null || compgen -G "$TMP/out20.tmp-*" >/dev/null; then
    FAILED=$((FAILED + 1))
    echo "FAIL - $1: a refused source left $(ls -d "$TMP"/out20 "$TMP"/out20.tmp-* 2>/dev/null | tr '\n' ' ')"
  else
    pass "$1: the refused sources wrote nothing"
  fi
}
CSV=$TMP/csv
mkdir -p "$CSV"
printf 'a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,10,0\n' >"$CSV/ok.csv"
printf 'a,b,label\n1,2,0\n3,4\n5,6,0\n' >"$CSV/ragged.csv"
printf 'a,b,label\n1,2,0\n3,abc,1\n5,6,0\n' >"$CSV/text.csv"
printf 'a,b,class\n1,2,0\n3,4,1\n5,6,0\n' >"$CSV/no-label.csv"
printf 'a,b,label\n1,2,0\n3,4,1\n5,6,1.5\n7,8,0\n' >"$CSV/frac-label.csv"
printf 'a,b,label\n1,2,0\n3,,1\n5,6,0\n' >"$CSV/empty-cell.csv"
printf 'a,b,label\n1,2,0\n3,4,1\n5,NaN,0\n' >"$CSV/nan.csv"
printf 'a,b,label\n1,2,0\n"3,4,1\n5,6,0\n' >"$CSV/open-quote.csv"
# Time-ordered: training times 0..3 and 100 cut into 4 windows of 25 leave [25, 50) without training rows.
printf 't,x,label\n0,0.5,0\n1,1.5,1\n2,2.5,0\n3,3.5,1\n100,4.5,0\n' >"$CSV/times.csv"
printf 't,x,label\n1,0.5,0\n60,1.5,1\n99,2.5,0\n' >"$CSV/times-test.csv"
TO=(--source csv --input "$CSV/times.csv" --test-input "$CSV/times-test.csv" --csv-time t --scenario time-ordered)

expect_ok "20 prepare csv: a valid CSV prepares (control)" \
  "$MNEMO" prepare --source csv --input "$CSV/ok.csv" --output "$TMP/out20-csv" --tasks 1
expect "20 prepare csv: a ragged row (-n 2)" 3 "$CSV/ragged.csv data row 2 has 2 cells; the header has 3" -- \
  "${MPI2[@]}" prepare --source csv --input "$CSV/ragged.csv" --output "$TMP/out20"
expect "20 prepare csv: a non-numeric cell" 3 "$CSV/text.csv data row 2, column 'b': 'abc' is not a number" -- \
  "$MNEMO" prepare --source csv --input "$CSV/text.csv" --output "$TMP/out20"
expect "20 prepare csv: no label column" 3 "$CSV/no-label.csv has no column 'label'" "a, b, class" "--csv-label" -- \
  "$MNEMO" prepare --source csv --input "$CSV/no-label.csv" --output "$TMP/out20"
expect "20 prepare csv: a non-integer label" 3 "$CSV/frac-label.csv data row 3, column 'label': " \
  "re:1\.50* is not an integer" -- \
  "$MNEMO" prepare --source csv --input "$CSV/frac-label.csv" --output "$TMP/out20"
expect "20 prepare csv: an empty cell" 3 "$CSV/empty-cell.csv data row 2, column 'b' is empty" -- \
  "$MNEMO" prepare --source csv --input "$CSV/empty-cell.csv" --output "$TMP/out20"
expect "20 prepare csv: a NaN cell" 3 "$CSV/nan.csv data row 3, column 'b' is NaN" -- \
  "$MNEMO" prepare --source csv --input "$CSV/nan.csv" --output "$TMP/out20"
expect "20 prepare csv: an unclosed quote" 3 "$CSV/open-quote.csv line 3 (data row 2): a quoted field opens there and never closes" -- \
  "$MNEMO" prepare --source csv --input "$CSV/open-quote.csv" --output "$TMP/out20"
expect_ok "20 prepare csv: time-ordered, --split-by time --tasks 1 (control)" \
  "$MNEMO" prepare "${TO[@]}" --split-by time --tasks 1 --output "$TMP/out20-time"
expect "20 prepare csv: time-ordered --split-by time with an empty window" 3 \
  "task 1 (time window [25" "has no training rows" -- \
  "$MNEMO" prepare "${TO[@]}" --split-by time --tasks 4 --output "$TMP/out20"
expect "20 prepare csv: --split-by task without --csv-task" 2 "--split-by task needs a task column" "--csv-task" -- \
  "$MNEMO" prepare "${TO[@]}" --split-by task --output "$TMP/out20"
no_output_left "20 prepare csv"

# HDF5 and NumPy fixtures need NumPy and h5py (the python3 on PATH may lack them).
PY=${MNEMO_PYTHON:-/usr/bin/python3}
H5=$TMP/h5
NPY=$TMP/npy
if "$PY" -c 'import numpy, h5py' 2>/dev/null; then
  "$PY" - "$H5" "$NPY" <<'PY'
import os, sys
import h5py
import numpy as np
h5_dir, npy_dir = sys.argv[1:]
os.makedirs(h5_dir)
os.makedirs(npy_dir)
x_train = np.arange(40, dtype=np.float32).reshape(10, 4)
y_train = np.arange(10) % 2
x_test = np.arange(16, dtype=np.float32).reshape(4, 4)
y_test = np.arange(4) % 2

def h5(name, train_images=x_train, test_images=x_test):
    with h5py.File(os.path.join(h5_dir, name), "w") as f:
        f["train/images"], f["train/labels"] = train_images, y_train
        f["test/images"], f["test/labels"] = test_images, y_test

h5("ok.h5")
nan = x_train.copy()
nan[3, 2] = np.nan  # row 3 (0-based), element 2
h5("nan.h5", train_images=nan)
h5("width.h5", test_images=np.zeros((4, 5), np.float32))  # 5 features against train's 4
h5("uint16.h5", train_images=(x_train * 1000).astype(np.uint16), test_images=(x_test * 1000).astype(np.uint16))
with h5py.File(os.path.join(h5_dir, "float-labels.h5"), "w") as f:
    f["train/images"], f["train/labels"] = x_train, y_train + 0.5
    f["test/images"], f["test/labels"] = x_test, y_test

arrays = dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
def npz(name, **changes):
    np.savez(os.path.join(npy_dir, name), **{k: v for k, v in {**arrays, **changes}.items() if v is not None})
def npy_dir_of(name, **changes):
    d = os.path.join(npy_dir, name)
    os.makedirs(d)
    for k, v in {**arrays, **changes}.items():
        np.save(os.path.join(d, k + ".npy"), v)

npz("ok.npz")
npz("no-y-test.npz", y_test=None)
npz("frac-label.npz", y_train=np.where(np.arange(10) == 7, 0.5, y_train))  # float64 labels, element 7 is 0.5
npz("huge-label.npz", y_train=np.full(10, 2**40))  # once a bad_alloc, and 10**9 ate 8 GB
npz("no-rows.npz", x_train=np.zeros((0, 4), np.float32), y_train=np.zeros(0, np.int64))
npy_dir_of("ok-dir")
npy_dir_of("fortran", x_train=np.asfortranarray(x_train))
npy_dir_of("object", x_train=np.array([[1, "a", None, 2.0]] * 10, dtype=object))
npy_dir_of("complex", x_test=x_test.astype(np.complex64))
npy_dir_of("truncated")
assert np.load(os.path.join(npy_dir, "fortran", "x_train.npy")).flags["F_CONTIGUOUS"]
PY
  truncate_half "$NPY/truncated/x_train.npy"  # keeps the header, cuts the 160 data bytes
  cp "$NPY/ok.npz" "$NPY/truncated.npz" && truncate_half "$NPY/truncated.npz"
  printf 'this is not a zip archive\n' >"$NPY/not-a-zip.npz"

  expect_ok "20 prepare hdf5: a valid float32 HDF5 file prepares (control)" \
    "$MNEMO" prepare --source hdf5 --input "$H5/ok.h5" --output "$TMP/out20-h5" --tasks 1
  expect "20 prepare hdf5: a NaN in row 3 of train/images (-n 2)" 3 "$H5/nan.h5:/train/images row 3 (element 2) is NaN" -- \
    "${MPI2[@]}" prepare --source hdf5 --input "$H5/nan.h5" --output "$TMP/out20" --tasks 1
  # uint16 values were once clamped into uint8 (39000 became 255): they are stored exactly, as float32.
  expect_ok "20 prepare hdf5: uint16 samples prepare (control)" \
    "$MNEMO" prepare --source hdf5 --input "$H5/uint16.h5" --output "$TMP/out20-u16" --tasks 1 --normalize none
  if "$PY" - "$TMP/out20-u16" <<'CHECK'
import glob, sys
import h5py, numpy as np
rows = np.concatenate([h5py.File(f, "r")["task_000/train/images"][:] for f in sorted(glob.glob(sys.argv[1] + "/shard-*.h5"))])
want = (np.arange(40, dtype=np.float32).reshape(10, 4) * 1000)
assert h5py.File(sys.argv[1] + "/stream.h5", "r").attrs["sample_type"] in ("float32", b"float32")
assert rows.dtype == np.float32 and sorted(rows.ravel().tolist()) == sorted(want.ravel().tolist()), rows.max()
CHECK
  then
    pass "20 prepare hdf5: uint16 samples are stored exactly (float32, 39000 kept)"
  else
    fail "20 prepare hdf5: uint16 samples" "the stream does not hold the source's values"
  fi
  rm -rf "$TMP/out20-u16"
  expect "20 prepare hdf5: train and test feature widths differ" 3 "$H5/width.h5: train and test samples differ" \
    "4 vs float32 5" -- "$MNEMO" prepare --source hdf5 --input "$H5/width.h5" --output "$TMP/out20" --tasks 1

  expect_ok "20 prepare numpy: a valid .npz prepares (control)" \
    "$MNEMO" prepare --source numpy --input "$NPY/ok.npz" --output "$TMP/out20-npz" --tasks 1
  expect_ok "20 prepare numpy: a valid .npy directory prepares (control)" \
    "$MNEMO" prepare --source numpy --input "$NPY/ok-dir" --output "$TMP/out20-npy" --tasks 1
  expect "20 prepare numpy: an .npz without y_test (-n 2)" 3 "$NPY/no-y-test.npz has no array 'y_test'" \
    "(it has: x_test, x_train, y_train)" -- \
    "${MPI2[@]}" prepare --source numpy --input "$NPY/no-y-test.npz" --output "$TMP/out20" --tasks 1
  expect "20 prepare numpy: a Fortran-order array" 3 "$NPY/fortran/x_train.npy" "Fortran (column-major) order" \
    "np.ascontiguousarray" -- "$MNEMO" prepare --source numpy --input "$NPY/fortran" --output "$TMP/out20" --tasks 1
  expect "20 prepare numpy: an object array" 3 "$NPY/object/x_train.npy: dtype '|O' is not supported" -- \
    "$MNEMO" prepare --source numpy --input "$NPY/object" --output "$TMP/out20" --tasks 1
  expect "20 prepare numpy: a complex array" 3 "$NPY/complex/x_test.npy: dtype '<c8' is not supported" -- \
    "$MNEMO" prepare --source numpy --input "$NPY/complex" --output "$TMP/out20" --tasks 1
  expect "20 prepare numpy: a truncated .npy file" 3 "$NPY/truncated/x_train.npy" "need 160" "truncated" -- \
    "$MNEMO" prepare --source numpy --input "$NPY/truncated" --output "$TMP/out20" --tasks 1
  expect "20 prepare numpy: a truncated .npz file" 3 "$NPY/truncated.npz cannot be read as a .npz archive" -- \
    "$MNEMO" prepare --source numpy --input "$NPY/truncated.npz" --output "$TMP/out20" --tasks 1
  expect "20 prepare numpy: a file that is not a zip archive" 3 "$NPY/not-a-zip.npz cannot be read as a .npz archive" -- \
    "$MNEMO" prepare --source numpy --input "$NPY/not-a-zip.npz" --output "$TMP/out20" --tasks 1
  expect "20 prepare numpy: a fractional label in y_train" 3 "$NPY/frac-label.npz:y_train.npy: element 7" \
    "is not a whole number" -- \
    "$MNEMO" prepare --source numpy --input "$NPY/frac-label.npz" --output "$TMP/out20" --tasks 1
  expect "20 prepare hdf5: float labels" 3 "$H5/float-labels.h5:/train/labels holds floating-point values" \
    "astype(np.int64)" -- "$MNEMO" prepare --source hdf5 --input "$H5/float-labels.h5" --output "$TMP/out20" --tasks 1
  expect "20 prepare numpy: a label of 2^40" 3 "$NPY/huge-label.npz:y_train.npy[0] is 1099511627776" \
    "not a class id in [0, 8000)" -- \
    "$MNEMO" prepare --source numpy --input "$NPY/huge-label.npz" --output "$TMP/out20" --tasks 1
  expect "20 prepare numpy: x_train without rows" 3 "$NPY/no-rows.npz:x_train.npy has no rows" -- \
    "$MNEMO" prepare --source numpy --input "$NPY/no-rows.npz" --output "$TMP/out20" --tasks 1
  no_output_left "20 prepare hdf5 and numpy"
else
  echo "skip - 20 hdf5 and numpy sources: $PY cannot import numpy and h5py (set MNEMO_PYTHON)"
fi

# 17. The command line itself: a mistyped command names the commands; --version answers.
expect "17 a mistyped command" 2 "unknown command 'trian'" "prepare, train, inspect, report, export" -- \
  "${MPI2[@]}" trian --stream "$STREAM"
run "$MNEMO" --version
if [[ $RC -eq 0 ]] && grep -qE '^mnemo [0-9.]+ \(commit ([0-9a-f]+|unknown)' "$OUT" && grep -q "LibTorch" "$OUT"; then
  pass "17 --version names the version, commit and LibTorch"
else
  fail "17 --version" "exit $RC: $(head -3 "$OUT")"
fi

echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
