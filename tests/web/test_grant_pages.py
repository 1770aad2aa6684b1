"""The owners' grant pages (/bandi, /bandi/<id>), their checklist, the read-time check of stored
recommendations, "Bandi aggiornati al …" and the bundled snapshot of the national catalogue."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from assessment.extensions import db
from assessment.models import Grant, GrantSnapshot, GrantSync, SyncOutcome
from tests.factories import submit_company
from tests.web.test_admin_access import add_grant

TODAY = date(2026, 12, 6)


@pytest.fixture
def today(frozen_today, db_session):
    return frozen_today(TODAY)


def _seen(days_ago: int) -> datetime:
    return datetime(2026, 12, 6, 11) - timedelta(days=days_ago)


def grant(code: str, **overrides) -> Grant:
    values = {"opens_on": TODAY - timedelta(days=30), "closes_on": TODAY + timedelta(days=30),
              "first_seen_at": _seen(60), "last_changed_at": _seen(60), **overrides}
    return add_grant(code, **values)


def titles(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/bandi/\d+">([^<]+)</a></h3>', html)


def test_list_shows_open_and_upcoming_calls_with_their_dates_and_badges(client, today):
    grant("SOON", title="Chiude presto", closes_on=TODAY + timedelta(days=5))
    grant("TODAY", title="Chiude oggi", closes_on=TODAY)
    grant("DESK", title="A sportello", closes_on=None)
    grant("LATER", title="Apre dopo", opens_on=date(2027, 1, 11), closes_on=date(2027, 3, 1))
    grant("NEW", title="Appena pubblicato", first_seen_at=_seen(2), last_changed_at=_seen(2))
    grant("CLOSED", title="Chiuso ieri", closes_on=TODAY - timedelta(days=1))
    grant("GONE", title="Ritirato", withdrawn_at=_seen(1))
    grant("OFF", title="Disattivato", is_active=False)
    html = client.get("/bandi").get_data(as_text=True)
    assert titles(html) == ["Chiude oggi", "Chiude presto", "Appena pubblicato", "Apre dopo", "A sportello"]
    assert "Scade tra 5 giorni" in html and "Scade oggi" in html and "Scade tra 30 giorni" in html
    assert "A sportello" in html and "Apre il 11/01/2027" not in html and "Apre l&#39;11/01/2027" in html
    assert html.count(">nuovo<") == 1 and "Chiuso ieri" not in html and "Ritirato" not in html
    assert "5 bandi trovati" in html
    assert titles(client.get("/bandi?aperti=y").get_data(as_text=True)) == [
        "Chiude oggi", "Chiude presto", "Appena pubblicato", "A sportello"]
    client.get("/lang/en")
    english = client.get("/bandi").get_data(as_text=True)
    assert "Closes in 5 days" in english and "Closes today" in english and "Opens on 11 Jan 2027" in english
    assert ">new<" in english and "5 calls found" in english


def test_filters_by_purpose_size_aid_form_grant_only_and_region(client, today):
    grant("A", title="Digitale micro Piemonte", purposes=["Digitalizzazione"], sizes=["micro"],
          regions=["Piemonte"], aid_forms=["Contributo/Fondo perduto"])
    grant("B", title="Prestito grandi Lombardia", purposes=["Sostegno investimenti"], sizes=["large"],
          regions=["Lombardia"], aid_forms=["Prestito/Anticipo rimborsabile"])
    grant("C", title="Misto ovunque", purposes=["Digitalizzazione"], sizes=[], regions=[],
          aid_forms=["Prestito/Anticipo rimborsabile", "Contributo/Fondo perduto"])

    def shown(query: str) -> set[str]:
        return set(titles(client.get(f"/bandi?{query}").get_data(as_text=True)))

    assert shown("finalita=Digitalizzazione") == {"Digitale micro Piemonte", "Misto ovunque"}
    assert shown("dimensione=micro") == {"Digitale micro Piemonte", "Misto ovunque"}  # not stated: any size
    assert shown("forma=Prestito/Anticipo+rimborsabile") == {"Prestito grandi Lombardia", "Misto ovunque"}
    assert shown("fondo_perduto=y") == {"Digitale micro Piemonte"}  # a loan with a grant share is left out
    assert shown("regione=Lombardia") == {"Prestito grandi Lombardia", "Misto ovunque"}
    assert shown("regione=Atlantide&dimensione=giant") == {"Digitale micro Piemonte", "Prestito grandi Lombardia",
                                                           "Misto ovunque"}  # unknown values: ignored
    page = client.get("/bandi?finalita=Digitalizzazione").get_data(as_text=True)
    assert '<option selected value="Digitalizzazione">' in page  # the filter says what it shows


def test_sorts_by_deadline_newest_and_amount(client, today):
    grant("X", title="Grande", closes_on=TODAY + timedelta(days=90), aid_max_eur=500_000, first_seen_at=_seen(40))
    grant("Y", title="Piccolo", closes_on=TODAY + timedelta(days=10), aid_max_eur=5_000, first_seen_at=_seen(10))
    grant("Z", title="Senza importo", closes_on=None, first_seen_at=_seen(20))
    assert titles(client.get("/bandi").get_data(as_text=True)) == ["Piccolo", "Grande", "Senza importo"]
    assert titles(client.get("/bandi?ordina=newest").get_data(as_text=True)) == ["Piccolo", "Senza importo",
                                                                                 "Grande"]
    assert titles(client.get("/bandi?ordina=amount").get_data(as_text=True)) == ["Grande", "Piccolo",
                                                                                 "Senza importo"]


def test_pages_of_twenty(client, today):
    for n in range(25):
        grant(f"P{n:02d}", title=f"Bando {n:02d}", closes_on=TODAY + timedelta(days=n + 1))
    first = client.get("/bandi").get_data(as_text=True)
    assert len(titles(first)) == 20 and "Pagina 1 di 2" in first and 'rel="next" href="/bandi?pagina=2"' in first
    second = client.get("/bandi?pagina=2").get_data(as_text=True)
    assert titles(second) == [f"Bando {n}" for n in range(20, 25)]
    assert titles(client.get("/bandi?pagina=99").get_data(as_text=True)) == titles(second)


def test_list_query_count_does_not_grow_with_the_calls(client, today, count_queries):
    grant("ONE", title="Uno")
    with count_queries() as one:
        assert client.get("/bandi").status_code == 200
    for n in range(49):
        grant(f"M{n}", purposes=["Digitalizzazione"], regions=["Piemonte"], first_seen_at=_seen(n % 9))
    with count_queries() as fifty:
        html = client.get("/bandi").get_data(as_text=True)
    assert "50 bandi trovati" in html and fifty.count == one.count


def test_detail_page_shows_what_who_when_how_much_and_links(client, today):
    detail = grant("D", title="Voucher digitali Torino", description="Consulenza e software per digitalizzare.",
                   purposes=["Digitalizzazione"], eligible_costs=["Servizi, brevetti e licenze"],
                   sizes=["micro", "small"], regions=["Piemonte"], aid_min_eur=1_000, aid_max_eur=10_000,
                   granting_body="Camera di commercio di Torino", link="https://example.org/bando",
                   source="incentivi.gov.it", raw={"Link_portale": "https://www.incentivi.gov.it/it/catalogo/x"},
                   aid_forms=["Contributo/Fondo perduto"])
    response = client.get(f"/bandi/{detail.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Voucher digitali Torino" in html
    for text in ("Che cosa finanzia", "Consulenza e software", "Servizi, brevetti e licenze", "Microimpresa",
                 "Piccola impresa", "Piemonte", "05/01/2027", "fino a 10.000\xa0€", "Camera di commercio di Torino",
                 'href="https://example.org/bando"', 'href="https://www.incentivi.gov.it/it/catalogo/x"',
                 "Scade tra 30 giorni"):
        assert text in html, text
    assert "I requisiti per" not in html  # no result link: no checklist
    local = grant("L", title="Voucher locale", source="cciaa-torino")
    assert "incentivi.gov.it/it/catalogo" not in client.get(f"/bandi/{local.id}").get_data(as_text=True)
    assert client.get("/bandi/999999").status_code == 404
    assert client.get(f"/bandi/{grant('OFF', is_active=False).id}").status_code == 404


def test_withdrawn_and_closed_calls_say_so(client, today):
    gone = grant("GONE", title="Ritirato", withdrawn_at=datetime(2026, 12, 1, 10))
    html = client.get(f"/bandi/{gone.id}").get_data(as_text=True)
    assert "non è più nel catalogo nazionale" in html and "01/12/2026" in html
    closed = grant("CLOSED", title="Chiuso", closes_on=date(2026, 11, 16))
    assert ">chiuso<" in client.get(f"/bandi/{closed.id}").get_data(as_text=True)


def test_a_withdrawn_call_with_dates_still_ahead_reads_withdrawn_everywhere(client, today):
    """Its dates said open till 2027; it is off the national catalogue: no "Scade tra", no "A sportello", and
    the owner's checklist says nobody can apply (the API answers the same)."""
    gone = grant("GONE-LATER", title="Ritirato ma con date", closes_on=date(2027, 6, 30),
                 withdrawn_at=datetime(2026, 12, 1, 10))
    desk = grant("GONE-DESK", title="Ritirato a sportello", closes_on=None, withdrawn_at=datetime(2026, 12, 1, 10))
    _company, _assessment, token = submit_company()
    db.session.commit()
    html = client.get(f"/bandi/{gone.id}?risultato={token}").get_data(as_text=True)
    assert ">ritirato<" in html and "Scade tra" not in html and "soddisfatto" in html
    assert re.search(r'gate-not_met">\s*<strong><span class="badge bad">non soddisfatto</span>\s*Date:', html)
    assert "Non è più nel catalogo nazionale degli incentivi: non si può presentare domanda" in html
    assert "A sportello" not in client.get(f"/bandi/{desk.id}").get_data(as_text=True)
    line = client.get(f"/api/v1/grants/{gone.id}?size_class=micro&region=Piemonte").get_json()
    assert line["is_open"] is False and line["eligibility"]["status"] == "not eligible"


