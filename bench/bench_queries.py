"""Benchmark: SQL statements per page with 10 and with 1,000 rows; a page that grows with the rows has an N+1.

Usage: .venv/bin/python bench/bench_queries.py [--small 10 --large 1000] [--database-url URL]
Pages: the coach dashboard, every admin page without URL parameters (the dashboard and the lists, found in the
URL map, so new lists are measured as they appear) and the owner's result page. The rows are those the pages
list: companies (submitted, consenting, proposed to the coach), coaches, and tracks and grants recommended on
the measured result. tests/web/test_query_counts.py asserts the same with 10 and 60 rows, with the same
builders (add_rows, measured_pages).
"""
from __future__ import annotations

import argparse
import itertools
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_serial = itertools.count(1)


def add_rows(count: int, *, coach, result) -> None:
    """`count` more rows of every kind the measured pages list; the caller commits (or rolls back)."""
    from assessment.extensions import db
    from assessment.models import (
        Assessment,
        AssessmentStatus,
        AssignmentStatus,
        CoachAssignment,
        CoachProfile,
        Company,
        Consent,
        ConsentKind,
        DimensionScore,
        Grant,
        Match,
        MatchKind,
        Role,
        ThematicArea,
        Track,
        TrackFormat,
        User,
        utcnow,
    )
    from tests.factories import vat_number

    template = result.company
    area = db.session.execute(db.select(ThematicArea).limit(1)).scalar_one_or_none()
    if area is None:
        area = ThematicArea(key="bench-area", name_it="Area di prova", name_en="Test area")
        db.session.add(area)
    now = utcnow()
    rank = db.session.execute(db.select(db.func.count(Match.id)).filter_by(assessment_id=result.id)).scalar()
    for _ in range(count):
        n = next(_serial)
        company = Company(
            name=f"Impresa di prova {n}", vat_number=vat_number(), email=None, ateco_code=template.ateco_code,
            ateco_section=template.ateco_section, comune_istat=template.comune_istat, employees=3 + n % 40,
            annual_turnover_eur=template.annual_turnover_eur, size_class=template.size_class, themes=[],
            consents=[Consent(kind=ConsentKind.privacy, text_version="bench", given_at=now),
                      Consent(kind=ConsentKind.coach_contact, text_version="bench", given_at=now)],
        )
        score = float(n % 100)
        company.assessments.append(Assessment(
            questionnaire_version_id=result.questionnaire_version_id, status=AssessmentStatus.submitted,
            token_hash=secrets.token_hex(32), language="it", draft_profile={}, draft_answers={},
            submitted_at=now - timedelta(minutes=n), overall_score=score, level_key=result.level_key,
            dimension_scores=[DimensionScore(dimension_key=d.dimension_key, position=d.position, score=score,
                                             level_key=d.level_key) for d in result.dimension_scores],
        ))
        other = User(email=f"bench-coach-{n}-{secrets.token_hex(3)}@example.org", name=f"Coach {n}",
                     role=Role.coach, coach_profile=CoachProfile(capacity=5))
        track = Track(code=f"BENCH-{n}-{secrets.token_hex(3)}", title_it=f"Percorso {n}", title_en=f"Track {n}",
                      thematic_area_key=area.key, format=TrackFormat.workshop, hours=8, seats_per_cohort=10)
        grant = Grant(source="bench", external_id=f"{n}-{secrets.token_hex(3)}", title=f"Bando di prova {n}",
                      content_hash=secrets.token_hex(32))
        db.session.add_all([company, other, track, grant,
                            CoachAssignment(company=company, coach_id=coach.id, status=AssignmentStatus.proposed,
                                            reason={"it": "Prova", "en": "Test"})])
        rank += 1
        for kind, item in ((MatchKind.track, {"track": track}), (MatchKind.grant, {"grant": grant})):
            db.session.add(Match(company_id=result.company_id, assessment_id=result.id, kind=kind, score=0.5,
                                 rank=rank, explanation={"it": "Prova", "en": "Test"}, eligibility="eligible",
                                 model_version="bench", **item))
    db.session.flush()


