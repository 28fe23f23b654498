#!/usr/bin/env python3
"""Implements: the Markdown table of launch/results_table.sh from its runs'
results.json files: mean +- std over seeds of class-IL and task-IL ACC, BWT
and forgetting, one section per stream, strategies in the DER paper's order.
Usage: results_table.py RESULTS_DIR"""
import glob, json, os, re, statistics, sys

ORDER = ["joint", "finetune", "ewc", "si", "lwf", "agem", "er", "er-gh", "er-ace", "der", "derpp", "icarl", "gdumb", "pnn", "packnet"]
# Methods that predict with the sample's task (its column): no class-IL protocol.
TASK_IDENTITY = {"pnn", "packnet"}
STREAMS = [("split", "Split Fashion-MNIST (5 x 2 classes, batch 10)"),
           ("permuted", "Permuted Fashion-MNIST (domain-incremental, batch 128)"),
           ("rotated", "Rotated Fashion-MNIST (domain-incremental, batch 128)")]


def fmt(values):
    if not values:
        return "—"
    mean = statistics.mean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{100 * mean:.1f} ± {100 * std:.1f}"


def main(root):
    runs = {}
    for path in glob.glob(os.path.join(root, "*", "results.json")):
        name = os.path.basename(os.path.dirname(path))
        m = re.fullmatch(r"(split|permuted|rotated)-(.+)-(\d+|-)-s(\d+)", name)
        if not m:
            continue
        r = json.load(open(path))
        if not r.get("complete"):
            continue
        runs.setdefault((m[1], m[2], m[3]), []).append(r["metrics"])
    failed = {}
    if os.path.exists(os.path.join(root, "failed.txt")):
        for name in open(os.path.join(root, "failed.txt")).read().split():
            m = re.fullmatch(r"(split|permuted|rotated)-(.+)-(\d+|-)-s(\d+)", name)
            if m:
                failed[(m[1], m[2], m[3])] = failed.get((m[1], m[2], m[3]), 0) + 1
                runs.setdefault((m[1], m[2], m[3]), [])
    for stream, title in STREAMS:
        keys = sorted((k for k in runs if k[0] == stream),
                      key=lambda k: (ORDER.index(k[1]) if k[1] in ORDER else 99, k[2]))
        if not keys:
            continue
        print(f"\n#### {title}\n")
        print("| strategy | buffer | seeds | class-IL ACC | class-IL BWT | class-IL forgetting "
              "| task-IL ACC | task-IL BWT | task-IL forgetting |")
        print("|---|---|---|---|---|---|---|---|---|")
        for k in keys:
            ms = runs[k]
            cells = [fmt([m[s][f] for m in ms]) if s == "task_il" or k[1] not in TASK_IDENTITY
                     else "— (task id)" for s in ("class_il", "task_il") for f in ("acc", "bwt", "forgetting")]
            seeds = f"{len(ms)}" + (f" ({failed[k]} diverged)" if k in failed else "")
            print(f"| {k[1]} | {k[2] if k[2] != '-' else '—'} | {seeds} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
