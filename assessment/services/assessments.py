"""The owner's assessment: start a draft, save sections, submit (idempotently), find by secret token."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, insert
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..domain.errors import InvalidAnswers
from ..domain.scoring import parse_answers, score_assessment
from ..extensions import db
from ..models import (
    Answer,
    Assessment,
    AssessmentStatus,
    Company,
    Consent,
    ConsentKind,
    DimensionScore,
    SizeClass,
    ThematicArea,
    utcnow,
)
from .calendars import ensure_feed
from .coaching import withdraw_active_assignments
from .passwords import new_token, token_hash, token_matches
from .profiles import (
    PRIVACY_NOTICE_VERSION,
    Profile,
    ProfileInvalid,
    turnover_class,
    validate_profile,
)
from .questionnaires import latest_version, questionnaire_of

log = logging.getLogger(__name__)
DEFAULT_QUESTIONNAIRE = "dma-sme"
CLAIM_HOURS = 48  # how long the link that joins a draft to its company stays valid


class SubmissionInvalid(Exception):
    """The draft cannot be submitted yet: profile errors by field, answer errors by question key."""

    def __init__(self, profile_errors: dict[str, str], answer_errors: dict[str, str]) -> None:
        super().__init__("submission invalid")
        self.profile_errors = profile_errors
        self.answer_errors = answer_errors


class UnknownQuestionnaire(Exception):
    pass


def start_draft(questionnaire_key: str = DEFAULT_QUESTIONNAIRE, language: str = "it",
                company: Company | None = None) -> tuple[Assessment, str]:
    """A new draft and its secret token; a re-assessment starts from the company's last profile."""
    version = latest_version(questionnaire_key)
    # A person's questionnaire (the participants' skills self-check) is never a company assessment.
    if version is None or questionnaire_of(version).audience != "company":
        raise UnknownQuestionnaire(questionnaire_key)
    token = new_token()
    draft = Assessment(questionnaire_version=version, token_hash=token_hash(token), language=language,
                       draft_profile=profile_of_company(company) if company else {}, draft_answers={},
                       expires_at=_kept_until(), company=company)
    db.session.add(draft)
    db.session.flush()
    return draft, token


def _kept_until() -> datetime:
    """A draft is kept DRAFT_RETENTION_DAYS after its last change (as the privacy notice says)."""
    return utcnow() + timedelta(days=current_app.config["DRAFT_RETENTION_DAYS"])


def open_draft_of(company: Company) -> Assessment | None:
    """The company's newest assessment started and not yet sent, while it is kept."""
    return db.session.execute(
        db.select(Assessment).where(Assessment.company_id == company.id, Assessment.status == AssessmentStatus.draft,
                                    Assessment.expires_at > utcnow())
        .order_by(Assessment.created_at.desc()).limit(1)
    ).scalar_one_or_none()


def new_link(assessment: Assessment) -> str:
    """A new secret link for an assessment (returned); the previous one stops working. A draft's answers are
    kept, and it is kept DRAFT_RETENTION_DAYS from now."""
    token = new_token()
    assessment.token_hash = token_hash(token)
    if not assessment.is_submitted:
        assessment.expires_at = _kept_until()
    db.session.flush()
    return token


@dataclass(frozen=True)
class OwnerLink:
    result: str  # the latest result's new link
    draft: str | None  # the new link of an assessment begun and not sent, if there is one
    mailed: bool


