"""The owner's wizard through the test client: start, every section, validation, resume, submit, result."""
from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta

import pytest

from assessment.extensions import db
from assessment.models import Assessment, AssessmentStatus, Company, utcnow
from assessment.services import assessments as service
from assessment.services.questionnaires import latest_version, questionnaire_of
from tests.factories import answers_for, profile, vat_number


@pytest.fixture
def questionnaire(app, db_session):
    return questionnaire_of(latest_version("dma-sme"))


def _start(client) -> str:
    response = client.post("/valutazione")
    assert response.status_code == 302
    match = re.search(r"/valutazione/([^/]+)/1$", response.headers["Location"])
    assert match
    return match.group(1)


def _profile_form(data: dict) -> dict:
    form = {k: v for k, v in data.items() if k not in ("privacy_accepted", "coach_contact")}
    form["annual_turnover_eur"] = "2000000"
    if data.get("privacy_accepted"):
        form["privacy_accepted"] = "y"
    if data.get("coach_contact"):
        form["coach_contact"] = "y"
    return form


def _post_section(client, token, step, answers, action="next"):
    data = {"action": action}
    for key, value in answers.items():
        data[key] = value
    return client.post(f"/valutazione/{token}/{step}", data=data)


def _complete(client, questionnaire, token, pick="max", **profile_overrides):
    assert client.post(f"/valutazione/{token}/1", data=_profile_form(profile(**profile_overrides))).status_code == 302
    raw = answers_for(questionnaire, pick)
    response = None
    for step, dimension in enumerate(questionnaire.dimensions, start=2):
        page = {q.key: raw[q.key] for q in dimension.questions if q.key in raw}
        response = _post_section(client, token, step, page)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


def test_start_page_says_what_it_takes(client):
    html = client.get("/valutazione").get_data(as_text=True)
    assert "15 minuti" in html and "Privacy" in html


def test_progress_indicator_and_resume_link_on_every_page(client, questionnaire):
    token = _start(client)
    html = client.get(f"/valutazione/{token}/1").get_data(as_text=True)
    total = len(questionnaire.dimensions) + 1
    assert f"Sezione 1 di {total}" in html
    assert f"/riprendi/{token}" in html


@pytest.mark.parametrize("typed", ["mario.rossi", "mario@", "@example.org", "mario rossi@example.org"])
def test_mistyped_email_is_a_form_error_and_keeps_the_draft(client, questionnaire, typed):
    token = _start(client)
    response = client.post(f"/valutazione/{token}/1", data=_profile_form(profile(email=typed,
                                                                                 company_name="Forno Verdi")))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Indirizzo e-mail non valido" in html
    assert 'value="Forno Verdi"' in html


