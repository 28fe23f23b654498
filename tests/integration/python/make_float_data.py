"""Writes the float sources of tests/integration/float_streams.sh into DIR:
  digits.npz     scikit-learn's digits (8x8 images as 64 unscaled features,
                 0..16), float64 x and int64 y, split 75/25 with a fixed seed
  digits.h5      the same arrays as float32, for the hdf5 source
  digits_dir/    the same as x_train.npy ... (float32, big-endian labels)
  drift.csv, drift_test.csv
                 a click-log-like drifting stream: a time column, a task
                 column (the day), 5 features and 3 classes whose feature
                 means move with time (and whose frequencies change)
Usage: make_float_data.py DIR
"""
import os
import sys

import h5py
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def drift_rows(rng, n, t0, t1):
    t = np.sort(rng.uniform(t0, t1, n))
    # Class frequencies move from mostly 0 to mostly 2 over [0, 100).
    p2 = np.clip(t / 100.0, 0.05, 0.9)
    p0 = np.clip(1.0 - t / 100.0, 0.05, 0.9)
    p1 = np.full(n, 0.3)
    p = np.stack([p0, p1, p2], 1)
    p /= p.sum(1, keepdims=True)
    label = np.array([rng.choice(3, p=row) for row in p])
    centre = np.array([[0, 0, 0, 0, 0], [3, -2, 1, 0, 5], [-3, 2, -1, 4, -5]], dtype=float)
    shift = (t[:, None] / 25.0) * np.array([1.0, 0.5, -0.5, 2.0, 0.0])  # covariate drift
    x = centre[label] + shift + rng.normal(0, 1.5, (n, 5)) + np.array([100, 0, -50, 1000, 0.001])
    return np.column_stack([np.round(t, 3), (t // 25).astype(int), x, label])


def write_csv(path, rows):
    header = "time,day," + ",".join(f"f{i}" for i in range(5)) + ",label"
    np.savetxt(path, rows, delimiter=",", header=header, comments="", fmt=["%.3f", "%d"] + ["%.17g"] * 5 + ["%d"])


def main():
    out = sys.argv[1]
    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(digits.data, digits.target, test_size=0.25,
                                                        random_state=0, stratify=digits.target)
    np.savez_compressed(f"{out}/digits.npz", x_train=x_train, y_train=y_train.astype(np.int64),
                        x_test=x_test, y_test=y_test.astype(np.int64))
    with h5py.File(f"{out}/digits.h5", "w") as f:
        for split, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
            f[f"{split}/images"] = x.astype(np.float32)
            f[f"{split}/labels"] = y.astype(np.int64)
    os.makedirs(f"{out}/digits_dir", exist_ok=True)
    np.save(f"{out}/digits_dir/x_train.npy", x_train.astype(np.float32))
    np.save(f"{out}/digits_dir/y_train.npy", y_train.astype(">i4"))
    np.save(f"{out}/digits_dir/x_test.npy", x_test.astype(np.float32))
    np.save(f"{out}/digits_dir/y_test.npy", y_test.astype(">i4"))
    rng = np.random.default_rng(7)
    write_csv(f"{out}/drift.csv", drift_rows(rng, 1200, 0, 100))
    write_csv(f"{out}/drift_test.csv", drift_rows(rng, 400, 0, 100))


if __name__ == "__main__":
    main()
