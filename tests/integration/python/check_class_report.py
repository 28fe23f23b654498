"""Checks a run's per-class reports against scikit-learn: the final export's
predictions on the stream's test split (class-IL: over all classes; task-IL:
over each sample's task's classes), given to sklearn's
classification_report(zero_division=0), must equal results.json's last
class_report row for both modes, and class_report.csv must hold the same.

Usage: check_class_report.py EXPORT_DIR STREAM_DIR RUN_DIR
"""
import csv
import glob
import json
import sys

import h5py
import numpy as np
import torch
from sklearn.metrics import classification_report


def test_split(stream):
    images, labels, tasks = [], [], []
    for shard in sorted(glob.glob(f"{stream}/shard-*.h5")):
        with h5py.File(shard, "r") as f:
            for task in sorted(k for k in f.keys() if k.startswith("task_")):
                images.append(f[task]["test"]["images"][:])
                labels.append(f[task]["test"]["labels"][:])
                tasks.append(np.full(len(labels[-1]), int(task[5:])))
    return np.concatenate(images), np.concatenate(labels), np.concatenate(tasks)


def same(ours, theirs, where):
    classes = [str(c) for c in ours["classes"]]
    assert sorted(classes) == sorted(k for k in theirs if k not in ("accuracy", "macro avg", "weighted avg")), where
    for i, c in enumerate(classes):
        for key, skey in (("precision", "precision"), ("recall", "recall"), ("f1", "f1-score"), ("support", "support")):
            assert abs(ours[key][i] - theirs[c][skey]) < 1e-12, f"{where} class {c} {key}: {ours[key][i]} vs {theirs[c][skey]}"
    for avg, savg in (("macro_avg", "macro avg"), ("weighted_avg", "weighted avg")):
        for key, skey in (("precision", "precision"), ("recall", "recall"), ("f1", "f1-score"), ("support", "support")):
            assert abs(ours[avg][key] - theirs[savg][skey]) < 1e-12, f"{where} {savg} {key}"
    assert abs(ours["accuracy"] - theirs["accuracy"]) < 1e-12, f"{where} accuracy"


def main():
    export, stream, run = sys.argv[1:4]
    results = json.load(open(f"{run}/results.json"))
    task_classes = [np.array(c) for c in results["stream"]["task_classes"]]
    model = torch.jit.load(f"{export}/model.ts")
    images, labels, tasks = test_split(stream)
    with torch.no_grad():
        logits = model(torch.from_numpy(images).float() / 255.0).numpy()
    class_il = logits.argmax(1)
    task_il = np.array([task_classes[t][logits[i, task_classes[t]].argmax()] for i, t in enumerate(tasks)])
    rows = list(csv.DictReader(open(f"{run}/class_report.csv")))
    last = str(len(results["class_report"]["class_il"]) - 1)
    for mode, predicted in (("class_il", class_il), ("task_il", task_il)):
        theirs = classification_report(labels, predicted, output_dict=True, zero_division=0)
        ours = results["class_report"][mode][-1]
        same(ours, theirs, f"results.json {mode}")
        in_csv = {r["class"]: r for r in rows if r["mode"] == mode and r["after_task"] == last}
        for i, c in enumerate(ours["classes"]):
            assert abs(float(in_csv[str(c)]["f1"]) - ours["f1"][i]) < 1e-12, f"class_report.csv {mode} class {c}"
        assert abs(float(in_csv["macro avg"]["recall"]) - ours["macro_avg"]["recall"]) < 1e-12
        print(f"ok: {mode} per-class report equals scikit-learn's (accuracy {ours['accuracy']:.4f}, "
              f"macro F1 {ours['macro_avg']['f1']:.4f})")


if __name__ == "__main__":
    main()