def test_wrong_vat_keeps_other_answers_and_the_draft(client, questionnaire):
    token = _start(client)
    data = _profile_form(profile(vat_number="12345678901", company_name="Forno Bianchi"))
    response = client.post(f"/valutazione/{token}/1", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "cifra di controllo" in html
    assert 'value="Forno Bianchi"' in html
    draft = db.session.execute(db.select(Assessment).order_by(Assessment.id.desc())).scalars().first()
    assert draft.draft_profile["company_name"] == "Forno Bianchi"


def test_every_profile_mistake_is_reported_at_once(client, questionnaire):
    token = _start(client)
    form = _profile_form(profile(employees="4.5", vat_number="12345678901", email="mario.rossi"))
    html = client.post(f"/valutazione/{token}/1", data=form).get_data(as_text=True)
    assert "Indica il numero di addetti" in html and "4.5" in html  # shown back as typed
    assert "e-mail" in html.lower() and "partita iva" in html.lower()
    assert len(re.findall(r'<p class="error" id=', html)) == 3


def test_missing_answer_shows_message_and_keeps_the_others(client, questionnaire):
    token = _start(client)
    client.post(f"/valutazione/{token}/1", data=_profile_form(profile()))
    dimension = questionnaire.dimensions[0]
    raw = answers_for(questionnaire)
    first, *rest = [q for q in dimension.questions if q.key in raw]
    response = _post_section(client, token, 2, {q.key: raw[q.key] for q in rest})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Rispondi a questa domanda per continuare." in html
    assert f'id="{first.key}-error"' in html
    draft = db.session.execute(db.select(Assessment).order_by(Assessment.id.desc())).scalars().first()
    assert set(draft.draft_answers) >= {q.key for q in rest}


def test_back_never_loses_answers(client, questionnaire):
    token = _start(client)
    client.post(f"/valutazione/{token}/1", data=_profile_form(profile()))
    raw = answers_for(questionnaire)
    dimension = questionnaire.dimensions[1]
    partial = {q.key: raw[q.key] for q in dimension.questions[:1]}
    response = _post_section(client, token, 3, partial, action="back")
    assert response.headers["Location"].endswith(f"/valutazione/{token}/2")
    html = client.get(f"/valutazione/{token}/3").get_data(as_text=True)
    key = dimension.questions[0].key
    assert re.search(rf'checked[^>]*id="{key}-\d+"|id="{key}-\d+"[^>]*checked', html)


def test_resume_link_opens_the_draft_in_another_browser(app, client, questionnaire):
    token = _start(client)
    client.post(f"/valutazione/{token}/1", data=_profile_form(profile()))
    other = app.test_client()
    response = other.get(f"/riprendi/{token}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/valutazione/{token}/2")
    assert "Panetteria Demo Rossi" in other.get(f"/valutazione/{token}/1").get_data(as_text=True)


def test_unknown_or_expired_token_is_404(client, questionnaire):
    assert client.get("/riprendi/not-a-token").status_code == 404
    token = _start(client)
    draft = db.session.execute(db.select(Assessment).order_by(Assessment.id.desc())).scalars().first()
    draft.expires_at = utcnow() - timedelta(days=1)
    db.session.commit()
    response = client.get(f"/riprendi/{token}")
    assert response.status_code == 404
    assert "Questo link non apre più nessuna valutazione" in response.get_data(as_text=True)  # says why


def test_a_draft_is_kept_from_its_last_change_as_the_privacy_notice_says(client, questionnaire):
    token = _start(client)
    draft = service.find_by_token(token)
    draft.expires_at = utcnow() + timedelta(days=1)  # about to go, but the owner is still working on it
    db.session.commit()
    client.post(f"/valutazione/{token}/1", data=_profile_form(profile()))
    db.session.refresh(draft)
    assert draft.expires_at > utcnow() + timedelta(days=89)


def test_enter_in_a_question_moves_forward(client, questionnaire):
    token = _start(client)
    page = client.get(f"/valutazione/{token}/2").get_data(as_text=True)
    first_button = re.search(r'<button type="submit" name="action" value="(\w+)"', page).group(1)
    assert first_button == "next"  # the button Enter uses


def test_full_flow_gives_result_and_pdf(client, questionnaire):
    token = _start(client)
    response = _complete(client, questionnaire, token, pick="max")
    assert response.headers["Location"].endswith(f"/risultato/{token}")
    html = client.get(f"/risultato/{token}").get_data(as_text=True)
    assert "100,0" in html  # the best answer everywhere: full marks, shown with one decimal
    assert "<svg" in html and "<table>" in html
    radar = html[html.index('<svg xmlns="http://www.w3.org/2000/svg"'):html.index("</svg>")]
    # Every area's name whole on the chart (wrapped, never cut) and its score written as the page writes it.
    written = " ".join(re.findall(r'<tspan x="[\d.]+" dy="-?\d+">([^<]+)</tspan>', radar))
    assert all(dimension.title.it in written for dimension in questionnaire.dimensions)
    assert "…" not in radar and radar.count('font-weight="700">100,0</tspan>') == len(questionnaire.dimensions)
    pdf = client.get(f"/risultato/{token}/rapporto.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    stored = db.session.execute(db.select(Assessment).order_by(Assessment.id.desc())).scalars().first()
    assert stored.status == AssessmentStatus.submitted and stored.overall_score == pytest.approx(100.0)
    assert len(stored.dimension_scores) == len(questionnaire.dimensions)


def test_resume_email_is_written_to_outbox(app, client, questionnaire, tmp_path):
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    token = _start(client)
    client.post(f"/valutazione/{token}/1", data=_profile_form(profile(email="forno@example.org")))
    mails = list(tmp_path.glob("*.eml"))
    assert len(mails) == 1 and token in mails[0].read_text()


def test_double_submit_creates_one_assessment(client, questionnaire):
    token = _start(client)
    _complete(client, questionnaire, token)
    last = questionnaire.dimensions[-1]
    raw = answers_for(questionnaire)
    again = _post_section(client, token, len(questionnaire.dimensions) + 1,
                          {q.key: raw[q.key] for q in last.questions if q.key in raw})
    assert again.headers["Location"].endswith(f"/risultato/{token}")
    company = db.session.execute(db.select(Company).order_by(Company.id.desc())).scalars().first()
    count = db.session.execute(db.select(db.func.count(Assessment.id)).filter_by(
        company_id=company.id, status=AssessmentStatus.submitted)).scalar()
    assert count == 1


def test_reassessment_shows_change_per_dimension(client, questionnaire):
    vat = vat_number()
    token = _start(client)
    _complete(client, questionnaire, token, pick="min", vat_number=vat)
    response = client.post(f"/risultato/{token}/nuova-valutazione")
    new_token = re.search(r"/valutazione/([^/]+)/1$", response.headers["Location"]).group(1)
    html = client.get(f"/valutazione/{new_token}/1").get_data(as_text=True)
    assert vat in html  # the profile starts from the company's data
    assert re.search(r'<input[^>]*checked[^>]*name="privacy_accepted"|<input[^>]*name="privacy_accepted"[^>]*checked',
                     html)  # the notice accepted last time, unchanged, is not asked again
    _complete(client, questionnaire, new_token, pick="max", vat_number=vat)
    html = client.get(f"/risultato/{new_token}").get_data(as_text=True)
    assert "Variazione" in html
    # Changes are written as the page writes numbers: a comma in Italian, with the sign.
    change = re.search(r"Rispetto alla valutazione precedente \([0-9/]+\): ([^ ]+) punti", html).group(1)
    assert re.fullmatch(r"\+\d+,\d", change), change
    # The chart names its dashed line, and its text alternative has the earlier scores too.
    assert "Questa valutazione" in html and re.search(r"Valutazione precedente \([0-9/]+\)</p>", html)
    assert re.search(r'<desc id="radar-desc">[^<]*\(prima \d+,\d\)', html)
    # The first result's link still opens; its recommendations now follow the newer assessment, and it says so.
    old = client.get(f"/risultato/{token}").get_data(as_text=True)
    assert "Questo è il risultato di una valutazione precedente" in old
    assert "Nessun percorso attivo" not in old


def test_expired_drafts_are_purged_and_submitted_ones_kept(runner, questionnaire):
    from assessment.services.assessments import start_draft
    from tests.factories import submit_company

    expired, _ = start_draft()
    expired.expires_at = utcnow() - timedelta(days=1)
    fresh, _ = start_draft()
    _company, submitted, _token = submit_company()
    db.session.commit()
    expired_id, kept = expired.id, {fresh.id, submitted.id}
    result = runner.invoke(args=["drafts", "purge"])
    assert result.exit_code == 0 and "expired drafts deleted: 1" in result.output
    remaining = set(db.session.execute(db.select(Assessment.id)).scalars())
    assert expired_id not in remaining and kept <= remaining


def test_result_shows_days_left_closing_soon_a_sportello_and_amounts(client, questionnaire):
    from assessment.clock import local_today
    from tests.web.test_admin_access import add_grant

    # The programme's day, not the server's: between 23:00 and 24:00 UTC Rome is already on the next day.
    add_grant("SOON", title="Voucher digitalizzazione in chiusura", closes_on=local_today() + timedelta(days=5),
              aid_max_eur=150_000, aid_forms=["Contributo/Fondo perduto"], purposes=["Digitalizzazione"])
    add_grant("DESK", title="Finanziamento a sportello per la transizione digitale", closes_on=None,
              aid_min_eur=5_000, purposes=["Digitalizzazione"])
    token = _start(client)
    _complete(client, questionnaire, token, pick="min")
    html = client.get(f"/risultato/{token}").get_data(as_text=True)
    assert "Voucher digitalizzazione in chiusura" in html and "in chiusura" in html
    assert "tra 5 giorni" in html and "fino a 150.000\xa0€" in html and "Contributo/Fondo perduto" in html
    assert "Finanziamento a sportello" in html and "a sportello" in html and "da 5.000\xa0€" in html
    client.get("/lang/en")
    html = client.get(f"/risultato/{token}").get_data(as_text=True)
    assert "in 5 days" in html and "€150,000" in html and "Non-repayable grant" in html  # all in English
    pdf = client.get(f"/risultato/{token}/rapporto.pdf")  # the same facts beside each call in the report
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_a_known_partita_iva_without_the_link_is_refused_until_the_company_mailbox_joins_the_draft(
        app, client, questionnaire, tmp_path):
    from assessment.models import ConsentKind
    from tests.factories import submit_company

    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    vat = vat_number()
    company, first, _ = submit_company(vat_number=vat, company_name="Cantina Vera", email="vera@example.org",
                                       coach_contact=True)
    db.session.commit()
    # Someone types the same (public) partita IVA: the draft is kept, the company is not reached.
    token = _start(client)
    form = _profile_form(profile(vat_number=vat, company_name="Cantina Falsa", email="falsa@example.org",
                                 coach_contact=False))
    page = client.post(f"/valutazione/{token}/1", data=form).get_data(as_text=True)
    assert "Questa partita IVA ha già una valutazione" in page and "Inviami il link" in page
    # Said in the same round as any other mistake, and offered right under the field.
    page = client.post(f"/valutazione/{token}/1", data={**form, "comune_istat": "Atlantide"}).get_data(as_text=True)
    assert "Questa partita IVA ha già una valutazione" in page and "Scegli il comune" in page
    assert page.index('id="company-link-offer"') < page.index('name="ateco_code"')
    assert "Cantina Vera" not in page
    assert client.get(f"/valutazione/{token}/2").status_code == 200  # the other pages still open...
    raw = answers_for(questionnaire, "max")
    for step, dimension in enumerate(questionnaire.dimensions, start=2):
        response = _post_section(client, token, step, {q.key: raw[q.key] for q in dimension.questions if q.key in raw})
    assert response.headers["Location"].endswith(f"/valutazione/{token}/1")  # ...but it cannot be submitted
    page = client.get(f"/valutazione/{token}/1").get_data(as_text=True)
    assert "Per inviare correggi i dati dell&#39;impresa" in page
    assert "Questa partita IVA ha già una valutazione" in page
    db.session.expire_all()
    company = db.session.get(Company, company.id)
    assert (company.name, company.email) == ("Cantina Vera", "vera@example.org")
    assert company.has_active_consent(ConsentKind.coach_contact)
    assert [a.id for a in company.assessments if a.status == AssessmentStatus.submitted] == [first.id]

    # The link goes to the company's registered address only; the page shows it masked.
    client.post(f"/valutazione/{token}/1", data=form)  # the comune mended: only the partita IVA is refused
    page = client.post(f"/valutazione/{token}/collegamento", follow_redirects=True).get_data(as_text=True)
    assert "v•••@example.org" in page
    # Waiting for the mailbox is not a mistake: no red banner, and the mail can be asked again.
    assert "Alcuni campi vanno corretti" not in page and "Non è arrivato: invialo di nuovo" in page
    mails = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
             for path in tmp_path.glob("*.eml")]
    assert [mail["To"] for mail in mails] == ["vera@example.org"]
    link = re.search(r"http://localhost(/valutazione/collega/\S+)", mails[0].get_content()).group(1)
    assert client.get(link.replace(link[-5:], "xxxxx")).status_code == 404
    assert "Cantina Vera" in client.get(link).get_data(as_text=True)  # a button, not the GET, joins
    response = client.post(link)
    new_token = re.search(r"/valutazione/([^/]+)/1$", response.headers["Location"]).group(1)
    assert client.get(f"/valutazione/{token}/1").status_code == 404  # the typist's link stops working
    assert client.get(link).status_code == 404  # and the mailed one is used up
    # The consents on file stay ticked: the box left empty by the typist does not end the company's coaching.
    page = client.get(f"/valutazione/{new_token}/1").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*name="coach_contact"|<input[^>]*name="coach_contact"[^>]*checked',
                     page)
    # Who the company is comes from its record: what the typist wrote (name, address) is gone.
    assert 'value="vera@example.org"' in page and "Cantina Vera" in page
    assert "falsa@example.org" not in page and "Cantina Falsa" not in page
    _complete(client, questionnaire, new_token, vat_number=vat, company_name="Cantina Vera", email="")
    html = client.get(f"/risultato/{new_token}").get_data(as_text=True)
    assert "Cantina Vera" in html and "Rispetto alla valutazione" in html
    db.session.expire_all()
    assert db.session.get(Company, company.id).email == "vera@example.org"  # an empty field erases nothing