def send_owner_link(company: Company, email: str | None) -> OwnerLink | None:
    """For the programme managers' helpdesk: new links to the company's latest result and to its open draft, if
    any, mailed to `email` (which becomes the company's address) or only returned without one, to be handed
    over; every older link of the company stops working. None with no result yet or after erasure."""
    from ..urls import external_url
    from .audit import record
    from .mail import send_mail

    submitted = [a for a in company.assessments if a.is_submitted]
    if not submitted or company.erased_at is not None:
        return None
    latest = max(submitted, key=lambda a: (a.submitted_at, a.id))
    if email and email.lower() != (company.email or ""):
        company.email = email.lower()
        record("email_changed", company.id)
    draft = open_draft_of(company)
    # A lost link may be a leaked one: every link of the company stops working, not only the latest's; the
    # result and the assessment begun get new ones, so that no answer typed is stranded.
    for assessment in company.assessments:
        if assessment is not latest and assessment is not draft:
            assessment.token_hash = token_hash(new_token())
    link = external_url("public.result", token=new_link(latest))
    draft_link = external_url("public.resume", token=new_link(draft)) if draft is not None else None
    with force_locale(company.language):
        subject = _("Bussola Digitale: il nuovo link al tuo risultato")
        body = _("Buongiorno,\n\necco il nuovo link personale al risultato della valutazione di %(name)s, con il "
                 "rapporto PDF e i tuoi dati:\n\n%(link)s\n\nIl link precedente non funziona più. Non condividere "
                 "questo link: chi lo ha vede le risposte.\n", name=company.name, link=link)
        if draft_link:
            body += _("\nLa nuova valutazione che hai iniziato, con le risposte date finora, si riprende da qui:"
                      "\n\n%(link)s\n", link=draft_link)
    mailed = bool(email) and send_mail(company.email, subject, body)
    record("owner_link_issued", company.id, mailed=mailed)
    db.session.flush()
    return OwnerLink(link, draft_link, mailed)


def profile_of_company(company: Company) -> dict[str, Any]:
    return {
        "company_name": company.name or "", "vat_number": company.vat_number or "",
        "ateco_code": company.ateco_code, "comune_istat": company.comune_istat,
        "employees": company.employees, "annual_turnover_eur": turnover_class(company.annual_turnover_eur),
        "email": company.email or "", "themes": list(company.themes or []),
        "coach_contact": company.has_active_consent(ConsentKind.coach_contact),
        # Asked again only when the notice changed since the owner accepted it.
        "privacy_accepted": any(c.kind == ConsentKind.privacy and c.withdrawn_at is None
                                and c.text_version == PRIVACY_NOTICE_VERSION for c in company.consents),
    }


def find_by_token(token: str | None, *, for_update: bool = False) -> Assessment | None:
    """The assessment behind a secret link; expired drafts are gone."""
    if not token or len(token) > 100:
        return None
    # Every page of the flow needs the snapshot's identity: one statement instead of two.
    query = (db.select(Assessment).filter_by(token_hash=token_hash(token))
             .options(joinedload(Assessment.questionnaire_version, innerjoin=True)))
    if for_update:
        query = query.with_for_update(of=Assessment)
    assessment = db.session.execute(query).scalar_one_or_none()
    if assessment is None:
        return None
    if not assessment.is_submitted and assessment.expires_at and assessment.expires_at < utcnow():
        return None
    return assessment


def purge_expired_drafts() -> int:
    """Delete unfinished questionnaires past their retention (DRAFT_RETENTION_DAYS): we keep no more than that."""
    result = db.session.execute(
        db.delete(Assessment).where(Assessment.status == AssessmentStatus.draft, Assessment.expires_at < utcnow())
    )
    db.session.flush()
    return result.rowcount


def save_section(assessment: Assessment, *, profile: Mapping[str, Any] | None = None,
                 answers: Mapping[str, Any] | None = None, dropped: tuple[str, ...] = ()) -> None:
    """Merge what a page sent into the draft; JSON columns are reassigned so the change is seen."""
    if assessment.is_submitted:
        return
    assessment.expires_at = _kept_until()  # from its last change, not its start
    if profile is not None:
        assessment.draft_profile = {**assessment.draft_profile, **profile}
    if answers is not None or dropped:
        merged = {k: v for k, v in assessment.draft_answers.items() if k not in dropped}
        merged.update(answers or {})
        assessment.draft_answers = merged
    assessment.updated_at = utcnow()
    db.session.flush()


