"""Peer comparison: where a company stands among the latest submissions of similar companies."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Float, bindparam, case, func, literal, or_, union_all

from ..extensions import db
from ..models import Assessment, AssessmentStatus, Company, Comune

MIN_PEERS = 5  # smaller groups are never shown: too few to compare, and too easy to re-identify


@dataclass(frozen=True)
class PeerGroup:
    kind: str  # size_class | ateco_section | province
    value: str
    count: int
    median: float | None
    percentile: float | None

    @property
    def is_shown(self) -> bool:
        return self.count >= MIN_PEERS


def latest_submissions():
    """Subquery: each company's latest submitted assessment id."""
    latest = (
        db.select(Assessment.company_id, func.max(Assessment.submitted_at).label("at"))
        .where(Assessment.status == AssessmentStatus.submitted)
        .group_by(Assessment.company_id).subquery()
    )
    return latest


KINDS = ("size_class", "ateco_section", "province")


@cache
def _peer_summaries():
    """One statement for every result page, built once: the company's values are bound parameters, so each page
    pays neither for building the statement nor for its cache key (most of this query's cost on a small table).

    Which groups each peer belongs to is decided once, as 0/1 columns; then each group's scores are ranked and
    reduced in SQL, so a territory's thousands of peers come back as one row per group."""
    latest = latest_submissions()
    memberships = {
        "size_class": Company.size_class == bindparam("size_class"),
        "ateco_section": Company.ateco_section == bindparam("ateco_section"),
        "province": Company.comune_istat.in_(
            db.select(Comune.istat_code).where(Comune.province_code == bindparam("province"))),
    }
    peers = (
        db.select(Assessment.overall_score.label("score"),
                  *(case((condition, 1), else_=0).label(f"in_{kind}") for kind, condition in memberships.items()))
        .join(latest, (latest.c.company_id == Assessment.company_id) & (latest.c.at == Assessment.submitted_at))
        .join(Company, Company.id == Assessment.company_id)
        .where(Assessment.company_id != bindparam("company_id"), Company.erased_at.is_(None))
        .where(or_(*memberships.values()))
    ).cte("peers")
    mine = bindparam("mine", type_=Float)

    def summary(kind: str):
        ranked = (
            db.select(peers.c.score, func.row_number().over(order_by=peers.c.score).label("position"),
                      func.count().over().label("size"))
            .where(peers.c[f"in_{kind}"] == 1)
        ).subquery()
        # The median is the middle score, or the mean of the two middle ones: positions (n+1)//2 and n//2+1.
        middle = or_(ranked.c.position == (ranked.c.size + 1) // 2, ranked.c.position == ranked.c.size // 2 + 1)
        return db.select(literal(kind), func.max(ranked.c.size), func.sum(case((ranked.c.score < mine, 1), else_=0)),
                         func.sum(case((ranked.c.score == mine, 1), else_=0)), func.avg(case((middle, ranked.c.score))))

    return union_all(*(summary(kind) for kind in KINDS))


def compare_with_peers(assessment: Assessment) -> list[PeerGroup]:
    company = assessment.company
    values = {"size_class": company.size_class.value, "ateco_section": company.ateco_section,
              "province": company.comune.province_code}
    rows = db.session.execute(_peer_summaries(), {
        "size_class": company.size_class, "ateco_section": company.ateco_section,
        "province": values["province"], "company_id": company.id, "mine": assessment.overall_score}).all()
    found = {kind: (int(size), int(below), int(ties), float(middle_score))
             for kind, size, below, ties, middle_score in rows if size}
    result = []
    for kind in KINDS:
        count, below, ties, median = found.get(kind, (0, 0, 0, 0.0))
        if count < MIN_PEERS:
            result.append(PeerGroup(kind, values[kind], count, None, None))
        else:
            result.append(PeerGroup(kind, values[kind], count, median, 100.0 * (below + 0.5 * ties) / count))
    return result