def test_the_api_cannot_reach_a_known_company(client, questionnaire):
    from tests.factories import submit_company

    vat = vat_number()
    submit_company(vat_number=vat, pick="max")
    response = client.post("/api/v1/assessments", json={
        "questionnaire": "dma-sme", "profile": profile(vat_number=vat), "answers": answers_for(questionnaire, "min")})
    assert response.status_code == 422
    assert "partita IVA ha già una valutazione" in response.get_json()["error"]["fields"]["profile.vat_number"]
    # The app's own mark of a draft opened from the company's link is not input the API takes.
    response = client.post("/api/v1/assessments", json={
        "questionnaire": "dma-sme", "profile": {**profile(vat_number=vat), "_from_link": True},
        "answers": answers_for(questionnaire, "min")})
    assert response.status_code == 422 and "profile._from_link" in response.get_json()["error"]["fields"]

def test_the_company_keeps_the_language_its_owner_finished_in(client, questionnaire):
    token = _start(client)  # started in Italian...
    client.get("/lang/en")  # ...finished in English
    _complete(client, questionnaire, token)
    assessment = service.find_by_token(token)
    assert (assessment.language, assessment.company.language) == ("en", "en")


def test_the_home_page_offers_back_what_this_browser_started(client, questionnaire):
    assert "Riprendi la valutazione iniziata" not in client.get("/").get_data(as_text=True)
    token = _start(client)
    home = client.get("/").get_data(as_text=True)
    assert f"/riprendi/{token}" in home and "Inizia una nuova autovalutazione" in home
    _complete(client, questionnaire, token, company_name="Forno Nominato")
    home = client.get("/").get_data(as_text=True)
    assert f"/risultato/{token}" in home and "Rivedi il risultato di Forno Nominato" in home  # whose, on a shared PC
    # On a shared computer it is forgotten by itself some hours after its last use, and at once on request.
    with client.session_transaction() as session:
        session["resume_at"] -= 7 * 3600
    client.get(f"/risultato/{token}")  # in use: the hours count again from now
    with client.session_transaction() as session:
        session["resume_at"] -= 2 * 3600
    assert f"/risultato/{token}" in client.get("/").get_data(as_text=True)
    with client.session_transaction() as session:
        session["resume_at"] -= 9 * 3600
    assert f"/risultato/{token}" not in client.get("/").get_data(as_text=True)
    client.get(f"/riprendi/{token}")
    assert f"/risultato/{token}" in client.get("/").get_data(as_text=True)
    client.post("/dimentica")
    assert f"/risultato/{token}" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/risultato/{token}").status_code == 200  # the link itself still works


