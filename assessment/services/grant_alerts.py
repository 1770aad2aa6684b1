"""Alert rounds: what each confirmed company (and, on Mondays, each coach) hears today, stored as pending mails
before any is sent; then the sending of the pending ones, failures retried with backoff.

Delivery loses nothing: a round stores its mails (one per recipient and day, a unique key) and their items (one
per call, reason and occasion, a unique key) in one transaction, and sending reads only what is stored. A crash
after the round and before sending leaves pending mails, sent by the next run; a mail is claimed (attempt
counted, next attempt moved on) and committed before it is handed to the server, so two workers never send it
both. Only a crash in the instant between the server's acceptance and the commit can repeat a mail: it carries
the same Message-ID, which mail readers show once."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from ..clock import local_time
from ..domain.grant_alerts import (
    ALERT_TOP_K,
    CompanyAlertFacts,
    GrantChange,
    GrantState,
    RankedGrant,
    decide_alert_items,
)
from ..extensions import db
from ..models import (
    AlertAudience,
    AlertReason,
    AlertRound,
    AlertStatus,
    AlertSubscription,
    AssignmentStatus,
    CoachAlertSetting,
    CoachAssignment,
    Company,
    Grant,
    GrantAlert,
    GrantAlertItem,
    GrantRevision,
    Match,
    MatchKind,
    User,
    utcnow,
)
from ..urls import external_url
from .alert_subscriptions import unsubscribe_url
from .mail import deliver
from .matching import rank_grants_deeper

MAX_ATTEMPTS = 5
BACKOFF = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=8))
DIGEST_WEEKDAY = 0  # Monday
_CHUNK = 5000  # companies ranked at once
_ADDRESS = re.compile(r"[^\s<>'\"(){}\[\],;:]+@[^\s<>'\"(){}\[\],;:]+")


@dataclass(frozen=True)
class RoundReport:
    round_id: int | None
    local_day: date
    companies: int
    alerts: int
    items: int
    previews: tuple[tuple[str, str, int], ...]  # (recipient key, subject, items), for --dry-run
    sent: int = 0
    failed: int = 0


def _company_key(company_id: int) -> str:
    return f"company:{company_id}"


def _coach_key(coach_id: int) -> str:
    return f"coach:{coach_id}"


def grant_url(grant_id: int, result_token: str | None = None) -> str:
    """The call's public page; with the owner's result link, the page shows the company's eligibility checklist."""
    if result_token:
        return external_url("public.grant_detail", grant_id=grant_id, risultato=result_token)
    return external_url("public.grant_detail", grant_id=grant_id)


def _history(keys: list[str]) -> tuple[dict, dict, dict]:
    """Per recipient key: when it last got a mail; per (key, company): calls told about, and (grant, reason,
    occasion) already said."""
    last = dict(db.session.execute(
        db.select(GrantAlert.recipient_key, func.max(GrantAlert.created_at))
        .where(GrantAlert.recipient_key.in_(keys)).group_by(GrantAlert.recipient_key)).all()) if keys else {}
    told, said = defaultdict(set), defaultdict(set)
    if keys:
        rows = db.session.execute(
            db.select(GrantAlertItem.recipient_key, GrantAlertItem.company_id, GrantAlertItem.grant_id,
                      GrantAlertItem.reason, GrantAlertItem.occasion)
            .where(GrantAlertItem.recipient_key.in_(keys)))
        for key, company_id, grant_id, reason, occasion in rows:
            told[key, company_id].add(grant_id)
            said[key, company_id].add((grant_id, reason.value, occasion))
    return last, told, said


def _stored_grant_matches(company_ids: list[int]) -> dict[int, set[int]]:
    """The calls each result page lists (stored recommendations): matched calls for reminders and changes."""
    found = defaultdict(set)
    for start in range(0, len(company_ids), _CHUNK):
        rows = db.session.execute(
            db.select(Match.company_id, Match.grant_id)
            .where(Match.kind == MatchKind.grant, Match.company_id.in_(company_ids[start:start + _CHUNK])))
        for company_id, grant_id in rows:
            found[company_id].add(grant_id)
    return found


def _ranked(company_ids: list[int], today: date) -> dict[int, tuple[RankedGrant, ...]]:
    ranked: dict[int, tuple[RankedGrant, ...]] = {}
    for start in range(0, len(company_ids), _CHUNK):
        chunk = rank_grants_deeper(company_ids[start:start + _CHUNK], today, ALERT_TOP_K)
        for company_id, recommendations in chunk.items():
            ranked[company_id] = tuple(RankedGrant(r.item_id, r.rank, r.eligibility, r.explanation_it,
                                                   r.explanation_en) for r in recommendations)
    return ranked


