"""Checks the export of a network that predicts with the sample's task
(--model pnn, packnet) with PyTorch alone: model.ts answers forward(x, task)
for that task (its column, or its weights), and its task-IL predictions
(argmax over the task's own classes) on every task's test rows reproduce
the run's task-IL confusion matrix after that task, sample for sample;
forward(x) without a task answers as the newest task.

Usage: check_task_export.py EXPORT_DIR STREAM_DIR RESULTS_JSON ROW
"""
import glob
import json
import sys

import h5py
import numpy as np
import torch

from check_export import model_input


def main():
    export, stream, results, row = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    model = torch.jit.load(f"{export}/model.ts")
    recipe = json.load(open(f"{export}/model.json"))["input"]
    run = json.load(open(results))
    expected = np.array(run["confusion_task_il"][row])
    classes = [t["classes"] for t in run["tasks"]]
    c = int(np.sqrt(expected.size))
    confusion = np.zeros(c * c, dtype=np.int64)
    columns = len(run["tasks"]) if row == -1 else row + 1
    with torch.no_grad():
        for shard in sorted(glob.glob(f"{stream}/shard-*.h5")):
            with h5py.File(shard, "r") as f:
                for name in sorted(k for k in f.keys() if k.startswith("task_")):
                    task = int(name.split("_")[1])
                    x = model_input(f[name]["test"]["images"][:], recipe)
                    y = f[name]["test"]["labels"][:]
                    logits = model(x, task)
                    if task >= columns - 1:
                        assert torch.equal(logits, model(x)), "forward(x) is not the newest task's"
                    own = torch.tensor(classes[task])
                    predicted = own[logits[:, own].argmax(1)].numpy()
                    np.add.at(confusion, y * c + predicted, 1)
    if not np.array_equal(confusion, expected.reshape(-1)):
        differ = int(np.abs(confusion - expected.reshape(-1)).sum())
        sys.exit(f"FAIL: model.ts's task-IL predictions differ from row {row} of the run's matrix ({differ} counts)")
    print(f"ok - model.ts answers each task with its own weights: task-IL confusion row {row} reproduced "
          f"({int(confusion.sum())} test samples)")


if __name__ == "__main__":
    main()