def test_an_opinion_on_a_recommendation_is_kept_once_and_shown(client, questionnaire):
    from assessment.models import FeedbackSource, Match, MatchFeedback
    from tests.factories import submit_company
    from tests.web.test_admin_access import add_track

    add_track("T-OPINION")
    company, _, token = submit_company(pick="min")
    db.session.commit()
    match = db.session.execute(db.select(Match).filter_by(company_id=company.id, kind="track")).scalars().first()
    url = f"/risultato/{token}/suggerimenti/{match.id}"
    response = client.post(url, data={"relevant": "1"})
    assert response.headers["Location"].endswith(f"/risultato/{token}#match-{match.id}")  # back where it was
    assert "Hai indicato: utile." in client.get(f"/risultato/{token}").get_data(as_text=True)
    client.post(url, data={"relevant": "0"})  # changing one's mind replaces the opinion
    opinions = db.session.execute(db.select(MatchFeedback).filter_by(match_id=match.id)).scalars().all()
    assert [(o.source, o.is_relevant) for o in opinions] == [(FeedbackSource.owner, False)]
    assert "Hai indicato: non pertinente." in client.get(f"/risultato/{token}").get_data(as_text=True)


def test_the_privacy_notice_names_the_controller_and_is_linked_where_consent_is_asked(app, client, monkeypatch):
    page = client.get("/privacy").get_data(as_text=True)
    assert "non ha ancora indicato qui il suo nome" in page  # said plainly, never a made-up controller
    monkeypatch.setitem(app.config, "PRIVACY_CONTROLLER", "Camera di commercio di Torino")
    monkeypatch.setitem(app.config, "PRIVACY_CONTACT", "privacy@to.camcom.it")
    page = client.get("/privacy").get_data(as_text=True)
    assert "Titolare del trattamento: Camera di commercio di Torino." in page
    assert "privacy@to.camcom.it" in page and "dopo 90 giorni" in page and "Versione 2026-11." in page
    token = _start(client)
    assert 'href="/privacy"' in client.get(f"/valutazione/{token}/1").get_data(as_text=True)