def _catalogue(grant_ids: set[int], since: datetime) -> tuple[dict[int, GrantState], dict[int, list]]:
    grants, changes = {}, defaultdict(list)
    ids = sorted(grant_ids)
    for start in range(0, len(ids), _CHUNK):
        part = ids[start:start + _CHUNK]
        for row in db.session.execute(
            db.select(Grant.id, Grant.title, Grant.opens_on, Grant.closes_on, Grant.first_seen_at,
                      Grant.withdrawn_at).where(Grant.id.in_(part))):
            grants[row.id] = GrantState(row.id, row.title, row.opens_on, row.closes_on, row.first_seen_at,
                                        row.withdrawn_at)
        for rev in db.session.execute(
            db.select(GrantRevision).where(GrantRevision.grant_id.in_(part), GrantRevision.changed_at > since)
            .order_by(GrantRevision.id)).scalars():
            changes[rev.grant_id].append(GrantChange(rev.id, rev.grant_id, rev.kind.value, rev.changed_at,
                                                     dict(rev.changes or {})))
    return grants, changes


def _coaches_and_companies(today: date) -> dict[int, tuple[User, list[int]]]:
    """On the digest day: each coach with the digest on, and the companies they follow (visible to coaches)."""
    if today.weekday() != DIGEST_WEEKDAY:
        return {}
    off = set(db.session.execute(db.select(CoachAlertSetting.user_id).filter_by(weekly_digest=False)).scalars())
    rows = db.session.execute(
        db.select(CoachAssignment).where(CoachAssignment.status.in_((AssignmentStatus.accepted,
                                                                     AssignmentStatus.in_progress)))
        .options(selectinload(CoachAssignment.coach),
                 selectinload(CoachAssignment.company).selectinload(Company.consents))).scalars()
    found: dict[int, tuple[User, list[int]]] = {}
    for assignment in rows:
        coach = assignment.coach
        if coach.id in off or not coach.is_enabled or not assignment.company.is_visible_to_coaches:
            continue
        found.setdefault(coach.id, (coach, []))[1].append(assignment.company_id)
    return found


def compute_round(*, now: datetime | None = None, trigger: str = "daily", dry_run: bool = False) -> RoundReport:
    """Store today's alerts (pending); with dry_run, store nothing and say what would be sent."""
    now = now or utcnow()
    today = local_time(now).date()
    done_today = set(db.session.execute(
        db.select(GrantAlert.recipient_key).where(GrantAlert.local_day == today)).scalars())
    subscriptions = [s for s in db.session.execute(
        db.select(AlertSubscription).join(Company, Company.id == AlertSubscription.company_id)
        .where(AlertSubscription.confirmed_at.is_not(None), AlertSubscription.withdrawn_at.is_(None),
               Company.erased_at.is_(None))
        .options(selectinload(AlertSubscription.company)).order_by(AlertSubscription.company_id)).scalars()
        if _company_key(s.company_id) not in done_today]
    coaches = {cid: v for cid, v in _coaches_and_companies(today).items() if _coach_key(cid) not in done_today}
    company_ids = sorted({s.company_id for s in subscriptions} | {c for _, ids in coaches.values() for c in ids})
    ranked = _ranked(company_ids, today)
    stored = _stored_grant_matches(company_ids)
    keys = [_company_key(s.company_id) for s in subscriptions] + [_coach_key(c) for c in coaches]
    last, told, said = _history(keys)

    def since_of(key: str, start: datetime) -> datetime:
        return max(start, last.get(key) or start)

    recipients = []  # (key, audience, recipient row, [(company_id, since)])
    for s in subscriptions:
        key = _company_key(s.company_id)
        recipients.append((key, AlertAudience.owner, s, [(s.company_id, since_of(key, s.confirmed_at))]))
    for coach_id, (coach, ids) in coaches.items():
        key = _coach_key(coach_id)
        since = since_of(key, now - timedelta(days=7))
        recipients.append((key, AlertAudience.coach, coach, [(cid, since) for cid in sorted(ids)]))
    involved = {r.grant_id for rs in ranked.values() for r in rs} | {g for gs in stored.values() for g in gs} \
        | {g for gs in told.values() for g in gs}
    earliest = min((since for *_, pairs in recipients for _, since in pairs), default=now)
    grants, changes = _catalogue(involved, earliest)

    round_row = None if dry_run else AlertRound(trigger=trigger, local_day=today, started_at=now)
    if round_row is not None:
        db.session.add(round_row)
        db.session.flush()
    names = dict(db.session.execute(db.select(Company.id, Company.name).where(Company.id.in_(
        {cid for _, _, _, pairs in recipients for cid, _ in pairs if cid}))).all()) if recipients else {}
    previews, n_alerts, n_items, built = [], 0, 0, []
    for key, audience, who, pairs in recipients:
        sections = []
        for company_id, since in pairs:
            # What the recipient knows already: the calls it was told about, and (an owner) its result page's.
            known = set(told.get((key, company_id), ()))
            if audience == AlertAudience.owner:
                known |= stored.get(company_id, set())
            facts = CompanyAlertFacts(
                company_id=company_id, since=since, since_on=local_time(since).date(),
                top=ranked.get(company_id, ()), told_before=frozenset(known),
                notified=frozenset(said.get((key, company_id), ())))
            items = decide_alert_items(facts, grants, changes, today)
            if items:
                sections.append((company_id, items))
        if not sections:
            continue
        alert = _build_alert(key, audience, who, sections, names, today)
        n_alerts += 1
        n_items += sum(len(items) for _, items in sections)
        previews.append((key, alert.subject, sum(len(items) for _, items in sections)))
        if round_row is not None:
            alert.round_id = round_row.id
            built.append(alert)
    _store(built)
    if round_row is not None:
        round_row.companies, round_row.alerts, round_row.items = len(subscriptions), n_alerts, n_items
        round_row.finished_at = utcnow()
        db.session.flush()
    return RoundReport(round_row.id if round_row else None, today, len(subscriptions), n_alerts, n_items,
                       tuple(previews))


