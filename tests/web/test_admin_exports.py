"""Admin exports: CSV and XLSX content, filters, the anonymous variant's suppression, the audit entry."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from assessment.extensions import db
from assessment.models import AuditEntry, Match, MatchKind, Note
from tests.web.test_admin_dashboard import add_company, programme_data  # noqa: F401  (a fixture)


@pytest.fixture
def cohort(programme_data):  # noqa: F811
    return programme_data


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_assessments_csv_has_personal_data_and_notes(client, login_as, cohort, db_session):
    company = cohort["coached"][0]
    db_session.add(Note(company_id=company.id, body="Vuole aprire un negozio online"))
    db_session.flush()
    login_as("admin")
    response = client.get("/admin/exports/assessments.csv")
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = rows_of(response)
    assert header[:6] == ["assessment_id", "submitted_at", "overall_score", "level", "company_id",
                          "company_name"]
    assert len(rows) == 19
    mine = [dict(zip(header, r)) for r in rows if r[header.index("company_id")] == str(company.id)]
    assert len(mine) == 2 and mine[0]["email"] == company.email
    assert mine[0]["vat_number"] == company.vat_number
    assert "Vuole aprire un negozio online" in mine[0]["notes"] and mine[0]["province"] == "TO"
    # Times as every page shows them, on the programme's clock (stored 2024-01-15 00:00 UTC: 01:00 in Rome).
    assert mine[0]["submitted_at"] == "2024-01-15 01:00:00"


def test_filters_apply_to_exports(client, login_as, cohort):
    login_as("admin")
    url = "/admin/exports/assessments.csv?size_class=small&date_from=2024-03-01"
    header, *rows = rows_of(client.get(url))
    assert len(rows) == 3 and {r[header.index("size_class")] for r in rows} == {"small"}
    header, *rows = rows_of(client.get("/admin/exports/scores.csv?size_class=medium"))
    assert len(rows) == 6 and rows[0][header.index("dimension")] == "digital_strategy"
    assert client.get("/admin/exports/scores.csv?date_from=notadate").status_code == 400
    # The programme calendar's last day includes everything; a day beyond it is a filter error, never a 500.
    header, *rows = rows_of(client.get("/admin/exports/assessments.csv?size_class=small&date_to=2100-12-31"))
    assert len(rows) == len(rows_of(client.get("/admin/exports/assessments.csv?size_class=small"))) - 1 > 3
    assert client.get("/admin/exports/assessments.csv?date_to=9999-12-31").status_code == 400
    assert client.get("/admin/?date_to=9999-12-31").status_code == 200


def test_enrolments_and_matches_exports(client, login_as, cohort, db_session):
    company = cohort["coached"][0]
    db_session.add(Match(company_id=company.id, assessment_id=company.assessments[-1].id,
                         kind=MatchKind.track, track_id=cohort["track"].id, score=0.8, rank=1,
                         model_version="test"))
    db_session.flush()
    login_as("admin")
    header, *rows = rows_of(client.get("/admin/exports/enrolments.csv"))
    assert sorted(int(r[header.index("participants")]) for r in rows) == [2, 3, 5]
    header, *rows = rows_of(client.get("/admin/exports/matches.csv"))
    assert len(rows) == 1 and rows[0][header.index("track_code")] == "T-DASH"


def test_anonymous_export_keeps_only_groups_of_five(client, login_as, cohort):
    login_as("admin")
    header, *rows = rows_of(client.get("/admin/exports/assessments.csv?anonymous=1"))
    assert header == ["ateco_section", "size_class", "province", "companies", "assessments",
                      "mean_overall_score"]
    # Six micro firms in C/TO are shown; three small firms in G/TO and the one medium firm are not.
    assert rows == [["C", "micro", "TO", "6", "12", "47.5"]]
    header, *rows = rows_of(client.get("/admin/exports/scores.csv?anonymous=1"))
    assert len(rows) == 1 and rows[0][header.index("mean_digital_strategy")] == "50.0"
    body = client.get("/admin/exports/enrolments.csv?anonymous=1").get_data(as_text=True)
    assert "Impresa" not in body and "@" not in body
    assert rows_of(client.get("/admin/exports/enrolments.csv?anonymous=1"))[1:] == []  # 3 firms < 5


def test_xlsx_opens_with_openpyxl(client, login_as, cohort):
    login_as("admin")
    response = client.get("/admin/exports/assessments.xlsx?size_class=micro")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "assessment_id" and len(rows) == 13
    assert isinstance(rows[1][1], datetime) and rows[1][2] in (40.0, 55.0)
    response = client.get("/admin/exports/scores.xlsx?anonymous=1")
    anonymous = load_workbook(io.BytesIO(response.get_data())).active
    assert list(anonymous.iter_rows(values_only=True))[1][:4] == ("C", "micro", "TO", 6)


def test_formulas_in_company_names_are_neutralised(client, login_as, db_session):
    add_company([(datetime(2024, 1, 1), 30.0, "basic", {})], name='=HYPERLINK("http://evil","x")')
    login_as("admin")
    header, *rows = rows_of(client.get("/admin/exports/assessments.csv"))
    names = [r[header.index("company_name")] for r in rows]
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in names
    sheet = load_workbook(io.BytesIO(client.get("/admin/exports/assessments.xlsx").get_data())).active
    cells = [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert not any(cell.startswith("=") for cell in cells) and "'=HYPERLINK(\"http://evil\",\"x\")" in cells


def test_a_control_character_in_an_older_row_does_not_break_the_spreadsheet(client, login_as, db_session):
    add_company([(datetime(2024, 1, 1), 30.0, "basic", {})], name="Ctrl\x07Co")
    login_as("admin")
    response = client.get("/admin/exports/assessments.xlsx")
    assert response.status_code == 200
    cells = [cell for row in load_workbook(io.BytesIO(response.get_data())).active.iter_rows(values_only=True)
             for cell in row]
    assert "CtrlCo" in cells


def test_every_export_is_audited(client, login_as, cohort):
    admin = login_as("admin")
    client.get("/admin/exports/matches.xlsx?anonymous=1&size_class=micro")
    client.get("/admin/exports/assessments.csv")
    entries = db.session.execute(db.select(AuditEntry).filter_by(action="export")
                                 .order_by(AuditEntry.id)).scalars().all()
    assert [(e.user_id, e.details["kind"], e.details["anonymous"]) for e in entries] == [
        (admin.id, "matches", True), (admin.id, "assessments", False)]
    assert entries[0].details["filters"] == {"size_class": "micro"}
