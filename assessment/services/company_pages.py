"""What a coach or an admin sees of one company, gathered in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import selectinload

from ..domain.scoring import shown_change
from ..extensions import db
from ..models import (
    Assessment,
    AssessmentStatus,
    Company,
    Enrolment,
    Note,
    Track,
)
from ..templating import localized
from .assessments import open_draft_of
from .coaching import company_enrolments, company_notes, seats_taken
from .questionnaires import questionnaire_of
from .results import ResultView, build_result


@dataclass(frozen=True)
class AnswerLine:
    dimension: str
    question: str
    answer: str


@dataclass(frozen=True)
class HistoryLine:
    assessment: Assessment
    changes: dict[str, float | None]  # dimension key → change since the previous submission


@dataclass
class CompanyPage:
    company: Company
    latest: Assessment | None
    result: ResultView | None
    answers: list[AnswerLine]
    history: list[HistoryLine]
    dimension_titles: dict[str, str]
    notes: list[Note]
    enrolments: list[Enrolment]
    active_tracks: list[Track]  # with free seats, soonest first
    free_seats: dict[int, int]
    open_draft: Assessment | None = None  # a new assessment started for this company and not yet sent


def company_page_data(company: Company, lang: str) -> CompanyPage:
    submitted = list(db.session.execute(
        db.select(Assessment)
        .where(Assessment.company_id == company.id, Assessment.status == AssessmentStatus.submitted)
        .options(selectinload(Assessment.dimension_scores), selectinload(Assessment.answers),
                 selectinload(Assessment.questionnaire_version))
        .order_by(Assessment.submitted_at)
    ).scalars())
    latest = submitted[-1] if submitted else None
    result = build_result(latest, lang) if latest else None
    answers: list[AnswerLine] = []
    titles: dict[str, str] = {}
    if latest:
        questionnaire = questionnaire_of(latest.questionnaire_version)
        titles = {d.key: localized(d.title, lang) for d in questionnaire.dimensions}
        chosen = {a.question_key: a.option_keys for a in latest.answers}
        for dimension in questionnaire.dimensions:
            for question in dimension.questions:
                if question.key in chosen:
                    labels = [localized(question.option(k).label, lang) for k in chosen[question.key]]
                    answers.append(AnswerLine(titles[dimension.key], localized(question.text, lang),
                                              ", ".join(labels)))
    history = []
    previous: dict[str, float] = {}
    for assessment in submitted:
        scores = assessment.dimension_score_map()
        history.append(HistoryLine(assessment, {k: shown_change(v, previous[k]) if k in previous else None
                                                for k, v in scores.items()}))
        previous = scores
    tracks = list(db.session.execute(
        db.select(Track).filter_by(is_active=True).order_by(Track.starts_on.is_(None), Track.starts_on, Track.code)
    ).scalars())
    taken = seats_taken([t.id for t in tracks])
    free = {t.id: t.seats_per_cohort - taken.get(t.id, 0) for t in tracks}
    return CompanyPage(company=company, latest=latest, result=result, answers=answers,
                       history=list(reversed(history)), dimension_titles=titles,
                       notes=company_notes(company), enrolments=company_enrolments(company),
                       active_tracks=[t for t in tracks if free[t.id] > 0], free_seats=free,
                       open_draft=open_draft_of(company))
