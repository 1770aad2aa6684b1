"""Round trips through the admin forms: tracks, grants, territories, coach profiles, programme targets."""
from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

import pytest

from assessment.extensions import db
from assessment.models import (
    AuditEntry,
    Grant,
    Programme,
    Territory,
    Track,
    TrackFormat,
)
from tests.web.test_admin_access import add_grant, add_track, thematic_area

SAMPLE = Path(__file__).resolve().parents[2] / "assessment" / "data" / "incentivi_gov_it_sample.json"


def track_form(**overrides) -> dict:
    data = {"code": "DIG-01", "title_it": "Vendere online", "title_en": "Selling online",
            "description_it": "", "description_en": "", "thematic_area_key": thematic_area().key,
            "format": "workshop", "level_from": "0", "level_to": "2", "ateco_sections": ["C", "G"],
            "hours": "12", "seats_per_cohort": "15", "starts_on": "2025-03-01", "place": "",
            "provider": "CCIAA",
            "weight_digital_strategy": "0.5", "weight_digital_readiness": "1", "weight_human_centric": "0",
            "weight_data_security": "0", "weight_automation_ai": "0", "weight_green_digital": "0"}
    data.update(overrides)
    return data


def track(code: str) -> Track:
    return db.session.execute(db.select(Track).filter_by(code=code)).scalar_one()


def test_track_create_edit_deactivate(client, login_as, db_session):
    login_as("admin")
    response = client.post("/admin/percorsi/nuovo", data=track_form())
    assert response.status_code == 302
    created = track("DIG-01")
    assert created.format == TrackFormat.workshop and created.place is None  # empty place: online
    assert created.dimension_weights == {"digital_strategy": 0.5, "digital_readiness": 1.0}
    assert created.ateco_sections == ["C", "G"] and (created.level_from, created.level_to) == (0, 2)
    assert created.starts_on == date(2025, 3, 1)

    page = client.get(f"/admin/percorsi/{created.id}").get_data(as_text=True)
    assert 'value="Vendere online"' in page and 'value="0.5"' in page
    client.post(f"/admin/percorsi/{created.id}", data=track_form(place="Ivrea", is_example="y", level_to="4"))
    db_session.refresh(created)
    assert created.place == "Ivrea" and created.is_example and created.level_to == 4
    assert "esempio" in client.get("/admin/percorsi").get_data(as_text=True)

    client.post(f"/admin/percorsi/{created.id}/disattiva")
    db_session.refresh(created)
    assert not created.is_active and db.session.get(Track, created.id) is not None  # never deleted
    client.post(f"/admin/percorsi/{created.id}/riattiva")
    db_session.refresh(created)
    assert created.is_active


@pytest.mark.parametrize("overrides, message", [
    ({"level_from": "3", "level_to": "1"}, "Il livello finale non può precedere quello iniziale"),
    ({"weight_digital_strategy": "1.5"}, "Il numero deve essere compreso tra 0 e 1"),
    ({"code": ""}, "Questo campo è obbligatorio"),
    ({"starts_on": "0001-01-01"}, "Data fuori dal calendario del programma"),
    ({"starts_on": "9999-12-31"}, "Data fuori dal calendario del programma"),
])
def test_invalid_track_is_not_saved(client, login_as, db_session, overrides, message):
    login_as("admin")
    response = client.post("/admin/percorsi/nuovo", data=track_form(**overrides))
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert db.session.execute(db.select(Track).filter_by(code="DIG-01")).first() is None


def test_track_code_must_be_unique(client, login_as, db_session):
    add_track("DIG-01")
    login_as("admin")
    html = client.post("/admin/percorsi/nuovo", data=track_form()).get_data(as_text=True)
    assert "Esiste già un percorso con questo codice" in html
    html = client.post("/admin/percorsi/nuovo", data=track_form(code=" dig-01 ")).get_data(as_text=True)
    assert "Esiste già un percorso con questo codice" in html


def test_track_search_and_paging(client, login_as, db_session):
    for n in range(30):
        add_track(f"T-{n:02d}")
    add_track("ZZ-SPECIAL", title_it="Cybersicurezza per negozi")
    login_as("admin")
    first = client.get("/admin/percorsi").get_data(as_text=True)
    assert "Pagina 1 di 2" in first and "T-00" in first and "T-29" not in first
    assert "T-29" in client.get("/admin/percorsi?page=2").get_data(as_text=True)
    found = client.get("/admin/percorsi?q=cybersic").get_data(as_text=True)
    assert "ZZ-SPECIAL" in found and "T-00" not in found


