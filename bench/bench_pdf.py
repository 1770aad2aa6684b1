"""Benchmark: time to produce the PDF report of a real result, mean and p95 over 20 renders.

Usage: .venv/bin/python bench/bench_pdf.py [--renders 20] [--database-url URL]
The result is submitted through the same service as the web flow (tests.factories.submit_company) in a new
SQLite file (or --database-url). Two figures: render_report_pdf() alone (WeasyPrint), and the whole
GET /risultato/<token>/rapporto.pdf an owner waits for (result gathered, PDF rendered). The first render, which
loads fonts, is reported apart and left out of the statistics.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    args = parser.parse_args(argv)
    from bench.scratch import run_in_scratch

    return run_in_scratch(_measure, args, "bench-pdf-")


def _measure(args: argparse.Namespace, workdir: Path) -> list[dict]:
    from flask_migrate import upgrade

    from assessment import create_app
    from assessment.extensions import db
    from assessment.reports.pdf import render_report_pdf
    from assessment.services.questionnaires import sync_questionnaires
    from assessment.services.results import build_result
    from tests.factories import submit_company

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url or f"sqlite:///{workdir / 'bench.sqlite'}",
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "INSTANCE_DIR": str(workdir),
                      "MAIL_OUTBOX_DIR": str(workdir / "outbox")})
    with app.app_context():
        upgrade()
        sync_questionnaires()
        _, assessment, token = submit_company(pick="mid", coach_contact=True)
        db.session.commit()

        with app.test_request_context("/"):
            app.preprocess_request()  # sets the page language as a request would
            view = build_result(assessment, "it")
            started = time.perf_counter()
            size = len(render_report_pdf(view, "it"))
            first = time.perf_counter() - started
            renders = []
            for _ in range(args.renders):
                started = time.perf_counter()
                render_report_pdf(view, "it")
                renders.append(time.perf_counter() - started)

        client = app.test_client()
        requests = []
        for _ in range(args.renders):
            started = time.perf_counter()
            response = client.get(f"/risultato/{token}/rapporto.pdf")
            requests.append(time.perf_counter() - started)
            if response.status_code != 200 or not response.data.startswith(b"%PDF"):
                raise RuntimeError(f"the report answered {response.status_code}")
        db.session.remove()

    print(f"PDF report of a real result ({size / 1024:.0f} KiB), {args.renders} renders after a first one "
          f"of {first:.2f} s\n")
    print(f"{'measure':<34} {'mean':>7} {'p95':>7} {'max':>7}")
    for label, values in (("render_report_pdf()", renders), ("GET .../rapporto.pdf", requests)):
        print(f"{label:<34} {statistics.mean(values):>6.3f}s {p95(values):>6.3f}s {max(values):>6.3f}s")
    return [
        {"bench": "PDF", "measure": "render_report_pdf()",
         "value": f"mean {statistics.mean(renders):.3f} s, p95 {p95(renders):.3f} s (first {first:.2f} s)",
         "target": "", "verdict": ""},
        {"bench": "PDF", "measure": "GET rapporto.pdf (whole request)",
         "value": f"mean {statistics.mean(requests):.3f} s, p95 {p95(requests):.3f} s",
         "target": "", "verdict": ""},
    ]


if __name__ == "__main__":
    sys.exit(main())
