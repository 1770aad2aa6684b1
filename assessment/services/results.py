"""Everything a result shows, gathered once for the page, the PDF report and the coach's company page."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from babel.numbers import format_decimal

from ..domain.questionnaire import Level, Questionnaire
from ..domain.scoring import advice_band, shown_change
from ..extensions import db
from ..models import Assessment
from ..reports.charts import radar_svg
from ..templating import localized
from .assessments import newer_submission, previous_assessment
from .grant_freshness import grants_updated_on
from .peers import PeerGroup, compare_with_peers
from .questionnaires import questionnaire_of


@dataclass(frozen=True)
class DimensionLine:
    key: str
    title: str
    score: float
    level: Level
    previous: float | None
    advice: str

    @property
    def change(self) -> float | None:
        return None if self.previous is None else shown_change(self.score, self.previous)


@dataclass
class ResultView:
    assessment: Assessment
    questionnaire: Questionnaire
    level: Level
    dimensions: list[DimensionLine]
    weakest: list[DimensionLine]
    previous: Assessment | None
    peers: list[PeerGroup]
    radar: str
    recommendations: dict = field(default_factory=dict)
    newer_submitted_at: datetime | None = None  # the company assessed again since: recommendations live there
    first: Assessment | None = None  # the company's first submission, when older than the previous one
    grants_updated_on: date | None = None  # "Bandi aggiornati al …" above the recommended grants

    @property
    def overall_change(self) -> float | None:
        if self.previous is None:
            return None
        return shown_change(self.assessment.overall_score, self.previous.overall_score)

    @property
    def all_strong(self) -> bool:
        """Even the weakest area has the advice for high scores: "weakest" would read oddly above them."""
        return bool(self.weakest) and advice_band(self.weakest[0].score) == "high"

    @property
    def change_since_first(self) -> float | None:
        if self.first is None:
            return None
        return shown_change(self.assessment.overall_score, self.first.overall_score)


def build_result(assessment: Assessment, lang: str, *, show_previous: bool = True) -> ResultView:
    from .recommendations import stored_recommendations

    questionnaire = questionnaire_of(assessment.questionnaire_version)
    levels = {level.key: level for level in questionnaire.levels}
    previous = previous_assessment(assessment) if show_previous else None
    before = previous.dimension_score_map() if previous else {}
    lines = []
    for stored in assessment.dimension_scores:
        dimension = questionnaire.dimension(stored.dimension_key)
        lines.append(DimensionLine(
            key=stored.dimension_key, title=localized(dimension.title, lang), score=stored.score,
            level=levels[stored.level_key], previous=before.get(stored.dimension_key),
            advice=localized(dimension.advice[advice_band(stored.score)], lang),
        ))
    weakest = sorted(lines, key=lambda line: (line.score, line.key))[:3]
    def number(value: float) -> str:
        return format_decimal(round(value, 1), format="#,##0.0", locale=lang)

    radar = radar_svg(
        [line.title for line in lines], [line.score for line in lines],
        title=("Punteggi per area" if lang == "it" else "Scores by area"),
        description="; ".join(
            f"{line.title}: {number(line.score)}" + (
                "" if line.previous is None else (f" (prima {number(line.previous)})" if lang == "it"
                                                  else f" (before {number(line.previous)})"))
            for line in lines),
        previous=[before[line.key] for line in lines] if before else None, number=number,
    )
    return ResultView(
        assessment=assessment, questionnaire=questionnaire, level=levels[assessment.level_key],
        dimensions=lines, weakest=weakest, previous=previous, peers=compare_with_peers(assessment),
        radar=radar, recommendations=stored_recommendations(assessment),
        newer_submitted_at=newer_submission(assessment),
        first=_first_if_older(assessment, previous), grants_updated_on=grants_updated_on(db.session),
    )


def _first_if_older(assessment: Assessment, previous: Assessment | None) -> Assessment | None:
    """The proof of a longer way: the first assessment, when it is not the previous one already shown."""
    if previous is None:
        return None
    first = previous_assessment(assessment, first=True)
    return first if first is not None and first.id != previous.id else None
