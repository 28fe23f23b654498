#!/usr/bin/env python3
"""Implements: the plots of `mnemo report`, drawn with matplotlib.

Usage: plot_report.py REPORT_JSON OUTPUT_DIR
For each report row (dataset, tasks, strategy) it writes:
  heatmap_<row>.png        the mean class-IL accuracy matrix
  task_accuracy_<row>.png  the accuracy of each task over the stream
"""
import json
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def slug(row):
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{row['dataset']}-{row['tasks']}t-{row.get('label', row['strategy'])}")


def heatmap(row, path):
    m = row["mean_class_il"]
    fig, ax = plt.subplots(figsize=(1.0 + 0.7 * len(m[0]), 1.0 + 0.6 * len(m)))
    im = ax.imshow([[100 * v for v in r] for r in m], vmin=0, vmax=100, cmap="viridis")
    for i, r in enumerate(m):
        for j, v in enumerate(r):
            ax.text(j, i, f"{100 * v:.0f}", ha="center", va="center", color="w" if v < 0.6 else "k", fontsize=8)
    ax.set_xlabel("evaluated task")
    ax.set_ylabel("after training task")
    ax.set_title(f"{row.get('label', row['strategy'])} on {row['dataset']}: class-IL accuracy (%)", fontsize=9)
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def task_curves(row, path):
    m = row["mean_class_il"]
    fig, ax = plt.subplots(figsize=(6, 4))
    for j in range(len(m[0])):
        xs = list(range(j, len(m)))
        if xs:
            ax.plot(xs, [100 * m[i][j] for i in xs], marker="o", label=f"task {j}")
    ax.set_xlabel("after training task")
    ax.set_ylabel("class-IL accuracy (%)")
    ax.set_ylim(0, 100)
    ax.set_title(f"{row.get('label', row['strategy'])} on {row['dataset']}: accuracy of each task", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    report, out = sys.argv[1], sys.argv[2]
    for row in json.load(open(report))["rows"]:
        heatmap(row, f"{out}/heatmap_{slug(row)}.png")
        task_curves(row, f"{out}/task_accuracy_{slug(row)}.png")


if __name__ == "__main__":
    main()
