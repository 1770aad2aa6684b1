"""`python -m bench` (`make bench`): every benchmark in turn, then ONE table gathering their figures.

Each bench runs as its own process (its own app, database and memory figures); its output is shown as it
comes. Ours end with a `BENCH-FIGURES <json>` line; the figures of the others are read from their output.
Exit status 1 if a bench crashed or a target was missed.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
MARKER = "BENCH-FIGURES "

Figure = dict[str, str]


def _figure(bench: str, measure: str, value: str, target: str = "", verdict: str = "") -> Figure:
    return {"bench": bench, "measure": measure, "value": value, "target": target, "verdict": verdict}


def grant_import_figures(output: str) -> list[Figure]:
    figures = []
    for label, seconds, rate in re.findall(r"^(first import|re-import): ([\d.]+) s, ([\d,]+) records/s", output,
                                           re.MULTILINE):
        figures.append(_figure("grant import", label, f"{float(seconds):.2f} s, {rate} records/s"))
    size = re.search(r"^file: (\d+) records, ([\d.]+) MB", output, re.MULTILINE)
    if size and figures:
        figures[0]["measure"] += f" ({int(size.group(1)):,} records, {size.group(2)} MB)"
    return figures


def matching_figures(output: str) -> list[Figure]:
    figures = []
    for kind, p3, ndcg in re.findall(r"^(track|grant)\s+content-v1\s+([\d.]+)\s+([\d.]+)", output, re.MULTILINE):
        baseline = re.search(rf"^{kind}\s+most-popular\s+([\d.]+)\s+([\d.]+)", output, re.MULTILINE)
        versus = f" (most-popular {baseline.group(1)} / {baseline.group(2)})" if baseline else ""
        figures.append(_figure("matching", f"{kind}s precision@3 / NDCG@5", f"{p3} / {ndcg}{versus}"))
    for step, seconds, ratio in re.findall(r"^(rank_\w+, top \d+ \([\d,]+ x [\d,]+)[^)]*\)\s+([\d.]+)\s.*?(\d+)x$",
                                           output, re.MULTILINE):
        figures.append(_figure("matching", step + ")", f"{seconds} s ({ratio}x a bare NumPy product)"))
    memory = re.search(r"ru_maxrss (\d+) MB", output)
    if memory:
        figures.append(_figure("matching", "peak memory (ru_maxrss)", f"{memory.group(1)} MB"))
    return figures


def assignment_figures(output: str) -> list[Figure]:
    figures = []
    size = re.search(r"^Assignment: (\d+) companies, (\d+) coaches", output, re.MULTILINE)
    best = re.search(r"assign\(\) time, best of \d+\s+([\d.]+)s", output)
    if best:
        where = f" ({size.group(1)} companies x {size.group(2)} coaches)" if size else ""
        figures.append(_figure("assignment", "assign() time, best" + where, f"{float(best.group(1)):.3f} s"))
    placed = re.search(r"proposed / queued\s+(\d+) / (\d+)", output)
    optimal = re.search(r"total fit, optimal\s+([\d.]+)", output)
    greedy = re.search(r"total fit, greedy \(placed\)\s+([\d.]+)", output)
    if placed and optimal and greedy:
        figures.append(_figure("assignment", "proposed / queued; total fit optimal vs greedy",
                               f"{placed.group(1)} / {placed.group(2)}; {optimal.group(1)} vs {greedy.group(1)}"))
    return figures


# (script, extra arguments, timeout in seconds, how to read its figures; None: it prints BENCH-FIGURES)
BENCHES: list[tuple[str, list[str], int, Callable[[str], list[Figure]] | None]] = [
    ("bench_http.py", [], 600, None),  # PostgreSQL then SQLite: about 6 minutes
    ("bench_queries.py", [], 180, None),
    ("bench_pdf.py", [], 180, None),
    ("bench_grant_import.py", [], 240, grant_import_figures),
    ("bench_matching.py", [], 240, matching_figures),
    ("bench_assignment.py", [], 120, assignment_figures),
    ("bench_training_dashboard.py", [], 240, None),
    ("bench_sync.py", [], 1200, None),
    ("bench_alerts.py", [], 1200, None),
    ("bench_result_catalogue.py", [], 420, None),  # PostgreSQL: about 2-3 minutes
]


def run_bench(script: str, extra: list[str], timeout: int) -> tuple[int | None, str, float]:
    """Runs one bench, echoing its output; returns (exit status or None on timeout, output, seconds)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, str(BENCH_DIR / script), *extra], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines = []
    deadline = started + timeout
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if not line.startswith(MARKER):
            print("  " + line, end="", flush=True)
        if time.perf_counter() > deadline:
            process.kill()
            break
    try:
        status: int | None = process.wait(timeout=max(1.0, deadline - time.perf_counter()))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        status = None
    if time.perf_counter() > deadline:
        status = None
    return status, "".join(lines), time.perf_counter() - started


def figures_of(output: str, reader: Callable[[str], list[Figure]] | None) -> list[Figure]:
    if reader is not None:
        return reader(output)
    for line in reversed(output.splitlines()):
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER):])
    return []


def print_summary(figures: list[Figure], problems: list[str], seconds: float) -> None:
    widths = {key: max([len(key)] + [len(f[key]) for f in figures]) for key in ("bench", "measure", "value",
                                                                                  "target")}
    header = (f"{'bench':<{widths['bench']}}  {'measure':<{widths['measure']}}  {'value':<{widths['value']}}  "
              f"{'target':<{widths['target']}}  result")
    print("\n" + "=" * len(header))
    print(f"SUMMARY (python -m bench, {seconds:.0f} s in all)")
    print("=" * len(header))
    print(header)
    print("-" * len(header))
    for f in figures:
        print(f"{f['bench']:<{widths['bench']}}  {f['measure']:<{widths['measure']}}  "
              f"{f['value']:<{widths['value']}}  {f['target']:<{widths['target']}}  {f['verdict']}")
    for problem in problems:
        print(f"! {problem}")


def main() -> int:
    begin = time.perf_counter()
    figures: list[Figure] = []
    problems: list[str] = []
    for script, extra, timeout, reader in BENCHES:
        if not (BENCH_DIR / script).exists():
            problems.append(f"{script}: not present, skipped")
            continue
        print(f"\n### {script} {' '.join(extra)}".rstrip(), flush=True)
        status, output, seconds = run_bench(script, extra, timeout)
        found = figures_of(output, reader)
        print(f"### {script}: {seconds:.0f} s", flush=True)
        figures.extend(found)
        if status is None:
            problems.append(f"{script}: stopped after {timeout} s")
        elif not found:
            problems.append(f"{script}: exit status {status}, no figures (see its output above)")
    print_summary(figures, problems, time.perf_counter() - begin)
    missed = [f for f in figures if f["verdict"] == "FAIL"]
    crashed = [p for p in problems if "skipped" not in p]
    return 1 if missed or crashed else 0


if __name__ == "__main__":
    sys.exit(main())