@pytest.mark.parametrize("overrides, field, message", [
    ({"ateco_code": "107110"}, None, None),  # an undotted code is the same code
    ({"comune_istat": "Aglie"}, None, None),  # Agliè, typed without the accent
    ({"comune_istat": "Borgofranco d’Ivrea"}, None, None),  # a phone's curly apostrophe
    ({"comune_istat": "Ivrea, TO"}, None, None),  # the province without brackets
    ({"ateco_code": "56.30.00"}, "ateco_code", "56.30.00 è un codice ATECO 2007: dal 2025 è diventato 56.30.01"),
    ({"comune_istat": "Samone"}, "comune_istat", "Più comuni hanno questo nome: scegli quello giusto, per esempio"),
])
def test_the_profile_understands_what_owners_type(client, questionnaire, overrides, field, message):
    token = _start(client)
    response = client.post(f"/valutazione/{token}/1", data=_profile_form(profile(**overrides)))
    if field is None:
        assert response.status_code == 302
    else:
        assert message in response.get_data(as_text=True).replace("&#39;", "'")


def test_suggestions_ignore_accents_and_plurals(client):
    comuni = client.get("/api/v1/comuni?q=aglie").get_json()["items"]
    assert "Agliè (TO)" in [c["value"] for c in comuni]
    ateco = client.get("/api/v1/ateco?q=ristorante").get_json()["items"]
    assert "56.11" in [a["value"] for a in ateco]


