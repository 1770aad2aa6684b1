"""Benchmark: one grant-alert round for 35,000 subscribed companies after a sync that changed 50 calls.

Usage: .venv/bin/python bench/bench_alerts.py [--companies 35000] [--grants 800] [--database-url URL]
A new SQLite file (or --database-url / BENCH_DATABASE_URL: an empty database of yours; never DATABASE_URL)
gets, by bulk inserts: the companies (Piemonte comuni at random, sizes micro 70% / small 20% / medium 8% /
large 2%, three ATECO codes), each with a submitted assessment (scores copied from a real one, shuffled) and a
confirmed alert subscription; a catalogue of open calls (half restricted to Piemonte, 40% naming sizes, 20%
restricted to ATECO divisions, 10% to a list of comuni); then the change of a sync: 20 new calls, 20 amended
(closing date and amount), 10 withdrawn. Timed: compute_round (ranking every company's top 10 with the
recommender, deciding and rendering the mails, storing them as pending); sending is excluded. Target < 60 s.
"""
from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 60.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=35_000)
    parser.add_argument("--grants", type=int, default=800)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    args = parser.parse_args(argv)
    from bench.scratch import run_in_scratch

    return run_in_scratch(_measure, args, "bench-alerts-")


def _measure(args: argparse.Namespace, workdir: Path) -> list[dict]:
    from flask_migrate import upgrade

    from assessment import create_app
    from assessment.extensions import db
    from assessment.services.questionnaires import sync_questionnaires

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url or f"sqlite:///{workdir / 'bench.sqlite'}",
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "INSTANCE_DIR": str(workdir),
                      "MAIL_OUTBOX_DIR": str(workdir / "outbox"), "PUBLIC_BASE_URL": "https://bussola.example"})
    with app.app_context():
        upgrade()
        sync_questionnaires()
        db.session.commit()
        now = datetime(2026, 12, 8, 8, 0)
        started = time.perf_counter()
        with app.test_request_context("/"):
            _load(args, now)
        print(f"loaded {args.companies:,} subscribed companies and {args.grants:,} open calls "
              f"in {time.perf_counter() - started:.0f} s")
        from assessment.services.grant_alerts import compute_round

        started = time.perf_counter()
        report = compute_round(now=now, trigger="bench")
        db.session.flush()
        seconds = time.perf_counter() - started
        db.session.rollback()
        db.session.remove()
    print(f"alert round (computing, storing pending; no sending): {seconds:.1f} s for {report.companies:,} "
          f"companies -> {report.alerts:,} mails with {report.items:,} calls  (target < {TARGET_SECONDS:.0f} s)")
    return [{"bench": "grant alerts",
             "measure": f"one round, {report.companies:,} subscribed companies, sync changed 50 calls",
             "value": f"{seconds:.1f} s ({report.alerts:,} mails, {report.items:,} calls)",
             "target": f"< {TARGET_SECONDS:.0f} s", "verdict": "PASS" if seconds < TARGET_SECONDS else "FAIL"}]


