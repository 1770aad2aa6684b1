"""eligibility_matrix gives every pair the status decide_eligibility gives it."""
from __future__ import annotations

import itertools
import json
from datetime import date
from pathlib import Path

from assessment.domain.eligibility import CompanyFacts, GrantFacts, decide_eligibility, grant_facts_from
from assessment.domain.eligibility_batch import eligibility_matrix
from assessment.domain.grant_records import parse_incentivi_record
from assessment.domain.matching_space import STATUS_CODES

SAMPLE = Path(__file__).resolve().parents[2] / "assessment" / "data" / "incentivi_gov_it_sample.json"


def test_the_matrix_agrees_with_decide_eligibility_on_every_pair():
    grants = [grant_facts_from(parse_incentivi_record(r)) for r in json.loads(SAMPLE.read_text(encoding="utf-8"))]
    grants += [
        GrantFacts(opens_on=None, closes_on=None, sizes=("micro",), regions=("Piemonte",),
                   comuni_istat=("001125", "001272"), is_all_sectors=False, ateco_codes=("62", "10.71")),
        GrantFacts(opens_on=date(2027, 1, 1), closes_on=date(2027, 3, 1), regions=("Estero",),
                   subject_types=("Consorzio",)),
        GrantFacts(opens_on=None, closes_on=date(2026, 1, 1), comuni_istat=("001125",),
                   comuni_unresolved=("Camo",), is_all_sectors=False),
    ]
    companies = [CompanyFacts(size, region, comune, codes, is_enterprise)
                 for size, (region, comune), codes, is_enterprise in itertools.product(
                     ("micro", "small", "large", None),
                     (("Piemonte", "001125"), ("Piemonte", "001001"), ("Abruzzo", "068028"), (None, None),
                      ("Trentino-Alto Adige/Südtirol", "022205")),
                     (("62.01.00",), ("10.71.10", "47.11"), ()), (True, False))]
    grants.append(GrantFacts(opens_on=None, closes_on=date(2030, 1, 1)))
    by_status = {code: status for status, code in STATUS_CODES.items()}
    seen = set()
    for today in (date(2024, 5, 2), date(2026, 12, 6)):
        matrix = eligibility_matrix(list(range(len(companies))), companies, list(range(len(grants))), grants, today)
        for i, company in enumerate(companies):
            for j, grant in enumerate(grants):
                expected = decide_eligibility(company, grant, today).status
                assert by_status[int(matrix.statuses[i, j])] == expected, (company, grant, today)
                seen.add(expected)
    assert seen == {"eligible", "to_check", "not_eligible"}
