#!/usr/bin/env python3
"""Implements: the figures and the page of `mnemo report` (matplotlib only).

Usage: plot_report.py REPORT_JSON OUTPUT_DIR
Writes into OUTPUT_DIR:
  comparison_<dataset>-<tasks>t.png  final ACC of every row, class-IL and task-IL,
                                     with error bars (sample std over the row's runs)
  heatmap_<row>.png        the mean class-IL accuracy matrix
  task_accuracy_<row>.png  each task's accuracy over the stream, mean ± std band
  anytime_<row>.png        the --eval-every accuracies against the step (runs that have them)
  loss_<row>.png           the loss terms of the runs' metrics.csv against the step
  index.html               one self-contained page: the table (sortable), the
                           per-class reports and every figure above
"""
import csv
import html
import json
import os
import re
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def slug(text):
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text)


def row_slug(row):
    return slug(f"{row['dataset']}-{row['tasks']}t-{row.get('label', row['strategy'])}")


def title(row, what, width):
    """The row's label and dataset, then what the figure shows, wrapped to fit."""
    text = f"{row.get('label', row['strategy'])} on {row['dataset']}: {what}"
    return "\n".join(textwrap.wrap(text, width))


def save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return os.path.basename(path)


def task_starts(run_dir):
    """{task: global steps done when it started}, from the run's metrics.csv."""
    starts = {}
    for r in read_metrics(run_dir):
        starts.setdefault(int(r["task"]), int(r["step"]) - 1)
    return starts


def task_boundaries(ax, starts):
    """Dashed lines where a task starts (after the first)."""
    for t, first in sorted(starts.items())[1:]:
        ax.axvline(first, color="0.6", linestyle="--", linewidth=0.8)
        ax.text(first, 0.01, f" task {t}", transform=ax.get_xaxis_transform(), fontsize=7, va="bottom", color="0.4")


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
    return save(fig, path)


def task_curves(row, path):
    m, s = row["mean_class_il"], row.get("std_class_il") or [[0] * len(r) for r in row["mean_class_il"]]
    fig, ax = plt.subplots(figsize=(6, 4))
    for j in range(len(m[0])):
        xs = list(range(j, len(m)))
        if not xs:
            continue
        mean = [100 * m[i][j] for i in xs]
        std = [100 * s[i][j] for i in xs]
        (line,) = ax.plot(xs, mean, marker="o", label=f"task {j}", clip_on=False)
        ax.fill_between(xs, [a - b for a, b in zip(mean, std)], [a + b for a, b in zip(mean, std)],
                        color=line.get_color(), alpha=0.2, linewidth=0)
    ax.set_xlabel("after training task")
    ax.set_ylabel("class-IL accuracy (%)")
    ax.set_xticks(range(len(m)))  # tasks are whole numbers
    ax.set_ylim(0, 100)
    runs = len(row["runs"])
    band = f"mean ± std over {runs} runs" if runs > 1 else "1 run"
    ax.set_title(title(row, f"accuracy of each task ({band})", 80), fontsize=9)
    ax.legend(fontsize=7)
    return save(fig, path)


def comparison(rows, path):
    """Final ACC per row, class-IL and task-IL side by side, with error bars."""
    labels = [r.get("label", r["strategy"]) for r in rows]
    fig, ax = plt.subplots(figsize=(max(5.0, 1.2 + 1.1 * len(rows)), 4.2))
    xs = range(len(rows))
    width = 0.38
    for k, (key, name) in enumerate((("acc", "class-IL"), ("task_il_acc", "task-IL"))):
        means = [100 * r[key]["mean"] for r in rows]
        stds = [100 * r[key]["std"] for r in rows]
        bars = ax.bar([x + (k - 0.5) * width for x in xs], means, width, yerr=stds, capsize=3, label=name)
        for b, v in zip(bars, means):
            ax.text(b.get_x() + b.get_width() / 2, 1, f"{v:.1f}", ha="center", va="bottom", fontsize=7, rotation=90,
                    color="w")
    ax.set_xticks(list(xs))
    ax.set_xticklabels(["\n".join(textwrap.wrap(f"{lab} (n={len(r['runs'])})", 16)) for lab, r in zip(labels, rows)],
                       fontsize=7)
    ax.set_ylim(0, 118)  # room for the legend above 100 %
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("final average accuracy (%)")
    first = rows[0]
    ax.set_title(f"{first['dataset']}, {first['tasks']} tasks: final accuracy, mean ± std over runs", fontsize=9)
    ax.legend(fontsize=7, loc="upper center", ncol=2)
    return save(fig, path)


