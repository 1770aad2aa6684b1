"""Benchmark: import 6,000 incentivi.gov.it-shaped records into a fresh database, then re-import them.

Usage: .venv/bin/python bench/bench_grant_import.py [--records 6000] [--database-url URL]
The records are made up in the shape of the real ones (their fields, sampled values). Default database: a new
SQLite file in a temporary directory; --database-url (or BENCH_DATABASE_URL, as the other benches) names an
empty one to use instead: the records stay in it. DATABASE_URL is ignored, so that a bench never fills the
app's own database. The schema is built with the Alembic migrations (`flask db upgrade`).
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "assessment" / "data" / "incentivi_gov_it_sample.json"
COMUNI = ROOT / "assessment" / "data" / "comuni_italia_istat.csv"


def make_records(count: int, seed: int = 2024) -> list[dict]:
    """Variations of the 5 real sample records: ids, titles, dates, comuni lists (some unknown names)."""
    import csv

    rng = random.Random(seed)
    samples = json.loads(SAMPLE.read_text(encoding="utf-8"))
    with open(COMUNI, newline="", encoding="utf-8") as handle:
        by_region: dict[str, list[str]] = {}
        for row in csv.DictReader(handle):
            by_region.setdefault(row["denominazione_regione"], []).append(row["denominazione"])
    records = []
    for n in range(count):
        record = copy.deepcopy(samples[n % len(samples)])
        record["ID_Incentivo"] = str(100_000 + n)
        record["Titolo"] = f"{record['Titolo']} - edizione {n}"
        opens = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 900))
        record["Data_apertura"] = f"{opens.isoformat()}T00:00:00"
        if rng.random() < 0.04:
            record.pop("Data_chiusura", None)
        else:
            record["Data_chiusura"] = f"{(opens + timedelta(days=rng.randrange(20, 400))).isoformat()}T00:00:00"
        record["Data_ultimo_aggiornamento"] = datetime(2024, 1, 1).isoformat() + "Z"
        if rng.random() < 0.4:
            region = rng.choice(sorted(by_region))
            names = rng.sample(by_region[region], min(len(by_region[region]), rng.randrange(5, 250)))
            if rng.random() < 0.2:
                names.append("Comune Soppresso")
            record["Regioni"] = [region]
            record["Comuni"] = "; ".join(names)
        else:
            record.pop("Comuni", None)
        records.append(record)
    return records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=6000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    args = parser.parse_args()

    from assessment import create_app
    from assessment.config import sqlalchemy_url

    workdir = Path(tempfile.mkdtemp(prefix="bench-grants-"))
    os.environ.setdefault("INSTANCE_PATH", str(workdir))
    overrides = {"SECRET_KEY": "bench", "TESTING": True,
                 "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(args.database_url) if args.database_url
                 else f"sqlite:///{workdir / 'bench.sqlite'}"}

    app = create_app(overrides)
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        with app.app_context():
            _run(args.records, workdir, database_url)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _run(records: int, workdir: Path, database_url: str) -> None:
    from assessment.extensions import db
    from assessment.services.grants import import_grants

    if any((ROOT / "migrations" / "versions").glob("*.py")):
        from flask_migrate import upgrade

        upgrade()
    else:
        db.create_all()

    data_file = workdir / "grants.json"
    data_file.write_text(json.dumps(make_records(records), ensure_ascii=False), encoding="utf-8")
    size_mb = data_file.stat().st_size / 1e6
    print(f"database: {database_url.split('@')[-1]}")
    print(f"file: {records} records, {size_mb:.1f} MB")

    for label in ("first import", "re-import"):
        started = time.perf_counter()
        report = import_grants(db.session, data_file, today=date.today())
        db.session.commit()
        elapsed = time.perf_counter() - started
        print(f"{label}: {elapsed:.2f} s, {records / elapsed:,.0f} records/s — {report.summary()}, "
              f"with unmatched comuni: {len(report.unresolved_comuni)}")
        db.session.remove()


if __name__ == "__main__":
    sys.exit(main())