_COLUMNS = ("round_id", "audience", "recipient_key", "company_id", "coach_id", "local_day", "status", "to_address",
            "language", "subject", "body_text", "body_html", "attempts", "created_at")
_ITEM_COLUMNS = ("recipient_key", "company_id", "grant_id", "reason", "occasion", "details")


def _store(alerts: list[GrantAlert]) -> None:
    """Insert a round's mails and items in two multi-row statements (one statement per row took most of a
    round of 35,000 companies); the unique keys still refuse a second mail the same day or a repeated item."""
    if not alerts:
        return
    now = utcnow()
    for alert in alerts:
        alert.attempts, alert.created_at = 0, now
    ids = db.session.scalars(
        db.insert(GrantAlert).returning(GrantAlert.id, sort_by_parameter_order=True),
        [{name: getattr(alert, name) for name in _COLUMNS} for alert in alerts]).all()
    db.session.execute(db.insert(GrantAlertItem), [
        {"alert_id": alert_id, **{name: getattr(item, name) for name in _ITEM_COLUMNS}}
        for alert_id, alert in zip(ids, alerts) for item in alert.items])


def _build_alert(key, audience, who, sections, names, today: date) -> GrantAlert:
    """The mail as decided: recipient, subject and items with everything its text says. The text itself is
    written from these items when the mail is sent (render_alert): computing a round writes no text."""
    if audience == AlertAudience.owner:
        subscription: AlertSubscription = who
        language, address = subscription.company.language, subscription.email
        company_id, coach_id = subscription.company_id, None
    else:
        coach: User = who
        language, address = coach.language, coach.email
        company_id, coach_id = None, coach.id
    language = language if language in ("it", "en") else "it"
    with force_locale(language):
        subject = (_("Bussola Digitale: novità sui bandi per %(name)s", name=names.get(company_id) or "")
                   if audience == AlertAudience.owner else
                   _("Bussola Digitale: i bandi della settimana per le imprese che segui"))
    alert = GrantAlert(audience=audience, recipient_key=key, company_id=company_id, coach_id=coach_id,
                       local_day=today, status=AlertStatus.pending, to_address=address, language=language,
                       subject=subject, body_text="", body_html="")
    for cid, items in sections:
        for item in items:
            alert.items.append(GrantAlertItem(
                recipient_key=key, company_id=cid, grant_id=item.grant_id, reason=AlertReason(item.reason),
                occasion=item.occasion, details={
                    "title": item.title, "closes_on": item.closes_on.isoformat() if item.closes_on else None,
                    "days_left": item.days_left, "rank": item.rank, "reason_it": item.reason_it,
                    "reason_en": item.reason_en,
                    "changes": [[c.field, _plain(c.old), _plain(c.new)] for c in item.changes]}))
    return alert


@dataclass(frozen=True)
class _Line:
    """One stored item as the mail templates read it."""

    grant_id: int
    reason: str
    title: str
    closes_on: date | None
    days_left: int | None
    reason_it: str
    reason_en: str
    changes: tuple


@dataclass(frozen=True)
class _Change:
    field: str
    old: object
    new: object