def read_metrics(run_dir):
    path = os.path.join(run_dir, "metrics.csv")
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def anytime_curves(row, path):
    runs = [json.load(open(os.path.join(d, "results.json"))) for d in row["runs"]]
    points = [r.get("anytime", []) for r in runs]
    if not points[0]:
        return None
    steps = [p["step"] for p in points[0]]
    same = [p for p in points if [q["step"] for q in p] == steps]
    tasks = len(points[0][0]["class_il"])
    fig, ax = plt.subplots(figsize=(7, 4))
    for j in range(tasks):
        xs, ys = [], []
        for i, s in enumerate(steps):
            if points[0][i]["task"] >= j:  # from the task's own training on
                xs.append(s)
                ys.append(100 * sum(p[i]["class_il"][j] for p in same) / len(same))
        ax.plot(xs, ys, label=f"task {j}", linewidth=1.2, clip_on=False)
    task_boundaries(ax, task_starts(row["runs"][0]))
    ax.set_xlabel("global step")
    ax.set_ylabel("class-IL accuracy (%)")
    ax.set_ylim(0, 100)
    ax.set_title(title(row, f"anytime accuracy (--eval-every; mean of {len(same)} run(s))", 90), fontsize=9)
    ax.legend(fontsize=7)
    return save(fig, path)


def loss_curves(row, path):
    logs = [read_metrics(d) for d in row["runs"]]
    logs = [log for log in logs if log]
    if not logs:
        return None
    log = logs[0]
    columns = [c for c in log[0] if c == "loss" or c.startswith("loss_")]
    steps = [int(r["step"]) for r in log]
    same = [lg for lg in logs if [int(r["step"]) for r in lg] == steps]
    fig, ax = plt.subplots(figsize=(7, 4))
    for c in columns:
        xs, ys = [], []
        for i, s in enumerate(steps):
            values = [float(lg[i][c]) for lg in same if lg[i][c] != ""]
            if values:
                xs.append(s)
                ys.append(sum(values) / len(values))
        if xs:
            ax.plot(xs, ys, label="total (weighted)" if c == "loss" else c[5:], linewidth=1.6 if c == "loss" else 1.0)
    task_boundaries(ax, task_starts(row["runs"][0]))
    ax.set_xlabel("global step")
    ax.set_ylabel("loss (mean over each row's steps)")
    ax.set_yscale("log")
    ax.set_title(title(row, f"loss terms from metrics.csv (mean of {len(same)} run(s))", 90), fontsize=9)
    ax.legend(fontsize=7)
    return save(fig, path)


def pct(stat):
    return f"{100 * stat['mean']:.2f} ± {100 * stat['std']:.2f}"


