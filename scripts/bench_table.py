#!/usr/bin/env python3
"""Summarises a `make bench` run: one table on stdout and a compact JSON result file.

    bench_table.py SAMPLES_DIR OUTPUT.json      # table + result file from the harness' samples
    bench_table.py --compare OLD.json NEW.json  # the change of every median between two runs

SAMPLES_DIR holds what `swift package benchmark --format histogramSamples` wrote:
one `<baseline>.<target>.<name>.<metric>.histogram.samples.tsv` per benchmark and
metric, a header line ("<metric> (<unit>)") and one sample a line.
"""
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

SUFFIX = ".histogram.samples.tsv"


def machine():
    """What the figures depend on: CPU, cores, memory, load, OS, Swift."""
    info = {"os": platform.platform(), "cores": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            names = [l.split(":", 1)[1].strip() for l in f if l.startswith("model name")]
        info["cpu"] = names[0] if names else platform.processor()
        with open("/proc/meminfo") as f:
            kb = int(next(l for l in f if l.startswith("MemTotal")).split()[1])
        info["memory_gib"] = round(kb / 2**20, 1)
        info["load_average"] = list(os.getloadavg())
    except (OSError, StopIteration, IndexError):
        pass
    try:
        out = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout
        info["swift"] = out.splitlines()[0] if out else ""
    except OSError:
        pass
    return info


def read_samples(directory):
    rows = []
    for file in sorted(os.listdir(directory)):
        if not file.endswith(SUFFIX):
            continue
        with open(os.path.join(directory, file)) as f:
            lines = [l.strip() for l in f if l.strip()]
        if len(lines) < 2:
            continue
        header, values = lines[0], [float(v) for v in lines[1:]]
        match = re.match(r"^(.*?)\s*\(([^()]*)\)\s*$", header)
        metric, unit = (match.group(1), match.group(2)) if match else (header, "")
        # Fixed-point custom metrics ("bus GB/s x100") are stored as the real value.
        if metric.endswith(" x100"):
            values, metric = [v / 100 for v in values], metric[: -len(" x100")]
        # The harness prints large counts scaled ("K", "M"); store plain numbers.
        scale = {"K": 1e3, "M": 1e6, "G": 1e9}.get(unit)
        if scale:
            values, unit = [v * scale for v in values], ""
        # <baseline>.<target>.<name>.<metric>.histogram.samples.tsv; names have no dots.
        parts = file[: -len(SUFFIX)].split(".")
        name = parts[2].replace("_", " ") if len(parts) >= 4 else file
        rows.append({
            "name": name, "metric": metric, "unit": unit, "median": statistics.median(values),
            "min": min(values), "max": max(values), "runs": len(values),
        })
    groups = ["plan", "plan ft", "plan exhaustive", "plan devices", "plan layers", "evaluate",
              "search ft", "search exhaustive", "search layers", "search devices", "devices",
              "layers", "executor"]
    def key(row):
        words = row["name"].split()
        # The longest group name the benchmark's name starts with ("plan devices" over "plan").
        matching = [i for i, g in enumerate(groups) if row["name"].startswith(g + " ")]
        group = max(matching, key=lambda i: len(groups[i])) if matching else len(groups)
        scaling = groups[group].endswith(("layers", "devices")) if group < len(groups) else False
        number = next((int(w) for w in words if w.isdigit()), 0)
        model = [w for w in words if not w.isdigit()]
        return (group, model if not scaling else [], number, row["metric"])
    return sorted(rows, key=key)


def fmt(value):
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def table(rows):
    head = ["benchmark", "metric", "unit", "median", "min", "max", "runs"]
    body = [[r["name"], r["metric"], r["unit"], fmt(r["median"]), fmt(r["min"]), fmt(r["max"]),
             str(r["runs"])] for r in rows]
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    line = lambda cells: "  ".join(c.ljust(w) if i < 3 else c.rjust(w)
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(b) for b in body])


TIME_UNITS = {"ns": 1e-9, "μs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}

# The planner issue's (#5) targets: seconds for the full frontier, release build, 2 cores.
TARGETS = {
    "plan gpt3-175b 1024×a100-80g": 5.0,
    "plan llama2-70b 256×h100-80g": 3.0,
    "plan gpt2 8×h100-80g operator-search": 1.0,
    "plan resnet50 64×h100-80g": 2.0,
}


def targets(rows):
    """Each planner target with the measured wall-clock (and CPU) median in seconds, and
    whether the wall-clock median meets it."""
    found = []
    for r in rows:
        if r["name"] in TARGETS and r["metric"] == "Time (wall clock)":
            seconds = in_seconds(r)
            cpu = next((in_seconds(c) for c in rows
                        if c["name"] == r["name"] and c["metric"] == "Time (total CPU)"), None)
            found.append({"name": r["name"], "median_s": seconds, "cpu_s": cpu,
                          "target_s": TARGETS[r["name"]], "met": seconds < TARGETS[r["name"]]})
    return found


def in_seconds(row):
    """The median in seconds for a time metric (the harness picks the unit per run), else as is."""
    return row["median"] * TIME_UNITS.get(row["unit"], 1.0)


def compare(old_path, new_path):
    old, new = (json.load(open(p)) for p in (old_path, new_path))
    before = {(r["name"], r["metric"]): r for r in old["results"]}
    print(f"{'benchmark':44} {'metric':24} {'old':>10} {'new':>10} {'change':>8}")
    for r in new["results"]:
        o = before.get((r["name"], r["metric"]))
        if not o:
            continue
        change = (in_seconds(r) / in_seconds(o) - 1) * 100 if o["median"] else 0
        print(f"{r['name']:44} {r['metric']:24} {fmt(o['median']) + ' ' + o['unit']:>10} "
              f"{fmt(r['median']) + ' ' + r['unit']:>10} {change:+7.1f}%")


def main(argv):
    if len(argv) == 4 and argv[1] == "--compare":
        return compare(argv[2], argv[3])
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    rows = read_samples(argv[1])
    if not rows:
        print(f"no samples in {argv[1]}", file=sys.stderr)
        return 1
    result = {"format": "tensoropt-bench/1", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "machine": machine(), "results": rows, "targets": targets(rows)}
    with open(argv[2], "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(table(rows))
    if result["targets"]:
        print("\nplanner targets (issue #5):")
        for t in result["targets"]:
            cpu = f", CPU {fmt(t['cpu_s'])} s" if t["cpu_s"] is not None else ""
            print(f"  {t['name']:44} {fmt(t['median_s'])} s{cpu}  (target < {fmt(t['target_s'])} s)"
                  f"  {'met' if t['met'] else 'NOT met'}")
    print(f"\nload average {result['machine'].get('load_average')}; results in {argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