def test_the_api_reads_today_on_the_programmes_clock(client, frozen_today):
    """Not the server's date: at 00:30 in Rome a call that closed yesterday is closed, whatever UTC says."""
    frozen_today(date(2027, 2, 1))
    grant("PAST-ON-ROME", title="Chiuso a gennaio", opens_on=date(2026, 1, 1), closes_on=date(2027, 1, 31))
    body = client.get("/api/v1/grants").get_json()
    assert body["open_on"] == "2027-02-01" and body["items"] == []


def test_a_past_local_call_loaded_this_week_is_closed_not_new(client, today):
    voucher = grant("CCIAA-2023", title="Voucher digitali 2023", source="cciaa-torino",
                    opens_on=date(2023, 3, 1), closes_on=date(2023, 6, 30), first_seen_at=_seen(1),
                    last_changed_at=_seen(1))
    html = client.get(f"/bandi/{voucher.id}").get_data(as_text=True)
    assert ">chiuso<" in html and ">nuovo<" not in html


def test_unknown_purpose_or_aid_form_is_ignored_like_an_unknown_region(client, today):
    grant("A", title="Digitale", purposes=["Digitalizzazione"], aid_forms=["Contributo/Fondo perduto"])
    grant("B", title="Estero", purposes=["Internazionalizzazione"], aid_forms=["Prestito/Anticipo rimborsabile"])
    page = client.get("/bandi?finalita=Astrologia&forma=Baratto").get_data(as_text=True)
    assert set(titles(page)) == {"Digitale", "Estero"} and "2 bandi trovati" in page
    assert 'selected value="Astrologia"' not in page and '<option selected value="">Tutte</option>' in page
    assert set(titles(client.get("/bandi?finalita=Internazionalizzazione&forma=Baratto")
                      .get_data(as_text=True))) == {"Estero"}