def measured_pages(app, result_token: str) -> list[tuple[str, str, str]]:
    """(label, role to log in as or "", URL): the coach dashboard, admin pages without parameters, result."""
    pages = [("coach dashboard", "coach", "/coach/")]
    admin_urls = sorted({rule.rule for rule in app.url_map.iter_rules()
                         if rule.endpoint.startswith("admin.") and "GET" in (rule.methods or ())
                         and not rule.arguments})
    pages += [(f"admin {url}", "admin", url) for url in admin_urls]
    pages.append(("result page", "", f"/risultato/{result_token}"))
    return pages


@contextmanager
def counting(engine) -> Iterator[list[str]]:
    """Collects the SQL statements sent while inside (savepoints of the test fixtures excluded)."""
    from sqlalchemy import event

    statements: list[str] = []

    def _before(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", _before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _before)


def fetch(app, client, user, url: str) -> Callable[[], int]:
    """A GET of `url` as `user` (None: anonymous), returning the status code."""
    def _get() -> int:
        with client.session_transaction() as session:
            session.clear()
            if user is not None:
                session["_user_id"] = user.get_id()
                session["_fresh"] = True
        return client.get(url).status_code

    return _get


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--large", type=int, default=1000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                        help="default: a new SQLite file in a temporary directory")
    args = parser.parse_args(argv)
    from bench.scratch import run_in_scratch

    return run_in_scratch(_measure, args, "bench-queries-")


def _measure(args: argparse.Namespace, workdir: Path) -> list[dict]:
    from flask_migrate import upgrade

    from assessment import create_app
    from assessment.extensions import db
    from assessment.services.questionnaires import sync_questionnaires
    from assessment.services.users import create_user
    from tests.factories import submit_company

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url or f"sqlite:///{workdir / 'bench.sqlite'}",
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
                      "INSTANCE_DIR": str(workdir), "MAIL_OUTBOX_DIR": str(workdir / "outbox")})
    counts: dict[str, dict[int, tuple[int, float]]] = {}
    with app.app_context():
        upgrade()
        sync_questionnaires()
        tag = secrets.token_hex(3)
        coach, _ = create_user(f"bench-coach-{tag}@example.org", "coach", password="bench-password")
        admin, _ = create_user(f"bench-admin-{tag}@example.org", "admin", password="bench-password")
        _, result, token = submit_company(coach_contact=True)
        db.session.commit()
        users = {"coach": coach, "admin": admin, "": None}
        client = app.test_client()
        pages = measured_pages(app, token)
        rows = 0
        for size in (args.small, args.large):
            add_rows(size - rows, coach=coach, result=result)
            db.session.commit()
            rows = size
            for label, role, url in pages:
                get = fetch(app, client, users[role], url)
                get()  # warm-up: first-use caches are not what this measures
                with counting(db.engine) as statements:
                    started = time.perf_counter()
                    status = get()
                    elapsed = time.perf_counter() - started
                if status != 200:
                    raise RuntimeError(f"{url} answered {status}")
                counts.setdefault(label, {})[size] = (len(statements), elapsed)
        db.session.remove()

    print(f"SQL statements per page ({app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]})\n")
    header = (f"{'page':<30} {'queries @' + str(args.small):>12} {'queries @' + str(args.large):>14} "
              f"{'ms @' + str(args.small):>9} {'ms @' + str(args.large):>10}  same count")
    print(header + "\n" + "-" * len(header))
    figures = []
    for label, by_size in counts.items():
        (q_small, t_small), (q_large, t_large) = by_size[args.small], by_size[args.large]
        same = q_small == q_large
        print(f"{label:<30} {q_small:>12} {q_large:>14} {t_small * 1000:>9.0f} {t_large * 1000:>10.0f}  "
              f"{'PASS' if same else 'FAIL'}")
        figures.append({"bench": "queries", "measure": label,
                        "value": f"{q_small} vs {q_large} queries ({t_large * 1000:.0f} ms @{args.large})",
                        "target": f"same @{args.small} and @{args.large}", "verdict": "PASS" if same else "FAIL"})
    return figures


if __name__ == "__main__":
    sys.exit(main())