def test_a_link_opened_on_another_device_keeps_the_language_the_assessment_began_in(app, client, questionnaire):
    client.get("/lang/en")
    token = _start(client)  # begun in English
    other = app.test_client()  # the e-mail opened on a phone that never chose a language
    response = other.get(f"/riprendi/{token}")
    assert "lang=en" in response.headers.get("Set-Cookie", "")  # remembered for the next pages
    page = other.get(f"/valutazione/{token}/1").get_data(as_text=True)
    assert '<html lang="en">' in page
    phone = app.test_client()  # a browser that keeps no cookie still reads it in English, without loops
    assert '<html lang="en">' in phone.get(f"/valutazione/{token}/1").get_data(as_text=True)
    chosen = app.test_client()
    chosen.get("/lang/it")  # a browser that chose Italian keeps it
    assert '<html lang="it">' in chosen.get(f"/riprendi/{token}", follow_redirects=True).get_data(as_text=True)


def test_a_reassessment_starts_with_the_turnover_choice_made(client, questionnaire):
    from tests.factories import submit_company

    company, _, token = submit_company(annual_turnover_eur=400_000)  # an exact amount, as the API takes it
    db.session.commit()
    response = client.post(f"/risultato/{token}/nuova-valutazione")
    new_token = re.search(r"/valutazione/([^/]+)/1$", response.headers["Location"]).group(1)
    page = client.get(f"/valutazione/{new_token}/1").get_data(as_text=True)
    assert re.search(r'<option[^>]*selected[^>]*value="2000000"|<option[^>]*value="2000000"[^>]*selected', page)


def test_the_activity_field_takes_a_whole_description(client, questionnaire):
    token = _start(client)
    page = client.get(f"/valutazione/{token}/1").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="ateco_code"[^>]*>', page).group(0)
    assert 'maxlength="120"' in field  # "commercio al dettaglio di abbigliamento" fits while searching


