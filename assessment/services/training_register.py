"""The attendance register of an edition for the funder's reporting: one row per confirmed registration, the
hours at each session, the total, completion and certificate; as CSV/XLSX (services.exports) or PDF."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..domain.training import Completion, Presence, completion, presence_hours
from ..extensions import db
from ..models import Attendance, Registration, RegistrationStatus, TrainingEdition
from .audit import record
from .exports import Table
from .training import session_times


@dataclass(frozen=True)
class RegisterLine:
    registration: Registration
    hours: list[float | None]  # per held or cancelled session, in order; None: no record
    marks: list[str]  # "P", "A", a partial "09:30–12:00", "" (no record), "—" (session cancelled)
    completion: Completion

    @property
    def person(self) -> str:
        participant = self.registration.participant
        if participant.erased_at is not None:
            return _("Persona n. %(id)s (dati cancellati su richiesta)", id=participant.id)
        return participant.name or ""


def edition_for_register(edition_id: int) -> TrainingEdition | None:
    return db.session.execute(db.select(TrainingEdition).where(TrainingEdition.id == edition_id).options(
        selectinload(TrainingEdition.sessions), selectinload(TrainingEdition.track))).scalar_one_or_none()


def register_lines(edition: TrainingEdition) -> list[RegisterLine]:
    """Every confirmed registration with its presence at each session (three queries in all)."""
    registrations = db.session.execute(
        db.select(Registration).where(Registration.edition_id == edition.id,
                                      Registration.status == RegistrationStatus.confirmed)
        .options(selectinload(Registration.participant), selectinload(Registration.attendances),
                 selectinload(Registration.certificate))
        .order_by(Registration.id)).scalars().all()
    times = [session_times(s) for s in edition.sessions]
    lines = []
    for registration in sorted(registrations, key=lambda r: ((r.participant.name or "~").lower(), r.id)):
        records: dict[int, Attendance] = {a.session_id: a for a in registration.attendances}
        presences = {k: Presence(a.is_present, a.arrived_at, a.left_at) for k, a in records.items()}
        hours, marks = [], []
        for session in times:
            found = records.get(session.key)
            if session.is_cancelled:
                hours.append(None)
                marks.append("—")
            elif found is None:
                hours.append(None)
                marks.append("")
            else:
                hours.append(presence_hours(session, presences[session.key]))
                marks.append(_mark(found, session))
        lines.append(RegisterLine(registration, hours, marks,
                                  completion(times, presences, edition.min_attendance_percent)))
    return lines


def _mark(found: Attendance, session) -> str:
    if not found.is_present:
        return "A"
    if found.arrived_at is None and found.left_at is None:
        return "P"
    start, end = found.arrived_at or session.start_time, found.left_at or session.end_time
    return f"{start:%H:%M}–{end:%H:%M}"


def register_table(edition: TrainingEdition, lines: list[RegisterLine]) -> Table:
    """The register as a table; its download is in the audit log (personal data leave the service)."""
    record("export", None, kind="attendance_register", edition_id=edition.id)
    sessions = [f"{s.on_date.isoformat()} {s.start_time:%H:%M}-{s.end_time:%H:%M}" for s in edition.sessions]
    headers = ["registration_id", "person", "email", "role", "firm", "firm_vat_number",
               *[f"hours {label}" for label in sessions], "hours_attended", "hours_total", "attendance_percent",
               "completed", "certificate_code"]

    def rows():
        for line in lines:
            participant = line.registration.participant
            erased = participant.erased_at is not None
            certificate = line.registration.certificate
            yield [line.registration.id, line.person, None if erased else participant.email,
                   None if erased else participant.role, None if erased else participant.firm_name,
                   None if erased else participant.firm_vat_number,
                   *[None if h is None else round(h, 2) for h in line.hours],
                   round(line.completion.attended_hours, 2), round(line.completion.total_hours, 2),
                   round(line.completion.percent, 1), "yes" if line.completion.is_completed else "no",
                   certificate.verification_code if certificate else None]

    # Built now, not while the CSV streams: by then the request's session is closed and its rows detached.
    return Table(name="register", headers=headers, rows=list(rows()))


def register_filename(edition: TrainingEdition, fmt: str) -> str:
    return f"registro-presenze-edizione-{edition.id}.{fmt}"


def render_register_pdf(edition: TrainingEdition, lines: list[RegisterLine], lang: str) -> bytes:
    from flask import render_template
    from weasyprint import HTML

    from ..config import PROJECT_ROOT

    record("export", None, kind="attendance_register", edition_id=edition.id, format="pdf")
    html = render_template("reports/attendance_register.html", edition=edition, lines=lines, lang=lang)
    return HTML(string=html, base_url=str(PROJECT_ROOT / "assessment" / "static")).write_pdf()
