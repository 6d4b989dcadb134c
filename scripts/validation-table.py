#!/usr/bin/env python3
"""Writes the cost model's accuracy table (docs/validation.md) from `validate --plan --all`.

Usage: validation-table.py OUTPUT.md BUILD-NOTE [--profile CLUSTER.json]
           LABEL=RUNS.json[,RUNS.json...] [...]

Each RUNS.json is the output of `tensoropt validate --plan PLAN --all --format json`;
several files for one label are rounds of the same plan: each point's measured figures
are those of its median round (by measured time) (gradients match only if they match in every round), and
each round's own summary is listed too. CLUSTER.json, the `tensoropt profile` file the
plans were made with, is summarised.
Whatever OUTPUT.md holds after the line NOTES_MARKER is kept (hand-written notes).
Errors are relative to the measurement: (predicted - measured) / measured. The Spearman
rank correlation compares the predicted and measured iteration times of one plan's frontier.
"""

import json
import statistics
import sys

NOTES_MARKER = "<!-- notes: kept by scripts/validation-table.py -->"


def ranks(values):
    """Average ranks (1-based), ties sharing the mean of their positions."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return result


def spearman(xs, ys):
    """Spearman's rank correlation (Pearson's on average ranks); None below 3 points."""
    if len(xs) < 3:
        return None
    rx, ry = ranks(xs), ranks(ys)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sx = sum((a - mx) ** 2 for a in rx) ** 0.5
    sy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (sx * sy) if sx and sy else None


def errors(runs, predicted, measured):
    return [
        (r[predicted] - r[measured]) / r[measured]
        for r in runs
        if r.get(predicted) is not None and r[measured]
    ]


def merged(rounds):
    """One run per point: the round of median measured time over `rounds` (lists
    of runs of the same plan, point for point), gradients matched in every round."""
    first = rounds[0]
    for other in rounds[1:]:
        if [r["strategy"] for r in other] != [r["strategy"] for r in first]:
            sys.exit("validation-table.py: the rounds of one plan list different points")
    result = []
    for index, run in enumerate(first):
        same = [runs[index] for runs in rounds]
        # The round whose measured time is the median (the lower middle of an even
        # count) gives every measured figure, so that compute, transfers and
        # waiting add up to the time shown.
        middle = sorted(same, key=lambda r: r["measured_time_s"])[(len(same) - 1) // 2]
        point = dict(middle)
        point["gradients_match"] = all(r["gradients_match"] for r in same)
        point["max_gradient_rel_error"] = max(r["max_gradient_rel_error"] for r in same)
        result.append(point)
    return result


def time_summary(runs):
    """(median |time error|, max |time error|, Spearman) of one set of runs."""
    time_errors = errors(runs, "predicted_time_s", "measured_time_s")
    timed = [r for r in runs if r.get("predicted_time_s") is not None]
    rho = spearman(
        [r["predicted_time_s"] for r in timed], [r["measured_time_s"] for r in timed]
    )
    return summary(time_errors) + ("-" if rho is None else f"{rho:.2f}",)


def percent(x):
    return "-" if x is None else f"{100 * x:+.0f} %"


def summary(values):
    if not values:
        return "-", "-"
    absolute = [abs(v) for v in values]
    return f"{100 * statistics.median(absolute):.0f} %", f"{100 * max(absolute):.0f} %"


def profile_line(path):
    """One sentence with the figures of a `tensoropt profile` cluster file."""
    with open(path) as f:
        cluster = json.load(f)
    device, link = cluster["device"], cluster["intra_node"]
    peak = max(device["peak_flops"].values())
    vector = device.get("vector_flops")
    vector_text = "" if vector is None else f", element-wise {vector / 1e9:.2f} GFLOP/s"
    return (
        f"The plans were made with this machine's profile ({cluster.get('source', path)}): "
        f"peak single-thread sgemm {peak / 1e9:.1f} GFLOP/s{vector_text}, "
        f"memory {device['memory_bandwidth'] / 1e9:.1f} GB/s, thread link "
        f"{link['bandwidth'] / 1e9:.1f} GB/s, {link['latency'] * 1e6:.1f} µs per step"
        f" and {link.get('overhead', 0) * 1e6:.1f} µs per call."
    )


def kept_notes(path):
    """The lines after NOTES_MARKER in an existing output file (with the marker)."""
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return []
    at = text.find(NOTES_MARKER)
    return [] if at < 0 else ["", text[at:].rstrip("\n")]


def main(argv):
    args = argv[1:]
    profile = None
    if "--profile" in args:
        at = args.index("--profile")
        if at + 1 >= len(args):
            sys.exit(__doc__)
        profile = args[at + 1]
        del args[at : at + 2]
    if len(args) < 3:
        sys.exit(__doc__)
    output, note, pairs = args[0], args[1], args[2:]
    lines = [
        "# Cost-model accuracy against the executor",
        "",
        "Generated by `make validate` (scripts/validation-table.py); edit only the notes at the",
        "end (they are kept when the table is regenerated).",
        f"Every frontier point of a `--gpu cpu` plan runs on CPU worker threads ({note}).",
        "Errors are (predicted − measured) / measured; the table gives the median and the",
        "largest absolute error, and Spearman's rank correlation between predicted and",
        "measured iteration time over the frontier (1 = the plan orders the points as the",
        "executor does).",
    ]
    if profile:
        lines += ["", profile_line(profile)]
    lines += [
        "",
        "| plan | points | grads match | time err median | time err max "
        "| memory err median | memory err max | Spearman (time) |",
        "|------|-------:|------------:|----------------:|-------------:"
        "|------------------:|---------------:|----------------:|",
    ]
    details = []
    per_round = []
    for pair in pairs:
        label, separator, paths = pair.partition("=")
        if not separator or not paths:
            sys.exit(f"validation-table.py: expected LABEL=RUNS.json[,RUNS.json...], got {pair!r}")
        rounds = []
        for path in paths.split(","):
            try:
                with open(path) as f:
                    rounds.append(json.load(f)["runs"])
            except (OSError, ValueError, KeyError) as error:
                sys.exit(f"validation-table.py: {path}: cannot read the runs ({error})")
        runs = merged(rounds)
        if len(rounds) > 1:
            for number, each in enumerate(rounds, 1):
                per_round.append(f"| {label} | {number} | " + " | ".join(time_summary(each)) + " |")
        memory_errors = errors(runs, "predicted_memory_bytes", "measured_memory_bytes")
        matched = sum(1 for r in runs if r["gradients_match"])
        tm, tx, rho_text = time_summary(runs)
        mm, mx = summary(memory_errors)
        lines.append(
            f"| {label} | {len(runs)} | {matched}/{len(runs)} | {tm} | {tx} | {mm} | {mx} "
            f"| {rho_text} |"
        )
        details += [
            "",
            f"## {label}",
            "",
            "| strategy | predicted | measured | time err | compute pred / meas "
            "| transfers / waiting | predicted mem | measured mem | mem err |",
            "|----------|----------:|---------:|---------:|--------------------:"
            "|--------------------:|--------------:|-------------:|--------:|",
        ]
        for r in runs:
            p, m = r.get("predicted_time_s"), r["measured_time_s"]
            pm, mm_ = r.get("predicted_memory_bytes"), r["measured_memory_bytes"]
            pc, mc = r.get("predicted_compute_s"), r.get("measured_compute_s")
            mt = r.get("measured_transfer_s")
            compute = "-" if mc is None else (
                f"{'-' if pc is None else f'{1000 * pc:.1f}'} / {1000 * mc:.1f} ms")
            waits = "-" if mc is None or mt is None else (
                f"{1000 * mt:.1f} / {1000 * (m - mc - mt):.1f} ms")
            details.append(
                f"| `{r['strategy']}` | {'-' if p is None else f'{1000 * p:.1f} ms'} "
                f"| {1000 * m:.1f} ms | {percent(None if p is None else (p - m) / m)} "
                f"| {compute} | {waits} "
                f"| {'-' if pm is None else f'{pm / 2**20:.1f} MiB'} | {mm_ / 2**20:.1f} MiB "
                f"| {percent(None if pm is None else (pm - mm_) / mm_)} |"
            )
    if per_round:
        lines += [
            "",
            "Each round on its own (the table above takes each point's median over the rounds):",
            "",
            "| plan | round | time err median | time err max | Spearman (time) |",
            "|------|------:|----------------:|-------------:|----------------:|",
        ] + per_round
    notes = kept_notes(output)
    with open(output, "w") as f:
        f.write("\n".join(lines + details + notes) + "\n")


if __name__ == "__main__":
    main(sys.argv)
