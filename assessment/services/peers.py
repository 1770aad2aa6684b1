"""Peer comparison: where a company stands among the latest submissions of similar companies."""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from statistics import median

from sqlalchemy import case, func, or_

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


def compare_with_peers(assessment: Assessment) -> list[PeerGroup]:
    company = assessment.company
    province = company.comune.province_code
    latest = latest_submissions()
    # Which groups each peer belongs to is decided in SQL, as 0/1 columns: a territory's thousands of rows
    # come back as plain numbers (no enum to convert, no join per row for the province).
    memberships = (
        ("size_class", company.size_class.value, Company.size_class == company.size_class),
        ("ateco_section", company.ateco_section, Company.ateco_section == company.ateco_section),
        ("province", province,
         Company.comune_istat.in_(db.select(Comune.istat_code).where(Comune.province_code == province))),
    )
    rows = db.session.execute(
        db.select(Assessment.overall_score, *(case((condition, 1), else_=0) for _, _, condition in memberships))
        .join(latest, (latest.c.company_id == Assessment.company_id) & (latest.c.at == Assessment.submitted_at))
        .join(Company, Company.id == Assessment.company_id)
        .where(Assessment.company_id != company.id, Company.erased_at.is_(None))
        .where(or_(*(condition for _, _, condition in memberships)))
    ).all()
    mine = assessment.overall_score
    result = []
    for column, (kind, value, _) in enumerate(memberships, start=1):
        scores = sorted(row[0] for row in rows if row[column])
        if len(scores) < MIN_PEERS:
            result.append(PeerGroup(kind, value, len(scores), None, None))
            continue
        below = bisect_left(scores, mine)
        ties = bisect_right(scores, mine) - below
        result.append(PeerGroup(kind, value, len(scores), median(scores),
                                100.0 * (below + 0.5 * ties) / len(scores)))
    return result
