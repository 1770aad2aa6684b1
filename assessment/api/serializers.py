"""JSON shapes of the API, in one place so every endpoint answers alike."""
from __future__ import annotations

from ..domain.eligibility import ELIGIBLE, NOT_ELIGIBLE, TO_CHECK, Eligibility
from ..models import Assessment, Company, Match, Track
from ..services.api_catalogue import GrantLine
from ..services.api_companies import CompanyMatches, Statistics
from ..services.dashboard import MIN_GROUP
from ..urls import external_url

# Domain keys -> the words the API uses (schemas.ELIGIBILITY_STATUSES), and back for the status filter.
API_ELIGIBILITY = {ELIGIBLE: "eligible", TO_CHECK: "to check", NOT_ELIGIBLE: "not eligible"}
DOMAIN_ELIGIBILITY = {word: key for key, word in API_ELIGIBILITY.items()}


def assessment_json(assessment: Assessment, token: str | None) -> dict:
    body = {
        "id": assessment.id,
        "questionnaire": assessment.questionnaire_version.key,
        "questionnaire_version": assessment.questionnaire_version.version,
        "submitted_at": assessment.submitted_at.isoformat() + "Z" if assessment.submitted_at else None,
        "overall": assessment.overall_score,
        "level": assessment.level_key,
        "dimensions": {d.dimension_key: d.score for d in assessment.dimension_scores},
    }
    if token:
        body["token"] = token
        body["result_url"] = external_url("public.result", token=token)
    return body


def _explanation(match: Match, lang: str) -> str:
    return match.explanation.get(lang) or match.explanation.get("it", "")


def recommendations_json(recommendations: dict[str, list[Match]], lang: str = "it") -> dict:
    return {
        "tracks": [
            {"id": m.track_id, "code": m.track.code, "title": m.track.title_it if lang == "it" else m.track.title_en,
             "score": m.score, "rank": m.rank, "explanation": _explanation(m, lang),
             "explanation_en": m.explanation.get("en", ""), "model_version": m.model_version}
            for m in recommendations["tracks"]
        ],
        "grants": [
            {"id": m.grant_id, "title": m.grant.title, "score": m.score, "rank": m.rank,
             "explanation": _explanation(m, lang), "explanation_en": m.explanation.get("en", ""),
             "source": m.grant.source, "external_id": m.grant.external_id,
             "closes_on": m.grant.closes_on.isoformat() if m.grant.closes_on else None,
             "eligibility": API_ELIGIBILITY[m.eligibility or "eligible"],
             "aid_min_eur": m.grant.aid_min_eur, "aid_max_eur": m.grant.aid_max_eur,
             "aid_forms": m.grant.aid_forms, "link": m.grant.link, "model_version": m.model_version}
            for m in recommendations["grants"]
        ],
    }


def page_json(items: list[dict], page: int, per_page: int, total: int, **extra) -> dict:
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": (total + per_page - 1) // per_page, **extra}


def _day(value) -> str | None:
    return value.isoformat() if value else None


def _instant(value) -> str | None:
    """A stored instant (naive UTC) as ISO 8601 with its zone."""
    return value.isoformat() + "Z" if value else None


def grant_sync_json(sync) -> dict:
    return {"id": sync.id, "source_url": sync.source_url, "is_dry_run": sync.is_dry_run,
            "outcome": sync.outcome.value, "started_at": _instant(sync.started_at),
            "finished_at": _instant(sync.finished_at), "pages": sync.pages, "found": sync.found, "seen": sync.seen,
            "new": sync.new, "amended": sync.amended, "withdrawn": sync.withdrawn, "reappeared": sync.reappeared,
            "rejected": sync.rejected,
            "rejections": [{"external_id": key, "reason": reason} for key, reason in sync.rejections or ()],
            "error": sync.error}


def track_json(track: Track, free_seats: int) -> dict:
    area = track.thematic_area
    return {
        "id": track.id, "code": track.code, "title_it": track.title_it, "title_en": track.title_en,
        "description_it": track.description_it or "", "description_en": track.description_en or "",
        "thematic_area": {"key": area.key, "name_it": area.name_it, "name_en": area.name_en},
        "dimensions": dict(track.dimension_weights or {}), "level_from": track.level_from,
        "level_to": track.level_to, "ateco_sections": list(track.ateco_sections or ()),
        "format": track.format.value, "hours": track.hours, "seats": track.seats_per_cohort,
        "free_seats": free_seats, "starts_on": _day(track.starts_on), "place": track.place,
        "is_online": track.is_online, "provider": track.provider or "",
    }


def eligibility_json(eligibility: Eligibility) -> dict:
    return {"status": API_ELIGIBILITY[eligibility.status],
            "reasons": [{"code": r.code, "it": r.it, "en": r.en} for r in eligibility.reasons]}


_GRANT_LISTS = ("purposes", "sizes", "subject_types", "aid_forms", "eligible_costs", "sectors", "ateco_codes",
                "regions", "comuni_istat", "territorial_scope")
_GRANT_VALUES = ("id", "source", "external_id", "title", "opening_notes", "is_all_sectors", "spend_min_eur",
                 "spend_max_eur", "aid_min_eur", "aid_max_eur", "granting_body", "budget_eur", "link")


def grant_json(line: GrantLine) -> dict:
    grant = line.grant
    body = {name: getattr(grant, name) for name in _GRANT_VALUES}
    body.update({name: list(getattr(grant, name) or ()) for name in _GRANT_LISTS})
    body.update(description=grant.description or "", opens_on=_day(grant.opens_on),
                closes_on=_day(grant.closes_on), dimensions=grant.funded_dimensions, is_open=line.is_open,
                status=line.status, first_seen_at=_instant(grant.first_seen_at),
                last_seen_at=_instant(line.last_seen_at or grant.last_seen_at),
                last_changed_at=_instant(grant.last_changed_at), withdrawn_at=_instant(grant.withdrawn_at))
    if line.eligibility is not None:
        body["eligibility"] = eligibility_json(line.eligibility)
    return body


def company_json(company: Company, latest: Assessment | None) -> dict:
    comune = company.comune
    return {
        "id": company.id, "name": company.name, "vat_number": company.vat_number, "email": company.email,
        "ateco_code": company.ateco_code, "ateco_section": company.ateco_section,
        "comune": {"istat_code": comune.istat_code, "name": comune.name, "province_code": comune.province_code,
                   "region_name": comune.region_name},
        "employees": company.employees, "annual_turnover_eur": company.annual_turnover_eur,
        "size_class": company.size_class.value, "themes": list(company.themes or ()),
        "language": company.language, "created_at": company.created_at.isoformat() + "Z",
        "assessments": sum(1 for a in company.assessments if a.is_submitted),
        "latest_assessment": assessment_json(latest, None) if latest else None,
    }


def matches_json(matches: CompanyMatches, lang: str = "it") -> dict:
    return {"company_id": matches.company.id,
            "assessment_id": matches.assessment.id if matches.assessment else None,
            **recommendations_json(matches.recommendations, lang)}


def statistics_json(figures: Statistics) -> dict:
    return {"min_group": MIN_GROUP, "submitted_assessments": figures.submitted_assessments,
            "companies": figures.companies, "overall": figures.overall, "levels": figures.levels,
            "dimensions": figures.dimensions}
