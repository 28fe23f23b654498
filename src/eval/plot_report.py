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
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def slug(row):
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{row['dataset']}-{row['tasks']}t-{row.get('label', row['strategy'])}")


def title(row, what, width):
    """The row's label and dataset, then what the figure shows, wrapped to fit."""
    text = f"{row.get('label', row['strategy'])} on {row['dataset']}: {what}"
    return "\n".join(textwrap.wrap(text, width))


def heatmap(row, path):
    m = row["mean_class_il"]
    width = max(4.5, 1.0 + 0.7 * len(m[0]))
    fig, ax = plt.subplots(figsize=(width, 1.6 + 0.6 * len(m)))
    im = ax.imshow([[100 * v for v in r] for r in m], vmin=0, vmax=100, cmap="viridis")
    for i, r in enumerate(m):
        for j, v in enumerate(r):
            ax.text(j, i, f"{100 * v:.0f}", ha="center", va="center", color="w" if v < 0.6 else "k", fontsize=8)
    ax.set_xlabel("evaluated task")
    ax.set_ylabel("after training task")
    ax.set_xticks(range(len(m[0])))
    ax.set_yticks(range(len(m)))
    ax.set_title(title(row, "class-IL accuracy (%)", int(width * 9)), fontsize=9)
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
            ax.plot(xs, [100 * m[i][j] for i in xs], marker="o", label=f"task {j}", clip_on=False)
    ax.set_xlabel("after training task")
    ax.set_ylabel("class-IL accuracy (%)")
    ax.set_xticks(range(len(m)))  # tasks are whole numbers
    ax.set_ylim(0, 100)
    ax.set_title(title(row, "accuracy of each task", 80), fontsize=9)
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
