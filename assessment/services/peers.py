"""Peer comparison: where a company stands among the latest submissions of similar companies."""
from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from sqlalchemy import func

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
    latest = latest_submissions()
    rows = db.session.execute(
        db.select(Assessment.overall_score, Company.size_class, Company.ateco_section, Comune.province_code)
        .join(latest, (latest.c.company_id == Assessment.company_id) & (latest.c.at == Assessment.submitted_at))
        .join(Company, Company.id == Assessment.company_id)
        .join(Comune, Comune.istat_code == Company.comune_istat)
        .where(Assessment.company_id != company.id, Company.erased_at.is_(None))
        .where((Company.size_class == company.size_class) | (Company.ateco_section == company.ateco_section)
               | (Comune.province_code == company.comune.province_code))
    ).all()
    groups = (
        ("size_class", company.size_class.value, lambda r: r.size_class == company.size_class),
        ("ateco_section", company.ateco_section, lambda r: r.ateco_section == company.ateco_section),
        ("province", company.comune.province_code, lambda r: r.province_code == company.comune.province_code),
    )
    result = []
    for kind, value, belongs in groups:
        scores = [r.overall_score for r in rows if belongs(r)]
        if len(scores) < MIN_PEERS:
            result.append(PeerGroup(kind, value, len(scores), None, None))
            continue
        below = sum(1 for s in scores if s < assessment.overall_score)
        ties = sum(1 for s in scores if s == assessment.overall_score)
        result.append(PeerGroup(kind, value, len(scores), median(scores),
                                100.0 * (below + 0.5 * ties) / len(scores)))
    return result