def test_the_national_vocabularies_read_in_english(client, today):
    detail = grant("EN", title="Bando", purposes=["Digitalizzazione", "Sostegno investimenti"],
                   subject_types=["Impresa", "Rete d'impresa"], eligible_costs=["Costo del personale"],
                   sectors=["Commercio"], is_all_sectors=False, ateco_codes=[], ateco_text=None,
                   aid_forms=["Contributo/Fondo perduto"])
    client.get("/lang/en")
    html = client.get(f"/bandi/{detail.id}").get_data(as_text=True)
    for text in ("Digitalisation, Investment support", "Company, Business network", "Staff costs", "Retail"):
        assert text in html, text
    listing = client.get("/bandi").get_data(as_text=True)
    assert '<option value="Digitalizzazione">Digitalisation</option>' in listing


def test_checklist_from_the_owner_result(client, today):
    detail = grant("CHK", title="Solo piccole imprese in Piemonte", sizes=["small"], regions=["Piemonte"],
                   is_all_sectors=False, ateco_codes=["10.71"], subject_types=["Impresa - prevalenza femminile"])
    company, _assessment, token = submit_company(company_name="Panificio Ivrea")  # micro, Ivrea, 10.71.10
    db.session.commit()
    response = client.get(f"/bandi/{detail.id}?risultato={token}")
    html = response.get_data(as_text=True)
    assert response.headers["Referrer-Policy"] == "no-referrer" and response.headers["Cache-Control"] == "no-store"
    assert "I requisiti per Panificio Ivrea" in html
    gates = re.findall(r'<li class="gate gate-(\w+)">\s*<strong><span class="badge \w+">[^<]+</span>\s*([^:<]+):',
                       html)
    assert [(status, label.strip()) for status, label in gates] == [
        ("met", "Date"), ("not_met", "Dimensione"), ("met", "Regione"), ("met", "Comune"),
        ("met", "Settore (ATECO)"), ("to_check", "Tipo di beneficiario")]
    assert "Non previsto per le microimprese" in html and "Previsto in Piemonte" in html
    assert "Solo per alcuni tipi di impresa" in html and f'href="/risultato/{token}"' in html
    client.get("/lang/en")
    english = client.get(f"/bandi/{detail.id}?risultato={token}").get_data(as_text=True)
    assert "The conditions for Panificio Ivrea" in english and "Not for micro companies" in english