def test_territory_with_unknown_comune_lists_it(client, login_as, db_session):
    login_as("admin")
    response = client.post("/admin/territori/nuovo", data={
        "key": "canavese", "name_it": "Canavese", "name_en": "Canavese",
        "comuni": "001125\nComune Inventato\nIvrea\n999999\nSamone"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Comune Inventato" in html and "999999" in html
    assert "Samone" in html  # two comuni share the name: the province is needed
    assert db.session.execute(db.select(Territory).filter_by(key="canavese")).first() is None


def test_territory_round_trip_and_single_default(client, login_as, db_session):
    old = Territory(key="old", name_it="Vecchio", name_en="Old", is_default=True)
    db_session.add(old)
    db_session.flush()
    login_as("admin")
    response = client.post("/admin/territori/nuovo", data={
        "key": "canavese", "name_it": "Canavese", "name_en": "Canavese area", "is_default": "y",
        "comuni": "001125\nSamone (TO)\n  \nagliè\n001125 Ivrea (TO)"})
    assert response.status_code == 302
    territory = db.session.execute(db.select(Territory).filter_by(key="canavese")).scalar_one()
    assert sorted(c.istat_code for c in territory.comuni) == ["001001", "001125", "001235"]
    db_session.refresh(old)
    assert territory.is_default and not old.is_default
    listing = client.get("/admin/territori").get_data(as_text=True)
    assert "Canavese" in listing and ">3<" in listing
    page = client.get(f"/admin/territori/{territory.id}").get_data(as_text=True)
    assert "001235 Samone (TO)" in page and "3 comuni" in page
    # The text the edit page shows saves back to the same set.
    client.post(f"/admin/territori/{territory.id}", data={
        "key": "canavese", "name_it": "Canavese", "name_en": "Canavese area",
        "comuni": "001001 Agliè (TO)\n001125 Ivrea (TO)"})
    db_session.refresh(territory)
    assert [c.istat_code for c in territory.comuni] == ["001001", "001125"] and not territory.is_default
    # A spreadsheet row pasted: commas, semicolons or tabs separate comuni as lines do.
    client.post(f"/admin/territori/{territory.id}", data={
        "key": "canavese", "name_it": "Canavese", "name_en": "Canavese area", "comuni": "001125,001001;\tSamone (TO)"})
    db_session.refresh(territory)
    assert sorted(c.istat_code for c in territory.comuni) == ["001001", "001125", "001235"]


def test_coach_profile_edit_is_saved_and_audited(client, login_as, make_user, db_session):
    coach = make_user("coach")
    canavese = Territory(key="canavese", name_it="Canavese", name_en="Canavese")
    db_session.add(canavese)
    area = thematic_area()
    db_session.flush()
    admin = login_as("admin")
    assert coach.email in client.get("/admin/coach").get_data(as_text=True)
    response = client.post(f"/admin/coach/{coach.id}", data={
        "expertise_digital_strategy": "3", "expertise_digital_readiness": "2", "expertise_human_centric": "0",
        "expertise_data_security": "1", "expertise_automation_ai": "0", "expertise_green_digital": "0",
        "thematic_areas": [area.key], "territory_ids": [str(canavese.id)], "comuni": "Ivrea\n001272",
        "languages": ["it", "fr"], "capacity": "7", "availability": "paused"})
    assert response.status_code == 302
    profile = coach.coach_profile
    db_session.refresh(profile)
    assert profile.expertise["digital_strategy"] == 3 and profile.expertise["data_security"] == 1
    assert profile.thematic_areas == [area.key] and profile.territory_ids == [canavese.id]
    assert profile.comuni_istat == ["001125", "001272"] and profile.languages == ["it", "fr"]
    assert profile.capacity == 7 and not profile.is_available
    page = client.get(f"/admin/coach/{coach.id}").get_data(as_text=True)
    assert "001125 Ivrea (TO)" in page  # comuni named, as territories show them, and saved back the same
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="coach_profile_update")).scalar_one()
    assert entry.user_id == admin.id and entry.details["coach_id"] == coach.id
    assert "capacity" in entry.details["changed"]
    assert "profilo del coach modificato" in client.get(f"/admin/audit?user_id={admin.id}").get_data(as_text=True)


def test_coach_profile_with_unknown_comune_is_refused(client, login_as, make_user, db_session):
    coach = make_user("coach", capacity=5)
    login_as("admin")
    response = client.post(f"/admin/coach/{coach.id}", data={
        "comuni": "Atlantide", "languages": ["it"], "capacity": "3", "availability": "active"})
    html = response.get_data(as_text=True)
    assert "Atlantide" in html
    db_session.refresh(coach.coach_profile)
    assert coach.coach_profile.capacity == 5


