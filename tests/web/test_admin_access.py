"""Every admin page refuses anonymous visitors (login) and coaches (403), and opens for admins."""
from __future__ import annotations

from datetime import date

import pytest

from assessment.extensions import db
from assessment.models import (
    Grant,
    Programme,
    Territory,
    ThematicArea,
    Track,
    TrackFormat,
)
from tests.factories import submit_company

# Every GET route of the admin blueprint; {track} etc. are filled from the `objects` fixture.
ADMIN_GETS = [
    "/admin/", "/admin/imprese", "/admin/percorsi", "/admin/percorsi/nuovo", "/admin/percorsi/{track}",
    "/admin/bandi", "/admin/bandi/{grant}", "/admin/bandi/carica", "/admin/territori",
    "/admin/territori/nuovo", "/admin/territori/{territory}", "/admin/coach", "/admin/coach/{coach}",
    "/admin/obiettivi", "/admin/audit", "/admin/assegnazioni", "/admin/exports/assessments.csv",
    "/admin/exports/scores.xlsx",
    "/admin/bandi/aggiornamenti",
    "/admin/exports/matches.csv?anonymous=1", "/admin/exports/enrolments.xlsx?anonymous=1",
    "/admin/account", "/admin/account/nuovo", "/admin/imprese/{company}", "/admin/imprese/{company}/dati.json",
    "/admin/imprese/{company}/cancella", "/admin/token-api", "/admin/bandi/modello.csv",
    "/admin/formazione", "/admin/formazione/nuova", "/admin/formazione/{edition}",
    "/admin/formazione/{edition}/copia", "/admin/formazione/incontri/{session}",
    "/admin/formazione/{edition}/partecipanti", "/admin/formazione/{edition}/registro.csv",
    "/admin/avvisi", "/admin/avvisi.csv",
]


def thematic_area(key: str = "digital_innovation") -> ThematicArea:
    area = db.session.get(ThematicArea, key)
    if area is None:
        area = ThematicArea(key=key, name_it=f"Area {key}", name_en=f"Area {key}")
        db.session.add(area)
        db.session.flush()
    return area


def add_track(code: str = "T-1", **overrides) -> Track:
    track = Track(**{"code": code, "title_it": f"Percorso {code}", "title_en": f"Track {code}",
                     "thematic_area_key": thematic_area().key, "format": TrackFormat.workshop,
                     "seats_per_cohort": 10, "dimension_weights": {"digital_strategy": 1.0}, **overrides})
    db.session.add(track)
    db.session.flush()
    return track


def add_grant(external_id: str = "G-1", **overrides) -> Grant:
    grant = Grant(**{"source": "test", "external_id": external_id, "title": f"Bando {external_id}",
                     "content_hash": "0" * 64,
                     "raw": {"ID_Incentivo": external_id, "Titolo": f"Bando {external_id}"}, **overrides})
    db.session.add(grant)
    db.session.flush()
    return grant


@pytest.fixture
def objects(db_session, make_user):
    territory = Territory(key="canavese", name_it="Canavese", name_en="Canavese")
    db_session.add(territory)
    db_session.add(Programme(key="p1", name_it="Programma", name_en="Programme", starts_on=date(2024, 1, 1),
                             ends_on=date(2026, 12, 31), is_current=True))
    company, _assessment, _token = submit_company()
    ids = {"track": add_track().id, "grant": add_grant().id, "coach": make_user("coach").id, "company": company.id}
    db_session.flush()
    ids["territory"] = territory.id
    from tests.training_factories import make_edition

    edition = make_edition(db_session)
    ids["edition"], ids["session"] = edition.id, edition.sessions[0].id
    return ids


def test_every_admin_get_route_is_listed(app):
    listed = {url.split("?")[0] for url in ADMIN_GETS}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin.") and "GET" in rule.methods:
            example = (rule.rule.replace("<int:track_id>", "{track}").replace("<int:grant_id>", "{grant}")
                       .replace("<int:territory_id>", "{territory}").replace("<int:user_id>", "{coach}")
                       .replace("<kind>.<fmt>", "assessments.csv").replace("<int:company_id>", "{company}")
                       .replace("<int:edition_id>", "{edition}").replace("<int:session_id>", "{session}")
                       .replace("registro.<fmt>", "registro.csv"))
            assert example in listed, f"{rule.rule} is not in ADMIN_GETS"


@pytest.mark.parametrize("url", ADMIN_GETS)
def test_anonymous_is_sent_to_login(client, objects, url):
    response = client.get(url.format(**objects))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", ADMIN_GETS)
def test_coach_is_refused(client, login_as, objects, url):
    login_as("coach")
    assert client.get(url.format(**objects)).status_code == 403


@pytest.mark.parametrize("url", ADMIN_GETS)
def test_admin_opens_every_page(client, login_as, objects, url):
    login_as("admin")
    response = client.get(url.format(**objects))
    assert response.status_code == 200
    if response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        assert "style=" not in html and "<script>" not in html  # the CSP forbids both
        assert 'class="error"' not in html  # no filter or field complains before anything is entered


@pytest.mark.parametrize("url", ["/admin/percorsi/999999", "/admin/bandi/999999", "/admin/territori/999999",
                                 "/admin/coach/999999", "/admin/exports/passwords.csv",
                                 "/admin/exports/assessments.pdf", "/admin/imprese/999999",
                                 "/admin/imprese/999999/dati.json", "/admin/imprese/999999/cancella"])
def test_unknown_objects_are_404(client, login_as, url):
    login_as("admin")
    assert client.get(url).status_code == 404


def test_an_admin_is_not_a_coach_to_edit(client, login_as):
    admin = login_as("admin")
    assert client.get(f"/admin/coach/{admin.id}").status_code == 404


def test_english_page_through_the_language_switch(client, login_as, objects):
    login_as("admin")
    client.set_cookie("lang", "en")
    html = client.get("/admin/percorsi").get_data(as_text=True)
    assert 'lang="en"' in html and "Track T-1" in html