def submit(assessment: Assessment) -> Assessment:
    """Validate, score and store; a second call on a submitted assessment changes nothing."""
    if assessment.is_submitted:
        return assessment
    questionnaire = questionnaire_of(assessment.questionnaire_version)
    profile_errors: dict[str, str] = {}
    answer_errors: dict[str, str] = {}
    profile = None
    try:
        # Themes are the programme's thematic areas: nothing else is stored, from the form or the API.
        profile = validate_profile(assessment.draft_profile,
                                   themes_allowed=set(db.session.execute(db.select(ThematicArea.key)).scalars()))
    except ProfileInvalid as error:
        profile_errors = error.errors
    answers = {}
    try:
        answers = parse_answers(questionnaire, assessment.draft_answers)
    except InvalidAnswers as error:
        answer_errors = error.errors
    if profile_errors or answer_errors:
        raise SubmissionInvalid(profile_errors, answer_errors)

    result = score_assessment(questionnaire, answers)
    company = _company_for(profile, assessment.company, assessment.language)
    assessment.company = company
    # A draft has no score rows yet: saying so spares a lazy load (and its autoflush).
    set_committed_value(assessment, "dimension_scores", [])
    assessment.dimension_scores = [
        DimensionScore(dimension_key=d.key, position=i, score=d.score, level_key=d.level.key)
        for i, d in enumerate(result.dimensions)
    ]
    assessment.overall_score = result.overall
    assessment.level_key = result.level.key
    assessment.status = AssessmentStatus.submitted
    assessment.submitted_at = utcnow()
    assessment.expires_at = None
    db.session.flush()
    # Some forty rows nobody reads in this request: one bulk INSERT, without building ORM objects.
    db.session.execute(insert(Answer), [
        {"assessment_id": assessment.id, "question_key": key, "option_keys": list(options),
         "score": result.question_scores[key]}
        for key, options in answers.items()
    ])
    db.session.expire(assessment, ["answers"])
    ensure_feed(company)  # the deadline calendar's secret address, so that the result page only reads
    refresh_recommendations_safely(assessment)
    return assessment


def refresh_recommendations_safely(assessment: Assessment) -> None:
    """A failing recommender never loses a submission: the result page says what is missing."""
    from .recommendations import refresh_for_assessment

    try:
        with db.session.begin_nested():
            refresh_for_assessment(assessment)
        assessment.recommendation_error = None
    except Exception as error:  # noqa: BLE001 - any recommender bug must not block the scores
        log.exception("recommendations failed for assessment %s", assessment.id)
        assessment.recommendation_error = f"{error.__class__.__name__}"[:500]
    db.session.flush()


def _company_for(profile: Profile, linked: Company | None, language: str) -> Company:
    """The company the submission belongs to. A known company is reached only through its own link
    (re-assessment, coach invitation, or the link sent to its registered e-mail): a partita IVA is public, so
    typing one proves nothing, and the result's token opens the company's data, notes and erasure. The one
    exception is a company without assessment (is_adoptable): its first owner takes it on."""
    company = linked
    if company is None:
        company = company_with_vat(profile.vat_number, for_update=True)
        if company is not None and not is_adoptable(company):
            raise SubmissionInvalid({"vat_number": vat_taken_message()}, {})
        if company is not None:
            # The company as its owner knows it starts now: since when its people registered for training is
            # for the programme to know (their registrations say it), not for whoever typed the partita IVA.
            company.created_at = utcnow()
    if company is None:
        company = Company()
        db.session.add(company)
    elif company.vat_number != profile.vat_number:
        clash = db.session.execute(db.select(Company.id).filter_by(vat_number=profile.vat_number)).first()
        if clash:
            raise SubmissionInvalid({"vat_number": vat_taken_message()}, {})
    company.name = profile.company_name
    company.vat_number = profile.vat_number
    company.email = profile.email or company.email  # leaving the field empty does not erase the address
    company.ateco_code = profile.ateco_code
    company.ateco_section = profile.ateco_section
    company.comune_istat = profile.comune_istat
    company.employees = profile.employees
    company.annual_turnover_eur = profile.annual_turnover_eur
    company.size_class = SizeClass(profile.size_class)
    company.themes = list(profile.themes)
    company.language = language
    company.erased_at = None
    _record_consents(company, profile)
    return company


