"""Data of tests/bench/feature_streams.sh, made with PyTorch and NumPy alone.

  embed EXPORT FMNIST_DIR ENCODER_CLASSES OUT
      Fashion-MNIST's images of the classes the encoder did NOT see, as
      (a) the encoder's features [N, D] (float32; EXPORT's model.ts
      `features`, fed by its model.json input recipe) -> OUT/embedded.npz
      (b) raw 28x28 pixels (uint8) -> OUT/pixels.npz
      with the same rows and labels renumbered 0..K-1 in both.
  tabular OUT
      scikit-learn's bundled digits, wine and breast-cancer sets as CSV
      (header f0.., label), rows shuffled with a fixed seed.
"""
import gzip
import json
import sys

import numpy as np


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def embed(export, fmnist, seen, out):
    import torch
    model = torch.jit.load(f"{export}/model.ts")
    recipe = json.load(open(f"{export}/model.json"))["input"]
    assert recipe["sample_type"] == "uint8" and not recipe["mean"], recipe
    seen = {int(c) for c in seen.split(",")}
    arrays = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        x = idx(f"{fmnist}/{prefix}-images-idx3-ubyte.gz")
        y = idx(f"{fmnist}/{prefix}-labels-idx1-ubyte.gz").astype(np.int64)
        rest = sorted(set(range(10)) - seen)
        keep = np.isin(y, rest)
        x, y = x[keep], np.searchsorted(rest, y[keep])
        with torch.no_grad():
            inputs = torch.from_numpy(x).float().unsqueeze(1) / 255.0
            feats = torch.cat([model.features(inputs[i:i + 4096]) for i in range(0, len(x), 4096)])
        arrays[split] = (x, feats.numpy().astype(np.float32), y)
    np.savez(f"{out}/embedded.npz", x_train=arrays["train"][1], y_train=arrays["train"][2],
             x_test=arrays["test"][1], y_test=arrays["test"][2])
    np.savez(f"{out}/pixels.npz", x_train=arrays["train"][0], y_train=arrays["train"][2],
             x_test=arrays["test"][0], y_test=arrays["test"][2])
    print(f"embedded {len(arrays['train'][2])} + {len(arrays['test'][2])} images of classes {rest} "
          f"into {arrays['train'][1].shape[1]} features")


def tabular(out):
    from sklearn.datasets import load_breast_cancer, load_digits, load_wine
    rng = np.random.default_rng(0)
    for name, load in (("digits", load_digits), ("wine", load_wine), ("breast_cancer", load_breast_cancer)):
        d = load()
        order = rng.permutation(len(d.target))
        x, y = d.data[order], d.target[order]
        header = ",".join(f"f{i}" for i in range(x.shape[1])) + ",label"
        np.savetxt(f"{out}/{name}.csv", np.column_stack([x, y]), delimiter=",", header=header, comments="",
                   fmt=["%.17g"] * x.shape[1] + ["%d"])


if __name__ == "__main__":
    if sys.argv[1] == "embed":
        embed(*sys.argv[2:6])
    else:
        tabular(sys.argv[2])
