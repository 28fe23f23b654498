"""Checks float streams written by `mnemo prepare` against NumPy alone.

  sources NPZ STREAM...        every STREAM (made from NPZ by the numpy,
                               .npy-directory and hdf5 sources) holds each
                               task's rows of NPZ bit for bit (as float32, or
                               float16 where the stream says so), and its
                               stored mean/std equal NumPy's over the first
                               task's training rows (or all tasks': --all)
  replay RUN STREAM            every slot of RUN's replay shards is a training
                               row of STREAM, exactly, with its label
  windows CSV TEST_CSV STREAM HOW TASKS
                               the time-ordered STREAM's tasks hold exactly
                               the rows NumPy puts in each window (HOW: time,
                               day (the task column) or rows)
"""
import glob
import sys

import h5py
import numpy as np


def stream_rows(stream, split):
    """{task: (labels, images)} of every shard of STREAM."""
    out = {}
    for shard in sorted(glob.glob(f"{stream}/shard-*.h5")):
        with h5py.File(shard, "r") as f:
            for task in sorted(k for k in f if k.startswith("task_")):
                t = int(task[5:])
                labels, images = f[task][split]["labels"][:], f[task][split]["images"][:]
                if t in out:
                    out[t] = (np.concatenate([out[t][0], labels]), np.concatenate([out[t][1], images]))
                else:
                    out[t] = (labels, images)
    return out


def as_multiset(labels, images):
    rows = [(int(l), images[i].tobytes()) for i, l in enumerate(labels)]
    return sorted(rows)


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check_sources(npz, streams, all_tasks):
    data = np.load(npz)
    for stream in streams:
        with h5py.File(f"{stream}/stream.h5", "r") as f:
            attrs = dict(f.attrs)
        dtype = {b"float32": np.float32, b"float16": np.float16}[attrs["sample_type"]]
        order = list(attrs["class_order"])
        per_task = len(order) // int(attrs["num_tasks"][0])
        train_stats = []
        for split, key in (("train", "train"), ("test", "test")):
            x = data[f"x_{key}"].astype(np.float32).astype(dtype)
            y = data[f"y_{key}"]
            got = stream_rows(stream, split)
            for t, (labels, images) in got.items():
                if images.dtype != dtype:
                    fail(f"{stream} task {t} {split}: dtype {images.dtype}, manifest says {dtype}")
                classes = order[t * per_task:(t + 1) * per_task]
                mask = np.isin(y, classes)
                if as_multiset(labels, images) != as_multiset(y[mask], x[mask]):
                    fail(f"{stream} task {t} {split}: rows differ from {npz}'s classes {classes}")
                if split == "train" and (t == 0 or all_tasks):
                    train_stats.append(x[mask].astype(np.float64))
        rows = np.concatenate(train_stats)
        mean, std = rows.mean(0), rows.std(0)
        std[std <= 1e-6 * np.maximum(1.0, np.abs(mean))] = 1.0
        if not np.allclose(attrs["norm_mean"], mean, rtol=1e-12, atol=1e-12):
            fail(f"{stream}: norm_mean {attrs['norm_mean'][:4]}... differs from NumPy's {mean[:4]}...")
        if not np.allclose(attrs["norm_std"], std, rtol=1e-12, atol=1e-12):
            fail(f"{stream}: norm_std {attrs['norm_std'][:4]}... differs from NumPy's {std[:4]}...")
        print(f"ok: {stream} holds {npz}'s rows exactly ({dtype.__name__}); mean/std of "
              f"{'all tasks' if all_tasks else 'the first task'} match NumPy's over {len(rows)} rows")


def check_replay(run, stream):
    train = stream_rows(stream, "train")
    known = set()
    for labels, images in train.values():
        known.update(as_multiset(labels, images))
    slots = 0
    for shard in sorted(glob.glob(f"{run}/replay/replay-*.h5")):
        with h5py.File(shard, "r") as f:
            if f.attrs["sample_type"] != b"float32" or f["images"].dtype != np.float32:
                fail(f"{shard} does not store float32 samples")
            for row in as_multiset(f["labels"][:], f["images"][:]):
                if row not in known:
                    fail(f"{shard}: a slot (label {row[0]}) is not a training row of {stream}")
                slots += 1
    if slots == 0:
        fail(f"{run} has no replay slots")
    print(f"ok: all {slots} replay slots of {run} are training rows of {stream}, bit for bit")


def read_csv(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    return header, np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)


def check_windows(csv, test_csv, stream, how, tasks):
    header, train = read_csv(csv)
    _, test = read_csv(test_csv)
    col = {name: i for i, name in enumerate(header)}
    features = [i for name, i in col.items() if name not in ("time", "day", "label")]
    if how == "time":
        lo, hi = train[:, col["time"]].min(), train[:, col["time"]].max()
        width = (hi - lo) / tasks
        window = lambda rows: np.clip(np.floor((rows[:, col["time"]] - lo) / width), 0, tasks - 1).astype(int)
    elif how == "day":
        days = np.unique(train[:, col["day"]])
        window = lambda rows: np.searchsorted(days, rows[:, col["day"]])
        tasks = len(days)
    else:
        window = lambda rows: np.minimum(tasks - 1, np.arange(len(rows)) * tasks // len(rows))
    for split, rows in (("train", train), ("test", test)):
        got = stream_rows(stream, split)
        if sorted(got) != list(range(tasks)):
            fail(f"{stream} has tasks {sorted(got)}, expected {tasks}")
        w = window(rows)
        for t in range(tasks):
            mine = rows[w == t]
            want = as_multiset(mine[:, col["label"]].astype(np.int64), mine[:, features].astype(np.float32))
            if as_multiset(*got[t]) != want:
                fail(f"{stream} task {t} {split}: {len(got[t][0])} rows, NumPy's window has {len(mine)} "
                     f"(or they differ)")
    print(f"ok: {stream}'s {tasks} tasks hold exactly NumPy's {how} windows of {csv} and {test_csv}")


def main():
    what = sys.argv[1]
    if what == "sources":
        args = [a for a in sys.argv[2:] if a != "--all"]
        check_sources(args[0], args[1:], "--all" in sys.argv)
    elif what == "replay":
        check_replay(sys.argv[2], sys.argv[3])
    elif what == "windows":
        check_windows(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
    else:
        fail(f"unknown check {what}")


if __name__ == "__main__":
    main()
