"""Benchmark: the admin dashboard with the programme's training at full size (2,400 people, 300 editions,
3,000 sessions, their registrations, attendance and skills self-checks) keeps the number of SQL statements it
sends with a handful of editions, and answers with p95 < 200 ms.

Usage: .venv/bin/python bench/bench_training_dashboard.py [--people 2400 --editions 300 --sessions 10]
       [--requests 30] [--database-url URL]
The database is a new SQLite file in a temporary directory unless --database-url (or BENCH_DATABASE_URL)
names one: DATABASE_URL is never read nor written. Rows are inserted in bulk (Core inserts), then the whole
page GET /admin/ is timed as an admin, after one warm-up request, in an app set up as assessment/wsgi.py sets
it up for gunicorn (start-up heap frozen).
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

P95_TARGET_MS = 200.0
SMALL_EDITIONS = 5


def insert_training(first_edition: int, editions: int, people: list[int], *, sessions_per_edition: int,
                    seats: int, tracks: list[int], skills_version: int, start: date) -> None:
    """`editions` editions of `sessions_per_edition` three-hour sessions, each with `seats` confirmed
    registrations taken in turn from `people` (so people come back for a second edition); 85% presence;
    self-checks at registration and completion for every other registration. Bulk Core inserts."""
    from sqlalchemy import insert

    from assessment.extensions import db
    from assessment.models import (
        Attendance,
        Registration,
        SkillsCheck,
        TrainingEdition,
        TrainingSession,
        utcnow,
    )

    now = utcnow()
    areas = ("information_data", "communication_collaboration", "content_creation", "safety", "problem_solving")
    edition_rows, session_rows, registration_rows, attendance_rows, check_rows = [], [], [], [], []
    session_id = db.session.execute(db.select(db.func.coalesce(db.func.max(TrainingSession.id), 0))).scalar()
    registration_id = db.session.execute(db.select(db.func.coalesce(db.func.max(Registration.id), 0))).scalar()
    person = 0
    for offset in range(editions):
        edition_id = first_edition + offset
        edition_rows.append({"id": edition_id, "track_id": tracks[edition_id % len(tracks)],
                             "title": f"Edizione {edition_id}", "description": "", "place": "Ivrea",
                             "capacity": seats + 2, "min_attendance_percent": 70, "status": "scheduled",
                             "is_example": False, "created_at": now, "updated_at": now})
        own_sessions = []
        for s in range(sessions_per_edition):
            session_id += 1
            own_sessions.append(session_id)
            session_rows.append({"id": session_id, "edition_id": edition_id,
                                 "on_date": start + timedelta(days=(edition_id * 3 + s * 7) % 500),
                                 "start_time": clock(9), "end_time": clock(12), "is_cancelled": False,
                                 "check_in_code": f"B{session_id:07d}"})
        for _ in range(seats):
            registration_id += 1
            participant_id = people[person % len(people)]
            person += 1
            registration_rows.append({"id": registration_id, "participant_id": participant_id,
                                      "edition_id": edition_id, "status": "confirmed", "queued_at": now,
                                      "confirmed_at": now, "cancel_token_hash": secrets.token_hex(32),
                                      "created_at": now})
            for index, sid in enumerate(own_sessions):
                present = (registration_id + index) % 7 != 0  # about 85% of the sessions
                attendance_rows.append({"registration_id": registration_id, "session_id": sid,
                                        "is_present": present, "source": "register", "recorded_at": now})
            if registration_id % 2 == 0:
                for moment, score in (("registration", 40.0), ("completion", 55.0)):
                    check_rows.append({"participant_id": participant_id, "registration_id": registration_id,
                                       "questionnaire_version_id": skills_version, "moment": moment,
                                       "answers": {}, "scores": {k: score for k in areas},
                                       "overall_score": score, "submitted_at": now})
    for model, rows in ((TrainingEdition, edition_rows), (TrainingSession, session_rows),
                        (Registration, registration_rows), (Attendance, attendance_rows),
                        (SkillsCheck, check_rows)):
        for chunk in range(0, len(rows), 5000):
            db.session.execute(insert(model), rows[chunk:chunk + 5000])
    db.session.commit()
    # Statistics for the planner, as autovacuum gathers them after a load in production.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE")


def insert_people(count: int, first: int) -> list[int]:
    from sqlalchemy import insert

    from assessment.extensions import db
    from assessment.models import Participant, utcnow

    now = utcnow()
    rows = [{"id": first + n, "name": f"Persona {first + n}", "email": f"persona{first + n}@bench.example",
             "role": "Impiegata", "firm_vat_number": "01234567897", "firm_name": "Officina di prova",
             "language": "it", "privacy_consent_at": now, "privacy_text_version": "bench", "created_at": now}
            for n in range(count)]
    for chunk in range(0, len(rows), 5000):
        db.session.execute(insert(Participant), rows[chunk:chunk + 5000])
    db.session.commit()
    return [row["id"] for row in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2400)
    parser.add_argument("--editions", type=int, default=300)
    parser.add_argument("--sessions", type=int, default=10, help="per edition (300 x 10 = 3,000 sessions)")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                        help="default: a new SQLite file in a temporary directory")
    args = parser.parse_args(argv)
    from bench.scratch import run_in_scratch

    return run_in_scratch(_measure, args, "bench-training-")


def _measure(args: argparse.Namespace, workdir: Path) -> list[dict]:
    from flask_migrate import upgrade

    from assessment import create_app
    from assessment.app import settle_heap
    from assessment.config import sqlalchemy_url
    from assessment.extensions import db
    from assessment.models import ThematicArea, Track, TrackFormat
    from assessment.services.questionnaires import latest_version, sync_questionnaires
    from assessment.services.users import create_user
    from bench.bench_queries import counting, fetch

    url = sqlalchemy_url(args.database_url) if args.database_url else f"sqlite:///{workdir / 'bench.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False, "INSTANCE_DIR": str(workdir),
                      "MAIL_OUTBOX_DIR": str(workdir / "outbox")})
    settle_heap()  # as assessment/wsgi.py does once the app is built
    with app.app_context():
        upgrade()
        sync_questionnaires()
        tag = secrets.token_hex(3)
        admin, _ = create_user(f"bench-admin-{tag}@example.org", "admin", password="bench-password")
        areas = [ThematicArea(key=f"bench-area-{tag}-{n}", name_it=f"Area {n}", name_en=f"Area {n}")
                 for n in range(4)]
        tracks = [Track(code=f"BT-{tag}-{n}", title_it=f"Percorso {n}", title_en=f"Track {n}",
                        thematic_area_key=areas[n % 4].key, format=TrackFormat.workshop, hours=30,
                        seats_per_cohort=12) for n in range(20)]
        db.session.add_all([*areas, *tracks])
        db.session.commit()
        track_ids = [t.id for t in tracks]
        skills = latest_version("skills-digcomp").id
        first_edition = 1 + (db.session.execute(db.text("SELECT COALESCE(MAX(id), 0) FROM training_editions"))
                             .scalar())
        first_person = 1 + db.session.execute(db.text("SELECT COALESCE(MAX(id), 0) FROM participants")).scalar()
        seats = max(1, round(args.people * 1.25 / args.editions))  # a quarter of the people come twice
        start = date.today() - timedelta(days=400)
        client = app.test_client()
        get = fetch(app, client, admin, "/admin/")

        def one_request() -> tuple[int, float]:
            with counting(db.engine) as statements:
                started = time.perf_counter()
                status = get()
                elapsed = time.perf_counter() - started
            if status != 200:
                raise RuntimeError(f"/admin/ answered {status}")
            return len(statements), elapsed

        small_people = insert_people(SMALL_EDITIONS * seats, first_person)
        insert_training(first_edition, SMALL_EDITIONS, small_people, sessions_per_edition=args.sessions,
                        seats=seats, tracks=track_ids, skills_version=skills, start=start)
        get()  # warm-up
        small_timings, small_count = [], None
        for _ in range(args.requests):  # the same page with 5 editions: what the machine gives right now
            small_count, elapsed = one_request()
            small_timings.append(elapsed * 1000)
        people = small_people + insert_people(args.people - len(small_people), first_person + len(small_people))
        loaded = time.perf_counter()
        insert_training(first_edition + SMALL_EDITIONS, args.editions - SMALL_EDITIONS, people,
                        sessions_per_edition=args.sessions, seats=seats, tracks=track_ids, skills_version=skills,
                        start=start)
        loaded = time.perf_counter() - loaded
        get()  # warm-up
        timings, large_count = [], None
        for _ in range(args.requests):
            large_count, elapsed = one_request()
            timings.append(elapsed * 1000)
        from assessment.services.training_figures import training_figures

        figures_now = training_figures(date.today())
        db.session.remove()

    def p95_of(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[18] if len(values) >= 2 else values[0]

    p95, small_p95 = p95_of(timings), p95_of(small_timings)
    sessions = args.editions * args.sessions
    size = f"{args.people:,} people, {args.editions} editions, {sessions:,} sessions"
    print(f"Training dashboard ({url.split(':')[0]}): {size}; rows loaded in {loaded:.1f} s")
    print(f"people trained counted: {figures_now.people_trained:,}; hours delivered: "
          f"{figures_now.hours_delivered:,.0f}; completion rate: {figures_now.completion_rate or 0:.1f}%")
    print(f"{'figure':<44} {'value':>16}   target")
    print(f"{'SQL statements, ' + str(SMALL_EDITIONS) + ' editions vs full size':<44} "
          f"{f'{small_count} vs {large_count}':>16}   the same")
    print(f"{'GET /admin/ p50 / p95 (' + str(args.requests) + ' requests)':<44} "
          f"{f'{statistics.median(timings):.0f} / {p95:.0f} ms':>16}   p95 < {P95_TARGET_MS:.0f} ms")
    print(f"{'same page, ' + str(SMALL_EDITIONS) + ' editions: p50 / p95 (reference)':<44} "
          f"{f'{statistics.median(small_timings):.0f} / {small_p95:.0f} ms':>16}")
    same = small_count == large_count
    return [
        {"bench": "training dashboard", "measure": f"SQL statements, {SMALL_EDITIONS} editions vs {size}",
         "value": f"{small_count} vs {large_count}", "target": "the same", "verdict": "PASS" if same else "FAIL"},
        {"bench": "training dashboard", "measure": f"GET /admin/ p95 ({size})",
         "value": f"{p95:.0f} ms (p50 {statistics.median(timings):.0f} ms)", "target": f"< {P95_TARGET_MS:.0f} ms",
         "verdict": "PASS" if p95 < P95_TARGET_MS else "FAIL"},
        {"bench": "training dashboard",
         "measure": f"GET /admin/ p95 with {SMALL_EDITIONS} editions (reference, same run)",
         "value": f"{small_p95:.0f} ms (p50 {statistics.median(small_timings):.0f} ms)", "target": "", "verdict": ""},
    ]


if __name__ == "__main__":
    sys.exit(main())
