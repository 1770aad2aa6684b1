"""Deadline calendars: a company's secret feed of its matched open calls, and one call's deadline as a file.

Each deadline is an all-day event on the closing day (a day of the programme's calendar) with an alarm 7 days
before. The feed's address is derived from the row's secret (never stored); renewing replaces the secret."""
from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

from icalendar import Alarm, Calendar, Event
from sqlalchemy.orm import joinedload

from ..clock import local_today
from ..extensions import db
from ..models import CalendarFeed, Company, Grant, Match, MatchKind, utcnow
from ..urls import external_url
from .alert_subscriptions import derived_token
from .audit import record
from .passwords import token_hash

ALARM_BEFORE = timedelta(days=7)


def feed_of(company: Company, *, create: bool = True) -> CalendarFeed | None:
    feed = db.session.get(CalendarFeed, company.id)
    if feed is None and create and company.erased_at is None:
        feed = CalendarFeed(company_id=company.id)
        _new_secret(feed)
        db.session.add(feed)
        db.session.flush()
    return feed


def ensure_feed(company: Company) -> bool:
    """Give the company its secret calendar address if it has none yet; True when one was made (the caller
    commits). Made with each submission, so that reading a result page writes nothing."""
    if company.erased_at is not None or db.session.get(CalendarFeed, company.id) is not None:
        return False
    feed_of(company)
    return True


def _new_secret(feed: CalendarFeed) -> None:
    feed.secret = secrets.token_hex(32)
    feed.token_hash = token_hash(derived_token("calendar", feed.secret))
    feed.created_at = utcnow()


def renew(company: Company) -> CalendarFeed:
    """A new secret address; the old one answers 404 from now on."""
    feed = feed_of(company)
    _new_secret(feed)
    record("calendar_renewed", company.id)
    db.session.flush()
    return feed


def feed_token(feed: CalendarFeed) -> str:
    return derived_token("calendar", feed.secret)


def feed_urls(feed: CalendarFeed) -> tuple[str, str]:
    """(https address, webcal:// address) of the feed."""
    url = external_url("public.calendar_feed", token=feed_token(feed))
    return url, "webcal://" + url.split("://", 1)[1]


def company_by_feed_token(token: str | None) -> Company | None:
    if not token or len(token) > 100:
        return None
    feed = db.session.execute(
        db.select(CalendarFeed).filter_by(token_hash=token_hash(token)).options(joinedload(CalendarFeed.company))
    ).scalar_one_or_none()
    return None if feed is None or feed.company.erased_at is not None else feed.company


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Bussola Digitale//Scadenze dei bandi//IT")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def _event(grant: Grant, language: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"grant-{grant.id}-deadline-{grant.closes_on:%Y%m%d}@bussola-digitale")
    event.add("dtstamp", stamp)
    event.add("dtstart", grant.closes_on)
    event.add("dtend", grant.closes_on + timedelta(days=1))
    title = grant.title if len(grant.title) <= 200 else grant.title[:199] + "…"
    event.add("summary", (f"Scadenza: {title}" if language == "it" else f"Deadline: {title}"))
    url = external_url("public.grant_detail", grant_id=grant.id)
    event.add("url", url)
    event.add("description", (f"Ultimo giorno per presentare la domanda. {url}" if language == "it"
                              else f"Last day to apply. {url}"))
    event.add("transp", "TRANSPARENT")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -ALARM_BEFORE)
    alarm.add("description", event["summary"])
    event.add_component(alarm)
    return event


def matched_open_grants(company: Company, today: date) -> list[Grant]:
    """The calls the company's result lists (its stored recommendations), open with a closing day, soonest
    first."""
    return list(db.session.execute(
        db.select(Grant)
        .where(Grant.id.in_(db.select(Match.grant_id).where(Match.company_id == company.id,
                                                            Match.kind == MatchKind.grant)),
               Grant.is_active.is_(True), Grant.withdrawn_at.is_(None), Grant.closes_on.is_not(None),
               Grant.closes_on >= today)
        .order_by(Grant.closes_on, Grant.id)).scalars())


def company_feed(company: Company, today: date | None = None) -> bytes:
    language = company.language if company.language in ("it", "en") else "it"
    calendar = _calendar("Bussola Digitale: scadenze dei bandi" if language == "it"
                         else "Bussola Digitale: grant deadlines")
    stamp = datetime.now(UTC)
    for grant in matched_open_grants(company, today or local_today()):
        calendar.add_component(_event(grant, language, stamp))
    return calendar.to_ical()


def grant_event(grant: Grant, language: str) -> bytes:
    calendar = _calendar("Bussola Digitale")
    calendar.add_component(_event(grant, language, datetime.now(UTC)))
    return calendar.to_ical()