def render_alert(alert: GrantAlert) -> None:
    """Write the mail's text and HTML (and its unsubscribe address) from its stored items, once."""
    from .alert_subscriptions import result_tokens

    subscription = None
    if alert.audience == AlertAudience.owner:
        subscription = db.session.execute(
            db.select(AlertSubscription).filter_by(company_id=alert.company_id)).scalar_one_or_none()
    link_token = result_tokens([subscription]).get(alert.company_id) if subscription is not None else None
    by_company: dict[int, list[_Line]] = defaultdict(list)
    for item in alert.items:
        d = item.details or {}
        by_company[item.company_id].append(_Line(
            item.grant_id, item.reason.value, d.get("title") or "",
            date.fromisoformat(d["closes_on"]) if d.get("closes_on") else None, d.get("days_left"),
            d.get("reason_it") or "", d.get("reason_en") or "",
            tuple(_Change(*c) for c in d.get("changes") or ())))
    names = dict(db.session.execute(db.select(Company.id, Company.name)
                                    .where(Company.id.in_(list(by_company)))).all())
    coach_page = alert.audience == AlertAudience.coach
    sections = [{
        "company_id": cid, "company_name": names.get(cid) or "",
        "company_url": external_url("coach.company", company_id=cid) if coach_page else None,
        "new": [i for i in lines if i.reason == "new_match"],
        "closing": [i for i in lines if i.reason in ("closing_14", "closing_3")],
        "changed": [i for i in lines if i.reason in ("amended", "withdrawn")],
        "links": {i.grant_id: grant_url(i.grant_id, link_token) for i in lines},
    } for cid, lines in sorted(by_company.items())]
    alert.unsubscribe_url = unsubscribe_url(subscription) if subscription is not None else None
    with force_locale(alert.language):
        context = {"sections": sections, "audience": alert.audience.value, "unsubscribe_url": alert.unsubscribe_url,
                   "settings_url": external_url("coach.profile") if coach_page else None,
                   "today": alert.local_day, "language": alert.language}
        alert.body_text = render_template("email/grant_alert.txt", **context)
        alert.body_html = render_template("email/grant_alert.html", **context)


def _plain(value):
    return value if isinstance(value, (str, int, float, bool, list, type(None))) else str(value)


def _message_id(alert: GrantAlert) -> str:
    host = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "http://bussola.localhost").hostname
    return f"<grant-alert-{alert.id}@{host or 'bussola.localhost'}>"


def _still_subscribed(company_id: int | None) -> bool:
    subscription = db.session.execute(
        db.select(AlertSubscription).filter_by(company_id=company_id)).scalar_one_or_none()
    return subscription is not None and subscription.is_active and subscription.company.erased_at is None


def due_alerts(now: datetime) -> list[GrantAlert]:
    return list(db.session.execute(
        db.select(GrantAlert)
        .where(GrantAlert.status.in_((AlertStatus.pending, AlertStatus.failed)),
               GrantAlert.attempts < MAX_ATTEMPTS,
               (GrantAlert.next_attempt_at.is_(None)) | (GrantAlert.next_attempt_at <= now))
        .order_by(GrantAlert.id)).scalars())


def send_pending(*, now: datetime | None = None) -> tuple[int, int]:
    """Send every stored mail that is due; returns (sent, failed). Commits each mail's state as it goes: what
    was handed to the server must be marked even if the next one crashes the run."""
    now = now or utcnow()
    sent = failed = 0
    for alert in due_alerts(now):
        if alert.audience == AlertAudience.owner and not _still_subscribed(alert.company_id):
            # Withdrawn between the round and the sending: the owner said no, nothing goes.
            alert.status, alert.last_error, alert.attempts = AlertStatus.failed, "subscription withdrawn", MAX_ATTEMPTS
            db.session.commit()
            continue
        alert.attempts += 1
        alert.next_attempt_at = now + BACKOFF[min(alert.attempts - 1, len(BACKOFF) - 1)]
        if not alert.body_text:
            render_alert(alert)
        db.session.commit()  # claimed: another run skips it until the next attempt is due
        headers = {"Message-ID": _message_id(alert)}
        if alert.unsubscribe_url:
            headers["List-Unsubscribe"] = f"<{alert.unsubscribe_url}/one-click>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        error = deliver(alert.to_address, alert.subject, alert.body_text, html=alert.body_html, headers=headers)
        if error is None:
            alert.status, alert.sent_at, alert.last_error, alert.next_attempt_at = (AlertStatus.sent, utcnow(),
                                                                                     None, None)
            sent += 1
        else:  # kept for admins and the CSV without the address a server may echo back
            alert.status, alert.last_error = AlertStatus.failed, _ADDRESS.sub("<address>", error)
            failed += 1
        db.session.commit()
    return sent, failed


def run_round(*, now: datetime | None = None, trigger: str = "daily", dry_run: bool = False) -> RoundReport:
    """One round: compute and store (committed), then send what is due. The caller's session is committed."""
    report = compute_round(now=now, trigger=trigger, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
        return report
    db.session.commit()
    sent, failed = send_pending(now=now)
    if report.round_id is not None:
        row = db.session.get(AlertRound, report.round_id)
        row.sent, row.failed = sent, failed
        db.session.commit()
    return RoundReport(report.round_id, report.local_day, report.companies, report.alerts, report.items,
                       report.previews, sent, failed)
