"""Checks a mnemo model export with PyTorch alone (no mnemo code): the
TorchScript file and the state dict agree, and the model's class-IL
predictions on the stream's test split reproduce the run's confusion matrix
after that task, sample for sample. The input is made from the stream's
values by model.json's "input" recipe alone: (value * scale - mean) / std.

Usage: check_export.py EXPORT_DIR STREAM_DIR RESULTS_JSON ROW
  ROW: the row of results.json's confusion matrices (the task index; -1: last).
"""
import glob
import json
import sys

import h5py
import numpy as np
import torch


def test_split(stream):
    images, labels = [], []
    for shard in sorted(glob.glob(f"{stream}/shard-*.h5")):
        with h5py.File(shard, "r") as f:
            for task in sorted(k for k in f.keys() if k.startswith("task_")):
                images.append(f[task]["test"]["images"][:])
                labels.append(f[task]["test"]["labels"][:])
    return np.concatenate(images), np.concatenate(labels)


def model_input(images, recipe):
    """The model's input from stream values, as model.json's "input" says."""
    x = torch.from_numpy(images).float()
    if recipe["sample_type"] == "uint8":
        assert abs(recipe["scale"] - 1 / 255) < 1e-15, recipe
        x = x / 255.0  # float32 division, as mnemo's table holds
    else:
        assert recipe["scale"] == 1.0, recipe
    assert list(images.shape[1:]) == recipe["shape"], (images.shape, recipe)
    if recipe["mean"]:
        shape = recipe["shape"] if len(recipe["shape"]) != 3 else [recipe["shape"][0], 1, 1]
        mean = torch.tensor(recipe["mean"], dtype=torch.float64).float().reshape(shape)
        std = torch.tensor(recipe["std"], dtype=torch.float64).float().reshape(shape)
        x = (x - mean) / std
    return x


def main():
    export, stream, results, row = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    model = torch.jit.load(f"{export}/model.ts")
    state = torch.load(f"{export}/state_dict.pt")
    scripted_state = model.state_dict()
    assert set(state) == set(scripted_state), f"names differ: {set(state) ^ set(scripted_state)}"
    for name, tensor in state.items():
        assert torch.equal(tensor, scripted_state[name]), f"{name} differs between model.ts and state_dict.pt"
    assert not model.training, "the export should be in eval mode"
    images, labels = test_split(stream)
    with torch.no_grad():
        logits = model(model_input(images, json.load(open(f"{export}/model.json"))["input"]))
    predicted = logits.argmax(1).numpy()
    expected = np.array(json.load(open(results))["confusion"][row])
    confusion = np.zeros_like(expected)
    np.add.at(confusion, (labels, predicted), 1)
    assert (confusion == expected).all(), f"confusion differs:\n{confusion}\nvs the run's\n{expected}"
    correct = int(np.trace(confusion))
    print(f"ok: {export} reproduces the run's confusion matrix ({correct}/{len(labels)} correct)")


if __name__ == "__main__":
    main()
