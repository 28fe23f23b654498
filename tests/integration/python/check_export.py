"""Checks a mnemo model export with PyTorch alone (no mnemo code): the
TorchScript file and the state dict agree, and the model's class-IL
predictions on the stream's test split reproduce the run's confusion matrix
after that task, sample for sample.

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
        logits = model(torch.from_numpy(images).float() / 255.0)
    predicted = logits.argmax(1).numpy()
    expected = np.array(json.load(open(results))["confusion"][row])
    confusion = np.zeros_like(expected)
    np.add.at(confusion, (labels, predicted), 1)
    assert (confusion == expected).all(), f"confusion differs:\n{confusion}\nvs the run's\n{expected}"
    correct = int(np.trace(confusion))
    print(f"ok: {export} reproduces the run's confusion matrix ({correct}/{len(labels)} correct)")


if __name__ == "__main__":
    main()