def test_the_owner_erases_the_company_with_every_draft_begun_with_its_partita_iva(client, questionnaire):
    from assessment.models import Assessment

    vat = vat_number()
    token = _start(client)
    _complete(client, questionnaire, token, vat_number=vat, company_name="Forno da Cancellare")
    # Someone else typed the same partita IVA and stopped: that draft names the company too.
    other = _start(client)
    client.post(f"/valutazione/{other}/1", data=_profile_form(profile(vat_number=f"IT {vat}",
                                                                       company_name="Forno da Cancellare")))
    data = client.get(f"/risultato/{token}/dati.json").get_json()
    assert data["company"]["vat_number"] == vat
    assert data["company"]["created_at"].endswith("Z")  # UTC said, not left to be taken for Rome time
    page = client.get(f"/risultato/{token}/cancella").get_data(as_text=True)
    assert f"/risultato/{token}/dati.json" in page and f"/risultato/{token}/rapporto.pdf" in page
    response = client.post(f"/risultato/{token}/cancella", data={"confirm": "y"}, follow_redirects=True)
    assert "senza nome né partita IVA" in response.get_data(as_text=True)
    assert client.get(f"/risultato/{token}").status_code == 404
    assert client.get(f"/valutazione/{other}/1").status_code == 404
    db.session.expire_all()
    left = db.session.execute(db.select(Assessment.draft_profile)).scalars().all()
    assert not any("Forno da Cancellare" in str(profile) or vat in str(profile) for profile in left)


def test_the_result_page_says_who_follows_the_company(client, make_user):
    from tests.factories import propose, submit_company

    company, _assessment, token = submit_company(coach_contact=True)
    assert "Chiedi di essere seguito da un coach" not in client.get(f"/risultato/{token}").get_data(as_text=True)
    coach = make_user("coach")
    assignment = propose(company, coach)
    db.session.commit()
    page = client.get(f"/risultato/{token}").get_data(as_text=True)
    assert "sta esaminando la tua richiesta" in page and coach.name not in page  # a proposal names nobody yet
    from assessment.models import AssignmentStatus

    assignment.status = AssignmentStatus.accepted
    db.session.commit()
    page = client.get(f"/risultato/{token}").get_data(as_text=True)
    assert f"Ti segue {coach.name}, coach del programma." in page and coach.email not in page


def test_the_home_page_says_where_a_lost_link_is(app, client, monkeypatch):
    assert "chiedi al gestore del programma" in client.get("/").get_data(as_text=True)
    monkeypatch.setitem(app.config, "PRIVACY_CONTACT", "bussola@example.org")
    assert "scrivi a bussola@example.org" in client.get("/").get_data(as_text=True)


def test_a_third_assessment_shows_the_way_since_the_first(app, client):
    from assessment.services.results import build_result
    from tests.factories import submit_company

    company, first, _ = submit_company("min")
    _, second, _ = submit_company("mid", company=company)
    _, third, _ = submit_company("max", company=company)
    db.session.flush()
    with app.test_request_context():
        view = build_result(third, "it")
        assert view.previous.id == second.id and view.first.id == first.id
        assert view.change_since_first == round(round(third.overall_score, 1) - round(first.overall_score, 1), 1)
        assert build_result(second, "it").first is None  # the previous one is the first: said once


def test_mailed_links_are_built_on_the_public_address_not_on_the_host_header(app, client, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://bussola.example.org")
    token = _start(client)
    client.post(f"/valutazione/{token}/1", data=_profile_form(profile(email="titolare@example.org")),
                headers={"Host": "evil.example"})
    mail = email.message_from_bytes(next(tmp_path.glob("*.eml")).read_bytes(), policy=email.policy.default)
    assert f"https://bussola.example.org/riprendi/{token}" in mail.get_content()
    assert "evil.example" not in mail.get_content()


def test_production_needs_the_public_address():
    from assessment.config import ConfigError, load_config

    base = {"APP_ENV": "production", "SECRET_KEY": "x" * 32, "DATABASE_URL": "postgresql://db/bussola"}
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        load_config(base)
    config = load_config({**base, "PUBLIC_BASE_URL": "https://bussola.example.org/", "TRUSTED_HOSTS": "a.org, b.org"})
    assert config["PUBLIC_BASE_URL"] == "https://bussola.example.org" and config["TRUSTED_HOSTS"] == ["a.org", "b.org"]


def test_pasted_control_characters_never_reach_the_company(client, questionnaire):
    token = _start(client)
    _complete(client, questionnaire, token, company_name="  Forno\x07 Rossi\x0b ")
    db.session.expire_all()
    assessment = db.session.execute(db.select(Assessment).where(Assessment.status == AssessmentStatus.submitted)
                                    .order_by(Assessment.id.desc()).limit(1)).scalar_one()
    assert assessment.company.name == "Forno Rossi"


def test_the_resume_link_is_mailed_to_a_few_addresses_at_most(app, client, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path))
    token = _start(client)
    for n in range(5):  # whoever fills the page types the address: not a way to mail strangers at will
        page = client.post(f"/valutazione/{token}/1", data=_profile_form(profile(email=f"persona{n}@example.org")),
                           follow_redirects=True).get_data(as_text=True)
    assert len(list(tmp_path.glob("*.eml"))) == 3
    assert "Non inviamo altre e-mail da questa valutazione" in page