def _load(args: argparse.Namespace, now: datetime) -> None:
    from sqlalchemy import insert

    from assessment.extensions import db
    from assessment.models import (
        AlertSubscription,
        Assessment,
        Company,
        Comune,
        DimensionScore,
        Grant,
        GrantChangeKind,
        GrantRevision,
    )
    from assessment.services.passwords import token_hash
    from tests.factories import submit_company

    rng = random.Random(0)
    _, sample, _ = submit_company(email="")
    db.session.flush()
    scores = [(d.dimension_key, d.position, d.score, d.level_key) for d in sample.dimension_scores]
    comuni = list(db.session.execute(db.select(Comune.istat_code).where(Comune.region_name == "Piemonte"))
                  .scalars())[:300]
    sizes = rng.choices(("micro", "small", "medium", "large"), weights=(70, 20, 8, 2), k=args.companies)
    employees = {"micro": 4, "small": 20, "medium": 120, "large": 400}
    first_id = (db.session.execute(db.select(db.func.max(Company.id))).scalar() or 0) + 1
    ids = list(range(first_id, first_id + args.companies))
    db.session.execute(insert(Company), [
        {"id": cid, "name": f"Bench {cid}", "email": f"bench{cid}@example.org",
         "ateco_code": rng.choice(("10.71.10", "47.11.00", "56.10.11")), "ateco_section": "C",
         "comune_istat": rng.choice(comuni), "employees": employees[size], "annual_turnover_eur": 1_000_000,
         "size_class": size, "themes": [], "language": "it", "created_at": now - timedelta(days=60)}
        for cid, size in zip(ids, sizes)])
    db.session.execute(insert(Assessment), [
        {"questionnaire_version_id": sample.questionnaire_version_id, "company_id": cid, "status": "submitted",
         "token_hash": secrets.token_hex(32), "language": "it", "draft_profile": {}, "draft_answers": {},
         "created_at": now - timedelta(days=30), "updated_at": now - timedelta(days=30),
         "submitted_at": now - timedelta(days=30), "overall_score": sample.overall_score,
         "level_key": sample.level_key} for cid in ids])
    assessment_ids = dict(db.session.execute(
        db.select(Assessment.company_id, Assessment.id).where(Assessment.company_id >= first_id)).all())
    db.session.execute(insert(DimensionScore), [
        {"assessment_id": assessment_ids[cid], "dimension_key": key, "position": position,
         "score": max(0.0, min(100.0, score + rng.uniform(-30, 30))), "level_key": level}
        for cid in ids for key, position, score, level in scores])
    db.session.execute(insert(AlertSubscription), [
        {"company_id": cid, "email": f"bench{cid}@example.org", "text_version": "2026-12", "secret": "x",
         "confirm_hash": token_hash(f"c{cid}"), "unsubscribe_hash": token_hash(f"u{cid}"),
         "requested_at": now - timedelta(days=3), "confirmed_at": now - timedelta(days=2)} for cid in ids])
    old = now - timedelta(days=40)

    def grant_row(n: int, seen: datetime) -> dict:
        return {"source": "incentivi.gov.it", "external_id": f"B{n}", "title": f"Bando {n} per la digitalizzazione",
                "description": rng.choice(("sito web e commercio elettronico", "sicurezza informatica e cloud",
                                           "formazione digitale del personale", "efficienza energetica")),
                "purposes": ["Digitalizzazione"], "opens_on": now.date() - timedelta(days=100),
                "closes_on": now.date() + timedelta(days=rng.randint(5, 200)),
                "sizes": rng.choice((["micro", "small"], ["small", "medium"])) if rng.random() < 0.4 else [],
                "regions": ["Piemonte"] if rng.random() < 0.5 else [],
                "comuni_istat": rng.sample(comuni, 20) if rng.random() < 0.1 else [],
                "is_all_sectors": rng.random() >= 0.2, "ateco_codes": ["10", "47"], "subject_types": ["Impresa"],
                "aid_forms": ["Contributo/Fondo perduto"], "dimensions": [rng.choice(("digital_strategy",
                                                                                       "data_management"))],
                "content_hash": "0" * 64, "raw": {}, "first_seen_at": seen, "last_seen_at": seen,
                "last_changed_at": seen, "created_at": seen, "updated_at": seen}

    db.session.execute(insert(Grant), [grant_row(n, old) for n in range(args.grants)])
    db.session.execute(insert(Grant), [grant_row(args.grants + n, now - timedelta(hours=2)) for n in range(20)])
    grants = db.session.execute(db.select(Grant).where(Grant.first_seen_at == old).limit(30)).scalars().all()
    for grant in grants[:20]:  # amended: closing date and amount
        before = grant.closes_on
        grant.closes_on = before + timedelta(days=30)
        db.session.add(GrantRevision(grant_id=grant.id, kind=GrantChangeKind.amended,
                                     changed_at=now - timedelta(hours=2),
                                     changes={"closes_on": {"old": before.isoformat(),
                                                            "new": grant.closes_on.isoformat()},
                                              "aid_max_eur": {"old": 10000, "new": 20000}}))
    for grant in grants[20:30]:
        grant.withdrawn_at = now - timedelta(hours=2)
        db.session.add(GrantRevision(grant_id=grant.id, kind=GrantChangeKind.withdrawn,
                                     changed_at=grant.withdrawn_at))
    db.session.commit()


if __name__ == "__main__":
    sys.exit(main())
