"""decide_eligibility's status for every company x grant pair at once, for ranking a whole catalogue.

The same rules as domain.eligibility, applied once per distinct value of the facts each rule reads (a size, a
region and comune, a list of ATECO codes) instead of once per pair: with 35,000 companies and ~1,000 open calls
that is thousands of rule calls instead of 35 million. Each rule is called with a real company having that
value, so the outcome is the one decide_eligibility gives (tests/domain/test_eligibility_batch.py checks it).
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import date

import numpy as np

from .eligibility import (
    NOT_MET,
    TO_CHECK,
    CompanyFacts,
    GrantFacts,
    _beneficiary,
    _comune,
    _dates,
    _Finding,
    _region,
    _sector,
    _size,
)
from .matching_space import STATUS_CODES, EligibilityMatrix

_SEVERITY = {TO_CHECK: 1, NOT_MET: 2}  # 0: eligible
_CODE_OF_SEVERITY = np.array([STATUS_CODES["eligible"], STATUS_CODES["to_check"], STATUS_CODES["not_eligible"]],
                             dtype=np.int8)


def _severity(found: _Finding | list[_Finding]) -> int:
    """The worst of one gate's finding (or of several), 0 when every gate is met."""
    findings = found if isinstance(found, list) else [found]
    return max((_SEVERITY[f[0]] for f in findings if f is not None), default=0)


def _territory(company: CompanyFacts, grant: GrantFacts) -> list[_Finding]:
    return [_region(company, grant), _comune(company, grant)]


class _Rule:
    """One rule over the distinct company values it reads; results cached per grant key."""

    def __init__(self, rule: Callable, company_key: Callable[[CompanyFacts], Hashable],
                 grant_key: Callable[[GrantFacts], Hashable], companies: Sequence[CompanyFacts]) -> None:
        self.rule, self.grant_key = rule, grant_key
        first: dict[Hashable, int] = {}
        index = np.empty(len(companies), dtype=np.intp)
        for i, company in enumerate(companies):
            index[i] = first.setdefault(company_key(company), len(first))
        self.representatives = _representatives(companies, company_key, first)
        self.index = index
        self._cache: dict[Hashable, np.ndarray] = {}

    def severities(self, grant: GrantFacts) -> np.ndarray:
        key = self.grant_key(grant)
        found = self._cache.get(key)
        if found is None:
            found = np.array([_severity(self.rule(company, grant)) for company in self.representatives],
                             dtype=np.int8)[self.index]
            self._cache[key] = found
        return found


def _representatives(companies: Sequence[CompanyFacts], company_key, first: dict) -> list[CompanyFacts]:
    chosen: list[CompanyFacts | None] = [None] * len(first)
    for company in companies:
        position = first[company_key(company)]
        if chosen[position] is None:
            chosen[position] = company
    return chosen


def eligibility_matrix(company_ids: Sequence, companies: Sequence[CompanyFacts], grant_ids: Sequence,
                       grants: Sequence[GrantFacts], today: date) -> EligibilityMatrix:
    """STATUS_CODES for every pair: not eligible if any rule rejects, else to check if any asks, else eligible."""
    statuses = np.empty((len(companies), len(grants)), dtype=np.int8)
    if not len(companies) or not len(grants):
        return EligibilityMatrix(list(company_ids), list(grant_ids), statuses)
    rules = (
        _Rule(_size, lambda c: c.size_class, lambda g: g.sizes, companies),
        _Rule(_sector, lambda c: c.ateco_codes_2007, lambda g: (g.is_all_sectors, g.ateco_codes), companies),
        _Rule(_beneficiary, lambda c: c.is_enterprise, lambda g: g.subject_types, companies),
    )
    # The territory rule reads the company's comune only for a call that lists comuni: the others are decided
    # once per region.
    by_region = _Rule(_territory, lambda c: c.region_name, lambda g: g.regions, companies)
    by_comune = _Rule(_territory, lambda c: (c.region_name, c.comune_istat),
                      lambda g: (g.regions, g.comuni_istat, g.comuni_unresolved), companies)
    for j, grant in enumerate(grants):
        severity = np.full(len(companies), _severity(_dates(grant, today)), dtype=np.int8)
        territory = by_comune if grant.comuni_istat or grant.comuni_unresolved else by_region
        for rule in (*rules, territory):
            np.maximum(severity, rule.severities(grant), out=severity)
        statuses[:, j] = _CODE_OF_SEVERITY[severity]
    return EligibilityMatrix(list(company_ids), list(grant_ids), statuses)