def company_with_vat(vat_number: str | None, *, for_update: bool = False) -> Company | None:
    """The company with this partita IVA; with `for_update`, locked (PostgreSQL) and read afresh, so that of two
    owners taking on a company without assessment at once the second sees the first one's submission."""
    if not vat_number:
        return None
    query = db.select(Company).where(Company.vat_number == vat_number, Company.erased_at.is_(None))
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.execute(query).scalar_one_or_none()


def is_adoptable(company: Company) -> bool:
    """A company without any submitted assessment and without an e-mail (its people registered for training
    before anyone self-assessed it) holds nothing an owner could see: the first owner who self-assesses with its
    partita IVA takes it on. Any other company is reached only through its own link."""
    if company.email:
        return False
    return db.session.execute(db.select(Assessment.id).where(
        Assessment.company_id == company.id, Assessment.status == AssessmentStatus.submitted).limit(1)).first() is None


def vat_taken_message() -> str:
    return _("Questa partita IVA ha già una valutazione: per ripeterla serve il link personale dell'impresa.")


def taken_vat_company(draft: Assessment) -> Company | None:
    """The company that already owns the partita IVA typed in a draft that is not that company's own link (a
    company the draft may take on owns nothing yet)."""
    company = company_with_vat(draft.draft_profile.get("vat_number"))
    return None if company is None or company.id == draft.company_id or is_adoptable(company) else company


def request_company_link(draft: Assessment, company: Company) -> str:
    """Store a one-time secret on the draft that joins it to the company, valid for CLAIM_HOURS; the caller
    mails the link to the company's registered address, so only whoever reads that mailbox can use it."""
    secret = new_token()
    until = utcnow() + timedelta(hours=CLAIM_HOURS)
    draft.draft_profile = {**draft.draft_profile,
                           "_claim": {"hash": token_hash(secret), "company_id": company.id,
                                      "until": until.isoformat()}}
    db.session.flush()
    return secret


def _live_claim(draft: Assessment) -> dict | None:
    """The joining link's record on the draft, while the link can be used."""
    claim = draft.draft_profile.get("_claim")
    if not isinstance(claim, dict) or not claim.get("until"):
        return None
    return claim if datetime.fromisoformat(claim["until"]) >= utcnow() else None


def claim_pending(draft: Assessment) -> bool:
    """A joining link was mailed for this draft, to the company its partita IVA names now, and can still be used."""
    claim = _live_claim(draft)
    company = taken_vat_company(draft) if claim else None
    return company is not None and claim.get("company_id") == company.id


def claim_for(draft_id: int, secret: str) -> tuple[Assessment, Company] | None:
    """The draft and company a link from request_company_link joins, while it is valid."""
    draft = db.session.get(Assessment, draft_id)
    if draft is None or draft.is_submitted or (draft.expires_at and draft.expires_at < utcnow()):
        return None
    claim = _live_claim(draft)
    if claim is None or not token_matches(secret, str(claim.get("hash", ""))):
        return None
    company = db.session.get(Company, claim["company_id"])
    if company is None or company.erased_at is not None:
        return None
    return draft, company


