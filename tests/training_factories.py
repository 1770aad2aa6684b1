"""Builders for the training tests: a workshop track, an edition with sessions, a registration; reading mails."""
from __future__ import annotations

import email
import itertools
from datetime import date, time, timedelta
from email.message import Message
from pathlib import Path

_counter = itertools.count(1)


def make_track(db_session, area_key: str = "digital_innovation", format: str = "workshop"):
    from assessment.models import ThematicArea, Track, TrackFormat

    if db_session.get(ThematicArea, area_key) is None:
        db_session.add(ThematicArea(key=area_key, name_it=f"Area {area_key}", name_en=f"Area {area_key}"))
        db_session.flush()
    n = next(_counter)
    track = Track(code=f"TRN-{n:04d}", title_it=f"Percorso {n}", title_en=f"Track {n}", thematic_area_key=area_key,
                  format=TrackFormat(format), hours=8)
    db_session.add(track)
    db_session.flush()
    return track


def make_edition(db_session, *, track=None, capacity: int = 10, first_on: date | None = None, sessions: int = 2,
                 start: time = time(9), end: time = time(13), title: str | None = None, **values):
    from assessment.models import TrainingEdition, TrainingSession
    from assessment.services.training import new_check_in_code

    track = track or make_track(db_session)
    first_on = first_on or date.today() + timedelta(days=30)
    edition = TrainingEdition(track=track, title=title or f"Edizione {next(_counter)}", capacity=capacity,
                              place=values.pop("place", "Ivrea, Via Jervis 22"), **values)
    edition.sessions = [TrainingSession(on_date=first_on + timedelta(days=7 * i), start_time=start, end_time=end,
                                        check_in_code=new_check_in_code()) for i in range(sessions)]
    db_session.add(edition)
    db_session.commit()  # inside the test's outer transaction: a view's rollback keeps it
    return edition


def registration_form(**overrides) -> dict:
    from tests.factories import vat_number

    n = next(_counter)
    data = {"name": f"Maria Rossi {n}", "email": f"persona{n}@example.org", "role": "titolare",
            "firm_name": "Panetteria Rossi", "vat_number": vat_number(), "privacy": "y"}
    data.update(overrides)
    return data


def mails(outbox: Path) -> list[Message]:
    files = sorted(Path(outbox).glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)  # in the order written
    return [email.message_from_bytes(p.read_bytes()) for p in files]


def body_of(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    return ""


def ics_of(message: Message) -> bytes | None:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return part.get_payload(decode=True)
    return None