def class_report_table(report, caption):
    head = "<tr><th>class</th><th>precision</th><th>recall</th><th>f1-score</th><th>support</th></tr>"
    rows = []
    for i, c in enumerate(report["classes"]):
        rows.append(f"<tr><td>{c}</td><td>{report['precision'][i]:.2f}</td><td>{report['recall'][i]:.2f}</td>"
                    f"<td>{report['f1'][i]:.2f}</td><td>{report['support'][i]}</td></tr>")
    total = sum(report["support"])
    rows.append(f"<tr class=sum><td>accuracy</td><td></td><td></td><td>{report['accuracy']:.2f}</td>"
                f"<td>{total}</td></tr>")
    for name, key in (("macro avg", "macro_avg"), ("weighted avg", "weighted_avg")):
        s = report[key]
        rows.append(f"<tr class=sum><td>{name}</td><td>{s['precision']:.2f}</td><td>{s['recall']:.2f}</td>"
                    f"<td>{s['f1']:.2f}</td><td>{s['support']}</td></tr>")
    return f"<table class=report><caption>{html.escape(caption)}</caption>{head}{''.join(rows)}</table>"


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>mnemo report</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; max-width: 1200px; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 14px; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: right; }}
th {{ background: #f0f0f0; cursor: pointer; }}
td:first-child, th:first-child, td.text {{ text-align: left; }}
tr.sum td {{ background: #fafafa; }}
caption {{ text-align: left; font-weight: bold; padding: 4px 0; }}
figure {{ display: inline-block; margin: 0.5em; vertical-align: top; }}
img {{ max-width: 560px; border: 1px solid #eee; }}
.reports {{ display: flex; flex-wrap: wrap; gap: 2em; }}
small {{ color: #666; }}
</style></head><body>
<h1>mnemo report</h1>
<p><small>{runs} runs in {rows} rows. Percent, mean ± sample standard deviation over each row's runs; a row
holds runs that differ only in their seed. Click a column header to sort.</small></p>
<table id=results class=sortable>
<thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody></table>
{figures}
<h2>Per-class reports after the last task</h2>
<p><small>From the confusion counts summed over each row's runs (scikit-learn's classification_report
layout).</small></p>
{reports}
<script>
document.querySelectorAll("table.sortable th").forEach((th, col) => th.addEventListener("click", () => {{
  const body = th.closest("table").tBodies[0];
  const up = th.dataset.dir !== "up";
  th.dataset.dir = up ? "up" : "down";
  const key = tr => {{ const t = tr.cells[col].dataset.sort ?? tr.cells[col].textContent;
                      const v = parseFloat(t); return isNaN(v) ? t : v; }};
  const sorted = [...body.rows].sort((a, b) => {{ const x = key(a), y = key(b); return (x > y) - (x < y); }});
  (up ? sorted : sorted.reverse()).forEach(tr => body.appendChild(tr));
}}));
</script>
</body></html>
"""


def page(rows, figures_by_group, figures_by_row, out):
    metrics = [("acc", "ACC"), ("bwt", "BWT"), ("fwt", "FWT"), ("forgetting", "forgetting"),
               ("task_il_acc", "task-IL ACC"), ("intransigence", "intransigence")]
    metrics = [(key, name) for key, name in metrics if any(key in r for r in rows)]  # intransigence: --reference
    head = "".join(f"<th>{h}</th>" for h in ("dataset", "tasks", "setting", "runs", "seeds")) + "".join(
        f"<th>{name}</th>" for _, name in metrics)
    body = []
    for r in rows:
        cells = [f"<td class=text>{html.escape(r['dataset'])}</td>", f"<td>{r['tasks']}</td>",
                 f"<td class=text>{html.escape(r.get('label', r['strategy']))}</td>", f"<td>{len(r['runs'])}</td>",
                 f"<td class=text>{', '.join(str(s) for s in r.get('seeds', []))}</td>"]
        for key, _ in metrics:
            cells.append(f"<td data-sort={r[key]['mean']:.6f}>{pct(r[key])}</td>" if key in r else "<td></td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    figures = []
    for group, files in figures_by_group.items():
        figures.append(f"<h2>{html.escape(group)}</h2>")
        figures += [f'<figure><img src="{f}" alt="{f}"></figure>' for f in files]
    for r in rows:
        figures.append(f"<h3>{html.escape(r.get('label', r['strategy']))} on {html.escape(r['dataset'])} "
                       f"({r['tasks']} tasks)</h3>")
        figures += [f'<figure><img src="{f}" alt="{f}"></figure>' for f in figures_by_row[row_slug(r)]]
    reports = []
    for r in rows:
        who = f"{r.get('label', r['strategy'])} on {r['dataset']} ({r['tasks']} tasks, {len(r['runs'])} runs)"
        tables = [class_report_table(rep, f"{who}, {mode}") for mode, rep in
                  (("class-IL", r.get("class_report", {}).get("class_il")),
                   ("task-IL", r.get("class_report", {}).get("task_il"))) if rep]
        reports.append("<div class=reports>" + "".join(tables) + "</div>")
    runs = sum(len(r["runs"]) for r in rows)
    with open(os.path.join(out, "index.html"), "w") as f:
        f.write(PAGE.format(runs=runs, rows=len(rows), head=head, body="\n".join(body), figures="\n".join(figures),
                            reports="\n".join(reports)))


def main():
    report, out = sys.argv[1], sys.argv[2]
    rows = json.load(open(report))["rows"]
    groups = {}
    for row in rows:
        groups.setdefault((row["dataset"], row["tasks"]), []).append(row)
    figures_by_group = {}
    for (dataset, tasks), members in groups.items():
        name = comparison(members, f"{out}/comparison_{slug(f'{dataset}-{tasks}t')}.png")
        figures_by_group[f"{dataset}, {tasks} tasks"] = [name]
    figures_by_row = {}
    for row in rows:
        s = row_slug(row)
        made = [heatmap(row, f"{out}/heatmap_{s}.png"), task_curves(row, f"{out}/task_accuracy_{s}.png"),
                anytime_curves(row, f"{out}/anytime_{s}.png"), loss_curves(row, f"{out}/loss_{s}.png")]
        figures_by_row[s] = [m for m in made if m]
    page(rows, figures_by_group, figures_by_row, out)


if __name__ == "__main__":
    main()