def test_a_workshop_behind_one_address_gets_every_link_but_a_recipient_only_a_few(rate_limited_app, tmp_path):
    rate_limited_app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    client = rate_limited_app.test_client()
    for n in range(12):  # twelve owners at one workshop: one network address, each their own draft and e-mail
        token = _start(client)
        client.post(f"/valutazione/{token}/1", data=_profile_form(profile(email=f"owner{n}@example.org")))
    assert len(list(tmp_path.glob("*.eml"))) == 12
    for _ in range(5):  # one address typed in five new drafts: three mails in the hour, then the page says so
        token = _start(client)
        page = client.post(f"/valutazione/{token}/1", data=_profile_form(profile(email="victim@example.org")),
                           follow_redirects=True).get_data(as_text=True)
    assert len(list(tmp_path.glob("*.eml"))) == 15
    assert "A questo indirizzo abbiamo appena inviato altre e-mail" in page


def test_a_crafted_turnover_is_a_form_error_not_a_crash(client):
    token = _start(client)
    response = client.post(f"/valutazione/{token}/1", data={**_profile_form(profile()), "annual_turnover_eur": "²"})
    assert response.status_code == 200 and "Indica il fatturato annuo." in response.get_data(as_text=True)


def test_a_link_mailed_for_one_company_is_not_claimed_for_another(app, client, monkeypatch, tmp_path):
    from tests.factories import submit_company

    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path))
    first, second = vat_number(), vat_number()
    submit_company(vat_number=first, email="a@example.org")
    submit_company(vat_number=second, email="b@example.org")
    db.session.commit()
    token = _start(client)
    client.post(f"/valutazione/{token}/1", data=_profile_form(profile(vat_number=first)))
    page = client.post(f"/valutazione/{token}/collegamento", follow_redirects=True).get_data(as_text=True)
    assert "Non è arrivato: invialo di nuovo" in page
    page = client.post(f"/valutazione/{token}/1", data=_profile_form(profile(vat_number=second)),
                       follow_redirects=True).get_data(as_text=True)
    assert "Non è arrivato" not in page and "Inviami il link" in page  # nothing went to the second company


def test_a_crafted_theme_is_not_stored(client, questionnaire):
    import uuid

    from assessment.models import ThematicArea

    key = f"area_{uuid.uuid4().hex[:8]}"
    db.session.add(ThematicArea(key=key, name_it="Area di prova", name_en="Test area"))
    db.session.commit()
    token = _start(client)
    client.post(f"/valutazione/{token}/1", data={**_profile_form(profile()), "themes": [key, "x" * 500]})
    assert service.find_by_token(token).draft_profile["themes"] == [key]


def test_the_weakest_areas_heading_fits_a_company_strong_everywhere(client, questionnaire):
    strong, weak = _start(client), None
    _complete(client, questionnaire, strong, pick="max")
    assert "Dove puoi ancora crescere" in client.get(f"/risultato/{strong}").get_data(as_text=True)
    weak = _start(client)
    _complete(client, questionnaire, weak, pick="min")
    page = client.get(f"/risultato/{weak}").get_data(as_text=True)
    assert "Da dove partire: le tre aree più deboli" in page and "Dove puoi ancora crescere" not in page