def test_an_invalid_result_token_shows_no_checklist(client, today):
    detail = grant("T", title="Bando qualsiasi")
    response = client.get(f"/bandi/{detail.id}?risultato=not-a-token")
    assert response.status_code == 200 and "I requisiti per" not in response.get_data(as_text=True)
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_result_links_each_grant_to_its_page_with_the_result_token(client, today):
    detail = grant("R", title="Voucher digitalizzazione Ivrea", purposes=["Digitalizzazione"],
                   description="digitalizzazione e sicurezza informatica")
    _company, _assessment, token = submit_company()
    db.session.commit()
    response = client.get(f"/risultato/{token}")
    html = response.get_data(as_text=True)
    assert f'href="/bandi/{detail.id}?risultato={token}"' in html
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert 'href="/bandi"' in html  # the header and the grants section


@pytest.mark.parametrize("change", ["closed", "withdrawn", "switched_off"])
def test_a_call_closed_or_withdrawn_since_the_ranking_is_never_shown_as_open(client, today, change):
    from assessment.services.results import build_result

    detail = grant("RT", title="Voucher che cambia", purposes=["Digitalizzazione"],
                   description="digitalizzazione e sicurezza informatica")
    _company, assessment, token = submit_company()
    db.session.commit()
    assert "Voucher che cambia" in client.get(f"/risultato/{token}").get_data(as_text=True)
    if change == "closed":
        detail.closes_on = TODAY - timedelta(days=1)
    elif change == "withdrawn":
        detail.withdrawn_at = datetime(2026, 12, 5, 9)
    else:
        detail.is_active = False
    db.session.commit()  # the stored recommendations are not recomputed
    assert "Voucher che cambia" not in client.get(f"/risultato/{token}").get_data(as_text=True)
    api = client.get(f"/api/v1/assessments/{assessment.id}/recommendations",
                     headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [g["external_id"] for g in api["grants"]] == []
    # The PDF report renders what build_result gathers.
    assert build_result(assessment, "it").recommendations["grants"] == []


def test_grants_updated_on_says_the_snapshot_day_then_the_last_good_sync(client, today, db_session):
    from assessment.services.grant_freshness import grants_updated_on

    assert grants_updated_on(db_session) is None
    assert "Bandi aggiornati al" not in client.get("/bandi").get_data(as_text=True)
    db_session.add(GrantSnapshot(file_name="snap.json", source="incentivi.gov.it", taken_on=date(2026, 9, 25)))
    db_session.flush()
    assert grants_updated_on(db_session) == date(2026, 9, 25)
    assert "Bandi aggiornati al 25/09/2026" in client.get("/bandi").get_data(as_text=True)
    db_session.add(GrantSync(source_url="x", outcome=SyncOutcome.failed, finished_at=datetime(2026, 12, 6, 5)))
    db_session.add(GrantSync(source_url="x", outcome=SyncOutcome.succeeded, is_dry_run=True,
                             finished_at=datetime(2026, 12, 6, 4)))
    db_session.flush()
    assert grants_updated_on(db_session) == date(2026, 9, 25)  # failed and dry runs change nothing
    # 23:30 UTC on 4 Dec is 00:30 on 5 Dec in Rome: the programme's day.
    db_session.add(GrantSync(source_url="x", outcome=SyncOutcome.succeeded, finished_at=datetime(2026, 12, 4, 23, 30)))
    db_session.flush()
    assert grants_updated_on(db_session) == date(2026, 12, 5)
    detail = grant("U", title="Voucher aggiornato", purposes=["Digitalizzazione"],
                   description="digitalizzazione e sicurezza informatica")
    assert "Bandi aggiornati al 05/12/2026" in client.get(f"/bandi/{detail.id}").get_data(as_text=True)
    _company, _assessment, token = submit_company()
    db.session.commit()
    assert "Bandi aggiornati al 05/12/2026" in client.get(f"/risultato/{token}").get_data(as_text=True)


def test_demo_load_imports_the_live_snapshot_once_with_calls_open_on_6_december_2026(runner, today, db_session,
                                                                                     client):
    from assessment.cli.demo import demo_cli
    from assessment.domain.eligibility import is_open
    from assessment.services.grant_freshness import grants_updated_on

    first = runner.invoke(demo_cli, ["load", "--no-accounts"])
    assert first.exit_code == 0, first.output
    assert ("grants incentivi_gov_it_live_2026-09-25.json: added: 27, updated: 0, unchanged: 0, rejected: 0"
            in first.output)
    second = runner.invoke(demo_cli, ["load", "--no-accounts"])
    assert second.exit_code == 0, second.output
    assert "added: 0, updated: 0, unchanged: 27, rejected: 0" in second.output
    national = db_session.scalars(db.select(Grant).filter_by(source="incentivi.gov.it")).all()
    assert len(national) == 27 and db_session.scalar(db.select(db.func.count(GrantSnapshot.id))) == 1
    open_now = [g for g in national if is_open(g, TODAY)]
    for output in (first.output, second.output):  # a second load says the same of what is open today
        assert f"rejected: 0, open today: {len(open_now)}" in output
    closed_since = {g.external_id for g in national if g.closes_on and date(2026, 9, 25) <= g.closes_on < TODAY}
    assert len(open_now) >= 15 and closed_since == {"8300", "4257", "7945"}
    assert {g.first_seen_at.date() for g in national} == {date(2026, 9, 24)}  # midnight in Rome, in UTC
    assert grants_updated_on(db_session) == date(2026, 9, 25)
    html = client.get("/bandi").get_data(as_text=True)
    assert "Bandi aggiornati al 25/09/2026" in html and ">nuovo<" not in html
    assert "Programma di accelerazione Brava Innovation Hub 2026" in html  # a real call, open today
    closed = next(g for g in national if g.external_id == "8300")
    assert closed.title not in html and ">chiuso<" in client.get(f"/bandi/{closed.id}").get_data(as_text=True)
    portal = client.get(f"/bandi/{national[0].id}").get_data(as_text=True)
    assert 'href="https://www.incentivi.gov.it/it/catalogo/' in portal