def test_grant_filters_detail_and_override(client, login_as, db_session):
    today = date.today()
    open_grant = add_grant("OPEN", title="Voucher digitale aperto", closes_on=date(today.year + 1, 1, 1),
                           dimensions=["digital_readiness"])
    add_grant("CLOSED", title="Bando chiuso", closes_on=date(2020, 1, 1))
    add_grant("DESK", title="Bando a sportello", source="cciaa")
    login_as("admin")
    listing = client.get("/admin/bandi").get_data(as_text=True)
    assert all(t in listing for t in ("Voucher digitale aperto", "Bando chiuso", "Bando a sportello"))
    opened = client.get("/admin/bandi?state=open").get_data(as_text=True)
    assert "Voucher digitale aperto" in opened and "Bando chiuso" not in opened
    desk = client.get("/admin/bandi?state=sportello").get_data(as_text=True)
    assert "Bando a sportello" in desk and "Voucher" not in desk
    by_source = client.get("/admin/bandi?source=cciaa").get_data(as_text=True)
    assert "Bando a sportello" in by_source and "Bando chiuso" not in by_source
    assert "Bando chiuso" in client.get("/admin/bandi?q=chius").get_data(as_text=True)

    detail = client.get(f"/admin/bandi/{open_grant.id}").get_data(as_text=True)
    assert "ID_Incentivo" in detail and "Record originale (2 campi)" in detail
    client.post(f"/admin/bandi/{open_grant.id}",
                data={"dimensions_override": ["data_security", "automation_ai"], "is_active": "y"})
    db_session.refresh(open_grant)
    assert open_grant.dimensions_override == ["data_security", "automation_ai"]
    assert open_grant.funded_dimensions == ["data_security", "automation_ai"]
    client.post(f"/admin/bandi/{open_grant.id}", data={"use_derived": "y"})
    db_session.refresh(open_grant)
    assert open_grant.dimensions_override is None and not open_grant.is_active
    assert open_grant.funded_dimensions == ["digital_readiness"]


