"""What programme managers see of grant alerts: subscribers, mails per week, the last round, the failed mails
with their reason, and the CSV export of the mails."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func

from ..extensions import db
from ..models import AlertRound, AlertStatus, AlertSubscription, Company, GrantAlert, GrantAlertItem
from .exports import Table

RECENT_WEEKS = 8


@dataclass(frozen=True)
class WeekLine:
    monday: date
    sent: int
    failed: int
    pending: int


@dataclass(frozen=True)
class AlertOverview:
    confirmed: int
    waiting: int
    withdrawn: int
    weeks: list[WeekLine]
    last_round: AlertRound | None
    failed: list[GrantAlert]


def alert_overview(today: date) -> AlertOverview:
    """A fixed number of queries, whatever the number of subscriptions and mails."""
    live = db.select(AlertSubscription).join(Company).where(Company.erased_at.is_(None)).subquery()
    confirmed, waiting, withdrawn = db.session.execute(db.select(
        func.count().filter(live.c.confirmed_at.is_not(None), live.c.withdrawn_at.is_(None)),
        func.count().filter(live.c.confirmed_at.is_(None), live.c.withdrawn_at.is_(None)),
        func.count().filter(live.c.withdrawn_at.is_not(None)))).one()
    first_monday = today - timedelta(days=today.weekday(), weeks=RECENT_WEEKS - 1)
    counts: Counter = Counter()
    for day, status, n in db.session.execute(
        db.select(GrantAlert.local_day, GrantAlert.status, func.count())
        .where(GrantAlert.local_day >= first_monday).group_by(GrantAlert.local_day, GrantAlert.status)):
        counts[day - timedelta(days=day.weekday()), status] += n
    weeks = [WeekLine(monday, counts[monday, AlertStatus.sent], counts[monday, AlertStatus.failed],
                      counts[monday, AlertStatus.pending])
             for monday in (first_monday + timedelta(weeks=i) for i in range(RECENT_WEEKS - 1, -1, -1))]
    last_round = db.session.execute(
        db.select(AlertRound).order_by(AlertRound.started_at.desc(), AlertRound.id.desc()).limit(1)).scalar()
    failed = list(db.session.execute(
        db.select(GrantAlert).where(GrantAlert.status == AlertStatus.failed)
        .order_by(GrantAlert.created_at.desc()).limit(200)).scalars())
    return AlertOverview(confirmed, waiting, withdrawn, weeks, last_round, failed)


def alerts_table() -> Table:
    """Every mail stored, one row each: no address or text (the recipient's key says who), so no personal data
    and no audit entry."""
    items = (db.select(GrantAlertItem.alert_id, func.count().label("n"))
             .group_by(GrantAlertItem.alert_id).subquery())
    query = (db.select(GrantAlert.id, GrantAlert.local_day, GrantAlert.audience, GrantAlert.recipient_key,
                       GrantAlert.status, GrantAlert.attempts, GrantAlert.created_at, GrantAlert.sent_at,
                       GrantAlert.last_error, func.coalesce(items.c.n, 0))
             .outerjoin(items, items.c.alert_id == GrantAlert.id).order_by(GrantAlert.id))

    def rows() -> Iterator[list]:
        for row in db.session.execute(query.execution_options(yield_per=1000)):
            yield list(row)

    return Table("grant_alerts", ["id", "day", "audience", "recipient", "status", "attempts", "created_at",
                                  "sent_at", "last_error", "calls"], rows())