def join_company(draft: Assessment, company: Company) -> str:
    """Link the draft to the company, as a re-assessment link would; the draft gets a new secret link (the
    old one, held by whoever typed the partita IVA, stops working), which is returned."""
    profile = {key: value for key, value in draft.draft_profile.items() if key != "_claim"}
    on_file = profile_of_company(company)
    draft.draft_profile = {
        **profile,
        # Who the company is comes from its record, not from what was typed before its mailbox answered: the
        # registered address proved the company and stays (the owner can change it on the profile page).
        "company_name": on_file["company_name"] or profile.get("company_name", ""),
        "email": on_file["email"] or profile.get("email", ""),
        # Consents on file stay given, as on any re-assessment: a box left unticked in a browser that did
        # not know the company must not end its coaching without the owner seeing it was ever asked.
        "coach_contact": profile.get("coach_contact") is True or on_file["coach_contact"],
        "privacy_accepted": profile.get("privacy_accepted") is True or on_file["privacy_accepted"],
        "_from_link": True,
    }
    draft.company = company
    return new_link(draft)


def _record_consents(company: Company, profile: Profile) -> None:
    _add_consents(company, profile)
    if not profile.coach_contact:
        withdraw_consent(company, ConsentKind.coach_contact)


def _add_consents(company: Company, profile: Profile) -> None:
    now = utcnow()
    if not company.has_active_consent(ConsentKind.privacy):
        company.consents.append(Consent(kind=ConsentKind.privacy, text_version=PRIVACY_NOTICE_VERSION,
                                        given_at=now))
    if profile.coach_contact and not company.has_active_consent(ConsentKind.coach_contact):
        company.consents.append(Consent(kind=ConsentKind.coach_contact, text_version=PRIVACY_NOTICE_VERSION,
                                        given_at=now))


def ask_for_a_coach_again(company: Company) -> None:
    """The owner asks to be followed by a coach again (an accompaniment was completed, or the consent was
    withdrawn): the consent is given anew now, which puts the company back in the assignment queue."""
    now = utcnow()
    for consent in company.consents:
        if consent.kind == ConsentKind.coach_contact and consent.withdrawn_at is None:
            consent.withdrawn_at = now
    company.consents.append(Consent(kind=ConsentKind.coach_contact, text_version=PRIVACY_NOTICE_VERSION,
                                    given_at=now))
    db.session.flush()


def withdraw_consent(company: Company, kind: ConsentKind) -> None:
    """Both consents are what lets coaches see the company: without either, its coaching ends."""
    withdrawn = False
    for consent in company.consents:
        if consent.kind == kind and consent.withdrawn_at is None:
            consent.withdrawn_at = utcnow()
            withdrawn = True
    if withdrawn and company.id is not None:
        withdraw_active_assignments(company.id)


def create_and_submit(questionnaire_key: str, profile: Mapping[str, Any], answers: Mapping[str, Any],
                      language: str = "it") -> tuple[Assessment, str]:
    """The API's one-shot submission: the same validation and scoring as the web wizard."""
    draft, token = start_draft(questionnaire_key, language)
    # Keys starting with "_" are the app's own marks on a draft (e.g. "_from_link"), never input.
    draft.draft_profile = {key: value for key, value in profile.items() if not str(key).startswith("_")}
    draft.draft_answers = dict(answers)
    return submit(draft), token


def previous_assessment(assessment: Assessment, *, first: bool = False) -> Assessment | None:
    """The company's submission before this one, to show the change per dimension; with `first`, its first
    submission, to show the change since the start."""
    if assessment.company_id is None or assessment.submitted_at is None:
        return None
    when = Assessment.submitted_at.asc() if first else Assessment.submitted_at.desc()
    return db.session.execute(
        db.select(Assessment)
        .where(Assessment.company_id == assessment.company_id, Assessment.status == AssessmentStatus.submitted,
               Assessment.submitted_at < assessment.submitted_at)
        .order_by(when).limit(1)
    ).scalar_one_or_none()


def newer_submission(assessment: Assessment) -> datetime | None:
    """When the company last submitted, if after this assessment: its recommendations follow that one."""
    if assessment.company_id is None or assessment.submitted_at is None:
        return None
    return db.session.execute(
        db.select(func.max(Assessment.submitted_at))
        .where(Assessment.company_id == assessment.company_id, Assessment.status == AssessmentStatus.submitted,
               Assessment.submitted_at > assessment.submitted_at)
    ).scalar_one_or_none()