def test_grant_upload_reports_counts_and_refuses_malformed_files(client, login_as, db_session):
    login_as("admin")
    with SAMPLE.open("rb") as handle:
        html = client.post("/admin/bandi/carica", data={"file": (handle, "incentivi.json")},
                           content_type="multipart/form-data").get_data(as_text=True)
    assert "Aggiunti</dt><dd>5" in html
    count = db.session.execute(db.select(db.func.count()).select_from(Grant)).scalar_one()
    assert count >= 5
    html = client.post("/admin/bandi/carica", data={"file": (BytesIO(b'[{"ID_Incentivo": "1", '), "x.json")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "File non leggibile: il file non è JSON valido" in html  # in the page's language
    assert db.session.execute(db.select(db.func.count()).select_from(Grant)).scalar_one() == count
    rows = ("source,external_id,title,sizes,aid_min_eur,aid_max_eur\r\n"
            "cciaa,A,Voucher,enorme,,\r\ncciaa,B,Voucher,micro,-5,\r\ncciaa,C,Voucher,micro,9000,10\r\n")
    html = client.post("/admin/bandi/carica", data={"file": (BytesIO(rows.encode()), "locali.csv")},
                       content_type="multipart/form-data").get_data(as_text=True).replace("&#39;", "'")
    assert "sizes: dimensione sconosciuta 'enorme'" in html
    assert "aid_min_eur: importo negativo" in html and "aid_min_eur è maggiore di aid_max_eur" in html


def test_programme_targets_edit(client, login_as, db_session):
    area = thematic_area()
    programme = Programme(key="p1", name_it="Programma", name_en="Programme", starts_on=date(2024, 1, 1),
                          ends_on=date(2026, 12, 31), is_current=True)
    db_session.add(programme)
    db_session.flush()
    login_as("admin")
    # Targets as people write them: 2.400 in Italian (2,400 in English) is two thousand four hundred.
    response = client.post("/admin/obiettivi", data={"people_trained": "2.400", "firms_accompanied": "40",
                                                     f"area_{area.key}": "12"})
    assert response.status_code == 302
    db_session.refresh(programme)
    assert {(t.metric, t.thematic_area_key, t.target) for t in programme.targets} == {
        ("people_trained", None, 2400), ("firms_accompanied", None, 40), ("firms_per_area", area.key, 12)}
    assert 'value="2.400"' in client.get("/admin/obiettivi").get_data(as_text=True)
    wrong = client.post("/admin/obiettivi", data={"people_trained": "2,5", "firms_accompanied": "40"})
    assert "Scrivi un numero intero, per esempio 12." in wrong.get_data(as_text=True)  # an error, never 25
    db_session.refresh(programme)
    assert {t.target for t in programme.targets if t.metric == "people_trained"} == {2400}
    client.post("/admin/obiettivi", data={"people_trained": "150", "firms_accompanied": ""})
    db_session.refresh(programme)
    assert {(t.metric, t.target) for t in programme.targets} == {("people_trained", 150)}


def test_a_local_call_from_the_csv_template(client, login_as, db_session):
    login_as("admin")
    header = client.get("/admin/bandi/modello.csv").get_data(as_text=True)
    row = {"source": "cciaa-torino", "external_id": "VOUCHER-2027", "title": "Voucher digitali I4.0 2027",
           "opens_on": "2027-01-15", "closes_on": "2027-03-31", "sizes": "micro; small", "regions": "Piemonte",
           "purposes": "Digitalizzazione",
           "aid_form": "Contributo/Fondo perduto", "aid_max_eur": "10000", "granting_body": "Camera di commercio"}
    columns = header.strip().split(",")
    line = ",".join(f'"{row.get(column, "")}"' for column in columns)
    html = client.post("/admin/bandi/carica", data={"file": (BytesIO((header + line + "\r\n").encode()), "locali.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Aggiunti</dt><dd>1" in html
    grant = db.session.execute(db.select(Grant).filter_by(external_id="VOUCHER-2027")).scalar_one()
    assert grant.closes_on == date(2027, 3, 31) and grant.aid_max_eur == 10_000 and "micro" in grant.sizes


def test_rejected_records_are_explained_in_the_page_language(client, login_as, db_session):
    login_as("admin")
    header = client.get("/admin/bandi/modello.csv").get_data(as_text=True)
    columns = header.strip().split(",")
    rows = [{"external_id": "NO-SOURCE", "title": "Senza fonte"},
            {"source": "cciaa", "external_id": "BAD-DATE", "title": "Data sbagliata", "closes_on": "31/02/2027"}]
    body = header + "".join(",".join(f'"{row.get(c, "")}"' for c in columns) + "\r\n" for row in rows)
    html = client.post("/admin/bandi/carica", data={"file": (BytesIO(body.encode()), "locali.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "manca il campo source" in html and "closes_on: data non valida" in html
    client.set_cookie("lang", "en")
    html = client.post("/admin/bandi/carica", data={"file": (BytesIO(body.encode()), "locali.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "the source field is missing" in html and "closes_on: invalid date" in html


def test_changes_to_the_catalogue_and_accounts_are_in_the_audit_log(client, login_as, db_session):
    from assessment.models import AuditEntry

    programme = Programme(key="p-audit", name_it="Programma", name_en="Programme", starts_on=date(2024, 1, 1),
                          ends_on=date(2026, 12, 31), is_current=True)
    db_session.add(programme)
    db_session.flush()
    login_as("admin")
    client.post("/admin/percorsi/nuovo", data=track_form(code="AUD-01"))
    client.post("/admin/obiettivi", data={"people_trained": "100"})
    client.post("/admin/account/nuovo", data={"email": "nuovo.gestore@example.org", "role": "admin"})
    client.post("/admin/territori/nuovo", data={"key": "audit", "name_it": "Audit", "name_en": "Audit",
                                                "comuni": "001125"})
    actions = set(db.session.execute(db.select(AuditEntry.action)).scalars())
    assert {"track_created", "targets_updated", "account_created", "territory_created"} <= actions
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "percorso creato" in page and "obiettivi del programma modificati" in page
    assert "track_created" not in page  # labels, not stored codes


def test_a_new_track_reaches_companies_already_assessed_when_the_admin_updates_suggestions(client, login_as,
                                                                                           db_session):
    from assessment.models import Match
    from tests.factories import submit_company

    company = submit_company("min")[0]
    db_session.commit()
    login_as("admin")
    page = client.post("/admin/percorsi/nuovo", data=track_form(code="NEW-01", level_from="0", level_to="4"),
                       follow_redirects=True).get_data(as_text=True)
    assert "Aggiorna i suggerimenti alle imprese" in page
    new = track("NEW-01")
    suggested = set(db.session.execute(db.select(Match.track_id).filter_by(company_id=company.id)).scalars())
    assert new.id not in suggested  # stored before the track existed
    page = client.post("/admin/suggerimenti/aggiorna", data={"next": "/admin/percorsi"}, follow_redirects=True)
    assert "Suggerimenti aggiornati per tutte le imprese valutate." in page.get_data(as_text=True)
    suggested = set(db.session.execute(db.select(Match.track_id).filter_by(company_id=company.id)).scalars())
    assert new.id in suggested


def test_places_cannot_drop_below_the_people_enrolled(client, login_as, db_session):
    from assessment.models import Enrolment
    from tests.factories import submit_company

    add_track("SEATS-01")
    enrolled = track("SEATS-01")
    db_session.add(Enrolment(company_id=submit_company()[0].id, track_id=enrolled.id, participants=4))
    db_session.commit()
    login_as("admin")
    page = client.post(f"/admin/percorsi/{enrolled.id}", data=track_form(code="SEATS-01", seats_per_cohort="2"))
    assert "Sono già iscritte 4 persone" in page.get_data(as_text=True)
    db_session.refresh(enrolled)
    assert enrolled.seats_per_cohort == 10
