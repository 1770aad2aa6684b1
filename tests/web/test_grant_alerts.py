"""Grant alerts end to end: subscribe on the result page, confirm from the mailed link, catalogue changes, one
`alerts send` round, and the mails in the outbox (who gets what, when, once); unsubscribe; SMTP failures;
erasure. The catalogue changes are written as the sync writes them (grant rows and GrantRevision rows)."""
from __future__ import annotations

import re
import smtplib
from datetime import date, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from assessment.extensions import db
from assessment.models import (
    AlertStatus,
    AlertSubscription,
    AuditEntry,
    CalendarFeed,
    ConsentKind,
    Grant,
    GrantAlert,
    GrantChangeKind,
    GrantRevision,
)
from assessment.services.grant_alerts import run_round
from assessment.services.matching import recompute_matches
from tests.factories import submit_company

# 10:00 in Rome on Monday 7 December 2026 is 09:00 UTC; a day without a coach digest is a Tuesday.
TUESDAY = datetime(2026, 12, 8, 9, 0)


@pytest.fixture
def outbox(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    return Mailbox(tmp_path)


class Mailbox:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: set[Path] = set()

    def new(self) -> list:
        """The mails written since the last call."""
        files = sorted(set(self.path.glob("*.eml")) - self.seen)
        self.seen |= set(files)
        return [BytesParser(policy=policy.default).parse(f.open("rb")) for f in files]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def add_grant(external_id: str, *, days_open: int = 60, seen_at: datetime | None = None, **overrides) -> Grant:
    """An open national call as the sync stores it."""
    seen = seen_at or (TUESDAY - timedelta(days=30))
    grant = Grant(**{"source": "incentivi.gov.it", "external_id": external_id, "title": f"Bando {external_id}",
                     "description": "Digitalizzazione, e-commerce e sito web per le piccole imprese",
                     "purposes": ["Innovazione e ricerca", "Digitalizzazione"], "content_hash": "0" * 64,
                     "opens_on": date(2026, 1, 1), "closes_on": TUESDAY.date() + timedelta(days=days_open),
                     "regions": ["Piemonte"], "sizes": ["micro", "small"], "subject_types": ["Impresa"],
                     "aid_forms": ["Contributo/Fondo perduto"], "dimensions": ["digital_strategy"],
                     "first_seen_at": seen, "last_seen_at": seen, "last_changed_at": seen, **overrides})
    db.session.add(grant)
    db.session.flush()
    return grant


def subscribed(client, outbox, **profile):
    """A company with a result, subscribed and confirmed through the pages; returns (company, result token)."""
    company, _, token = submit_company(**profile)
    db.session.commit()
    response = client.post(f"/risultato/{token}/avvisi")
    assert response.status_code == 302
    [mail] = outbox.new()
    link = re.search(r"(/avvisi/conferma/[\w-]+)", text_of(mail)).group(1)
    assert client.post(link).status_code == 200
    subscription = db.session.execute(db.select(AlertSubscription).filter_by(company_id=company.id)).scalar_one()
    # Confirmed "yesterday": what happens from now on is news.
    subscription.confirmed_at = TUESDAY - timedelta(days=1)
    db.session.commit()
    return company, token


def test_double_opt_in_nothing_is_sent_before_the_mailed_link_is_confirmed(client, outbox):
    add_grant("OLD")
    company, _, token = submit_company(company_name="Officina Conferme Srl", email="titolare@example.org")
    db.session.commit()
    page = client.get(f"/risultato/{token}").get_data(as_text=True)
    assert "Avvisami quando si apre un bando adatto alla mia impresa e prima delle scadenze" in page
    client.post(f"/risultato/{token}/avvisi")
    [mail] = outbox.new()
    assert mail["To"] == "titolare@example.org" and "conferma" in mail["Subject"]
    link = re.search(r"(/avvisi/conferma/[\w-]+)", text_of(mail)).group(1)
    add_grant("NEW-BEFORE-CONFIRM", seen_at=TUESDAY - timedelta(hours=1))
    recompute_matches()
    db.session.commit()
    assert run_round(now=TUESDAY).alerts == 0 and outbox.new() == []  # not confirmed: nothing
    assert "Ti abbiamo scritto" in client.get(f"/risultato/{token}").get_data(as_text=True)
    # Opening the link confirms nothing (mail scanners open links); the button does.
    assert "Conferma gli avvisi" in client.get(link).get_data(as_text=True)
    assert not company.has_active_consent(ConsentKind.grant_alerts)
    client.post(link)
    db.session.refresh(company)
    consent = next(c for c in company.consents if c.kind == ConsentKind.grant_alerts)
    assert consent.withdrawn_at is None and consent.text_version == "2026-12"
    actions = set(db.session.execute(db.select(AuditEntry.action).filter_by(company_id=company.id)).scalars())
    assert {"alerts_subscribed", "alerts_confirmed"} <= actions
    exported = client.get(f"/risultato/{token}/dati.json").get_json()
    assert exported["grant_alert_subscription"]["email"] == "titolare@example.org"
    assert any(c["kind"] == "grant_alerts" for c in exported["consents"])


def test_a_new_call_reaches_the_eligible_companies_only(client, outbox):
    fit, fit_token = subscribed(client, outbox, company_name="Micro Digitale Srl", email="micro@example.org",
                                employees=4)
    unfit, _ = subscribed(client, outbox, company_name="Media Impresa Spa", email="media@example.org",
                          employees=120, annual_turnover_eur=30_000_000)
    grant = add_grant("NEW-MICRO", seen_at=TUESDAY - timedelta(hours=2), sizes=["micro"])
    db.session.commit()
    report = run_round(now=TUESDAY)
    assert (report.alerts, report.sent) == (1, 1)
    [mail] = outbox.new()
    assert mail["To"] == "micro@example.org"
    body = text_of(mail)
    assert "Bando NEW-MICRO" in body and "Nuovi bandi adatti" in body
    assert f"/bandi/{grant.id}?risultato={fit_token}" in body and f"/bandi/{grant.id}?risultato=" in html_of(mail)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Unsubscribe"].startswith("<http") and mail["List-Unsubscribe"].endswith("/one-click>")
    # The reason line is the recommender's, as on the result page.
    assert re.search(r"\n  \S.+\n  http", body)
    # Never twice for the same reason: the next day's round has nothing new.
    assert run_round(now=TUESDAY + timedelta(days=1)).alerts == 0 and outbox.new() == []
    assert fit.id != unfit.id


def test_an_english_company_reads_its_alert_in_english(client, outbox):
    company, _ = subscribed(client, outbox, company_name="English Ltd", email="en@example.org")
    company.language = "en"
    add_grant("NEW-EN", seen_at=TUESDAY - timedelta(hours=2))
    db.session.commit()
    run_round(now=TUESDAY)
    [mail] = outbox.new()
    assert "New suitable calls" in text_of(mail) and "news on grants" in mail["Subject"]


def test_deadline_reminders_at_14_and_3_days_in_the_programmes_time_zone(client, outbox):
    closes = date(2026, 12, 22)
    grant = add_grant("CLOSING", closes_on=closes)
    subscribed(client, outbox, email="scadenze@example.org")
    # 23:30 UTC on 7 December is already 8 December in Rome: 14 days before the closing day.
    run_round(now=datetime(2026, 12, 7, 22, 30))  # 23:30 in Rome, still the 7th: 15 days, nothing
    assert outbox.new() == []
    run_round(now=datetime(2026, 12, 7, 23, 30))
    [mail] = outbox.new()
    assert "Scadenze vicine" in text_of(mail) and "scade tra 14 giorni" in text_of(mail)
    assert grant.title in text_of(mail)
    for day in range(9, 19):  # 13 to 4 days before: nothing new
        run_round(now=datetime(2026, 12, day, 9))
    assert outbox.new() == []
    run_round(now=datetime(2026, 12, 19, 9))
    [mail] = outbox.new()
    assert "scade tra 3 giorni" in text_of(mail)
    run_round(now=datetime(2026, 12, 20, 9))
    assert outbox.new() == []


def test_an_amended_and_then_withdrawn_matched_call(client, outbox):
    grant = add_grant("CHANGING", aid_max_eur=10_000)
    subscribed(client, outbox, email="modifiche@example.org")
    old_close = grant.closes_on
    grant.closes_on = old_close + timedelta(days=30)
    grant.aid_max_eur = 20_000
    db.session.add(GrantRevision(grant=grant, kind=GrantChangeKind.amended, changed_at=TUESDAY - timedelta(hours=1),
                                 changes={"closes_on": {"old": old_close.isoformat(),
                                                        "new": grant.closes_on.isoformat()},
                                          "aid_max_eur": {"old": 10000, "new": 20000},
                                          "description": {"old": "a", "new": "b"}}))
    db.session.commit()
    run_round(now=TUESDAY)
    [mail] = outbox.new()
    body = text_of(mail)
    assert "Bandi cambiati" in body and "Data di chiusura" in body and old_close.isoformat() in body
    assert "20000" in body and "Descrizione" not in body
    grant.withdrawn_at = TUESDAY + timedelta(hours=20)
    db.session.add(GrantRevision(grant=grant, kind=GrantChangeKind.withdrawn, changed_at=grant.withdrawn_at))
    db.session.commit()
    run_round(now=TUESDAY + timedelta(days=1))
    [mail] = outbox.new()
    assert "ritirato dal catalogo nazionale" in text_of(mail)


def test_at_most_one_mail_a_day(client, outbox):
    subscribed(client, outbox, email="una@example.org")
    add_grant("FIRST", seen_at=TUESDAY - timedelta(hours=3))
    db.session.commit()
    run_round(now=TUESDAY)
    assert len(outbox.new()) == 1
    add_grant("SECOND", seen_at=TUESDAY + timedelta(hours=1))
    db.session.commit()
    assert run_round(now=TUESDAY + timedelta(hours=3), trigger="sync").alerts == 0  # same day: waits
    assert outbox.new() == []
    run_round(now=TUESDAY + timedelta(days=1))
    [mail] = outbox.new()
    assert "Bando SECOND" in text_of(mail) and "Bando FIRST" not in text_of(mail)


def test_one_click_unsubscribe_needs_no_csrf_token_and_the_page_form_does(app, client, outbox, monkeypatch):
    company, token = subscribed(client, outbox, email="via@example.org")
    add_grant("NEWS", seen_at=TUESDAY - timedelta(hours=1))
    db.session.commit()
    run_round(now=TUESDAY)
    [mail] = outbox.new()
    one_click = mail["List-Unsubscribe"].strip("<>")
    page = re.search(r"(http\S+/avvisi/disiscrivi/[\w-]+)", text_of(mail)).group(1)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(urlsplit(page).path).status_code == 400  # the page's form needs its token
    response = client.post(urlsplit(one_click).path, data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    db.session.refresh(company)
    assert not company.has_active_consent(ConsentKind.grant_alerts)
    assert "alerts_withdrawn" in db.session.execute(
        db.select(AuditEntry.action).filter_by(company_id=company.id)).scalars().all()
    add_grant("AFTER", seen_at=TUESDAY + timedelta(days=1))
    db.session.commit()
    assert run_round(now=TUESDAY + timedelta(days=2)).alerts == 0
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    assert "Avvisami quando" in client.get(f"/risultato/{token}").get_data(as_text=True)


def test_unsubscribe_page_from_the_mail_text(client, outbox):
    company, _ = subscribed(client, outbox, email="pagina@example.org")
    add_grant("NEWS", seen_at=TUESDAY - timedelta(hours=1))
    db.session.commit()
    run_round(now=TUESDAY)
    [mail] = outbox.new()
    path = "/" + re.search(r"https?://[^/]+/(avvisi/disiscrivi/[\w-]+)", text_of(mail)).group(1)
    page = client.get(path).get_data(as_text=True)
    assert "Annulla l'iscrizione" in page and "pagina@example.org" in page
    assert "Iscrizione annullata" in client.post(path).get_data(as_text=True)
    db.session.refresh(company)
    assert not company.has_active_consent(ConsentKind.grant_alerts)


def test_smtp_down_then_up_sends_the_stored_alert_once(app, client, outbox, monkeypatch):
    subscribed(client, outbox, email="smtp@example.org")
    add_grant("NEWS", seen_at=TUESDAY - timedelta(hours=1))
    db.session.commit()
    attempts = []

    class Server:
        def __init__(self, host, port, timeout=None):
            attempts.append(host)
            if len(attempts) == 1:
                raise ConnectionRefusedError(111, "Connection refused")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def send_message(self, message):
            delivered.append(message)

    delivered = []
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.org")
    monkeypatch.setattr(smtplib, "SMTP", Server)
    report = run_round(now=TUESDAY)
    assert (report.alerts, report.sent, report.failed) == (1, 0, 1)
    alert = db.session.execute(db.select(GrantAlert)).scalar_one()
    assert alert.status == AlertStatus.failed and "ConnectionRefusedError" in alert.last_error
    assert run_round(now=TUESDAY + timedelta(minutes=1)).sent == 0  # backoff: not yet
    report = run_round(now=TUESDAY + timedelta(minutes=10))
    assert (report.alerts, report.sent) == (0, 1)  # the stored mail, not a new one
    run_round(now=TUESDAY + timedelta(hours=5))
    assert len(delivered) == 1 and "Bando NEWS" in delivered[0].get_body(("plain",)).get_content()
    db.session.refresh(alert)
    assert alert.status == AlertStatus.sent and alert.attempts == 2


def test_a_crash_after_computing_sends_the_stored_alert_once(client, outbox):
    from assessment.services.grant_alerts import compute_round, send_pending

    subscribed(client, outbox, email="crash@example.org")
    add_grant("NEWS", seen_at=TUESDAY - timedelta(hours=1))
    db.session.commit()
    compute_round(now=TUESDAY)
    db.session.commit()  # the worker dies here, before sending
    assert outbox.new() == []
    run_round(now=TUESDAY + timedelta(hours=1))  # the next run: nothing recomputed, the stored one sent
    assert len(outbox.new()) == 1
    assert send_pending(now=TUESDAY + timedelta(days=1)) == (0, 0)
    assert db.session.execute(db.select(db.func.count(GrantAlert.id))).scalar_one() == 1


def test_erasure_removes_the_subscription_the_alerts_and_the_calendar(client, outbox):
    company, token = subscribed(client, outbox, email="cancella@example.org")
    add_grant("NEWS", seen_at=TUESDAY - timedelta(hours=1))
    db.session.commit()
    run_round(now=TUESDAY)
    outbox.new()
    page = client.get(f"/risultato/{token}").get_data(as_text=True)
    feed = re.search(r'href="http://[^"/]+(/bandi/calendario/[\w-]+\.ics)"', page).group(1)
    assert client.get(feed).status_code == 200
    client.post(f"/risultato/{token}/cancella", data={"confirm": "y"})
    assert client.get(feed).status_code == 404
    assert db.session.execute(db.select(AlertSubscription).filter_by(company_id=company.id)).first() is None
    assert db.session.execute(db.select(GrantAlert).filter_by(company_id=company.id)).first() is None
    add_grant("LATER", seen_at=TUESDAY + timedelta(hours=30))
    db.session.commit()
    assert run_round(now=TUESDAY + timedelta(days=2)).alerts == 0 and outbox.new() == []


def _open_record(record: dict, **changes) -> dict:
    """A sample record made open today, in Piemonte, for micro and small firms."""
    return {**record, "Data_apertura": "2026-01-01T00:00:00", "Data_chiusura": "2027-06-30T00:00:00",
            "Regioni": ["Piemonte"], "Dimensioni": ["Microimpresa", "Piccola Impresa"], **changes}


def test_a_sync_on_the_fake_solr_then_alerts_send(client, runner, outbox, fake_solr):
    """The catalogue changes by a real sync (tests/fake_solr.py), then `alerts send` mails them."""
    import json

    from assessment.services.grant_sync import sync_national_catalogue
    from assessment.services.incentivi_client import FetchSettings
    from tests.fake_solr import solr_docs

    sample = Path(__file__).resolve().parents[2] / "assessment" / "data" / "incentivi_gov_it_sample.json"
    records = [_open_record(r) for r in json.loads(sample.read_text(encoding="utf-8"))]
    settings = FetchSettings(url=fake_solr.url, page_size=2, connect_timeout=0.5, read_timeout=0.5, retries=1,
                             backoff=0, user_agent="BussolaDigitale/test (+tests)")
    fake_solr.docs = solr_docs(records[:2])
    sync_national_catalogue(db.session, settings)
    db.session.commit()
    company, token = subscribed(client, outbox, email="sync@example.org")
    subscription = db.session.execute(db.select(AlertSubscription)).scalar_one()
    subscription.confirmed_at = utcnow_minus(minutes=5)
    db.session.commit()
    fitting = {**records[0], "ID_Incentivo": "99001", "Titolo": "Voucher digitali per le micro imprese piemontesi"}
    # Two new calls: 1426 is for the culture sector only (ATECO 90), the bakery may not apply.
    fake_solr.docs = solr_docs([records[0], records[1], records[2], fitting])
    assert sync_national_catalogue(db.session, settings).sync.new == 2
    db.session.commit()
    new_grant = db.session.execute(db.select(Grant).filter_by(external_id="99001")).scalar_one()
    unfit = db.session.execute(db.select(Grant).filter_by(external_id=records[2]["ID_Incentivo"])).scalar_one()
    result = runner.invoke(args=["alerts", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    [mail] = outbox.new()
    assert new_grant.title in text_of(mail) and f"/bandi/{new_grant.id}?risultato={token}" in text_of(mail)
    assert unfit.title not in text_of(mail)
    assert runner.invoke(args=["alerts", "send", "--dry-run"]).output.count("would send") == 0


def utcnow_minus(**delta) -> datetime:
    from assessment.models import utcnow

    return utcnow() - timedelta(**delta)


def test_the_calendar_address_is_stored_with_the_submission_and_the_result_page_writes_nothing(client, outbox):
    from sqlalchemy import event

    company, _, token = submit_company(email="feed@example.org")
    db.session.commit()
    assert db.session.get(CalendarFeed, company.id) is not None
    writes = []

    def note_writes(_conn, _cursor, statement, *_):
        if statement.split()[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", note_writes)
    try:
        first = client.get(f"/risultato/{token}").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", note_writes)
    assert writes == []
    db.session.rollback()  # nothing of that request may live only in this test's session
    second = client.get(f"/risultato/{token}").get_data(as_text=True)
    feed = re.search(r'href="http://[^"/]+(/bandi/calendario/[\w-]+\.ics)"', first).group(1)
    assert feed in second and client.get(feed).status_code == 200


def test_a_company_assessed_before_feeds_gets_its_address_stored_on_its_first_visit(client, outbox):
    company, _, token = submit_company(email="old@example.org")
    db.session.execute(db.delete(CalendarFeed).where(CalendarFeed.company_id == company.id))
    db.session.commit()
    first = client.get(f"/risultato/{token}").get_data(as_text=True)
    db.session.rollback()
    feed = re.search(r'href="http://[^"/]+(/bandi/calendario/[\w-]+\.ics)"', first).group(1)
    assert db.session.get(CalendarFeed, company.id) is not None
    assert client.get(feed).status_code == 200


def test_calendar_feed_and_single_event_parse_back(client, outbox):
    from icalendar import Calendar

    grant = add_grant("CAL", closes_on=date(2027, 3, 31))
    company, _, token = submit_company(email="cal@example.org")
    db.session.commit()
    page = client.get(f"/risultato/{token}").get_data(as_text=True)
    feed = re.search(r'href="http://[^"/]+(/bandi/calendario/[\w-]+\.ics)"', page).group(1)
    assert re.search(r'href="webcal://[^"]+/bandi/calendario/[\w-]+\.ics"', page)
    response = client.get(feed)
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == date(2027, 3, 31) and grant.title in str(event["summary"])
    [alarm] = event.walk("VALARM")
    assert alarm["trigger"].to_ical() == b"-P7D"
    single = client.get(f"/bandi/{grant.id}/scadenza.ics")
    assert "attachment" in single.headers["Content-Disposition"]
    [event] = Calendar.from_ical(single.data).walk("VEVENT")
    assert event.decoded("dtstart") == date(2027, 3, 31)
    client.post(f"/risultato/{token}/calendario/rinnova")
    assert client.get(feed).status_code == 404  # the old address ended
    page = client.get(f"/risultato/{token}").get_data(as_text=True)
    renewed = re.search(r'href="http://[^"/]+(/bandi/calendario/[\w-]+\.ics)"', page).group(1)
    assert renewed != feed and client.get(renewed).status_code == 200


def test_admins_see_subscribers_weeks_the_last_round_and_the_failed_mails(app, client, outbox, login_as,
                                                                          monkeypatch, count_queries):
    for n in range(2):
        subscribed(client, outbox, email=f"admin{n}@example.org")
    add_grant("NEWS", seen_at=TUESDAY - timedelta(hours=1))
    db.session.commit()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.org")

    def refuse(host, port, timeout=None):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(smtplib, "SMTP", refuse)
    run_round(now=TUESDAY)
    login_as("admin")
    with count_queries() as queries:
        page = client.get("/admin/avvisi").get_data(as_text=True)
    assert "Confermati: 2" in page and "ConnectionRefusedError" in page and "non riuscite 2" in page
    few = queries.count
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    subscribed(client, outbox, email="admin-more@example.org")
    with count_queries() as queries:
        client.get("/admin/avvisi")
    assert queries.count == few  # independent of the number of rows
    csv = client.get("/admin/avvisi.csv")
    assert csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("id,day,audience,recipient,status") and len(lines) == 3
    assert "@example.org" not in csv.get_data(as_text=True)


def test_the_api_subscribes_with_the_owners_token_and_the_document_describes_it(client, outbox):
    company, assessment, token = submit_company(email="api@example.org")
    db.session.commit()
    url = f"/api/v1/assessments/{assessment.id}/alerts"
    assert client.post(url, headers={"Authorization": "Bearer wrong"}).status_code == 404
    response = client.post(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 202
    assert response.get_json() == {"status": "waiting", "email": "api@example.org", "mailed": True,
                                   "text_version": "2026-12"}
    [mail] = outbox.new()
    assert "/avvisi/conferma/" in text_of(mail)
    assert not company.has_active_consent(ConsentKind.grant_alerts)  # double opt-in here too
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/assessments/{assessment_id}/alerts"]["post"]
    assert "202" in operation["responses"] and "422" in operation["responses"]
    _, other, other_token = submit_company(email="", company_name="Senza Posta Srl")
    db.session.commit()
    refused = client.post(f"/api/v1/assessments/{other.id}/alerts", headers={"Authorization": f"Bearer {other_token}"})
    assert refused.status_code == 422 and refused.get_json()["error"]["fields"] == {"email": "missing"}


MONDAY = datetime(2026, 12, 14, 7, 0)  # 08:00 in Rome


def test_coaches_get_a_monday_digest_of_the_companies_they_follow_and_can_switch_it_off(client, outbox, make_user,
                                                                                        login_as):
    from tests.factories import propose

    coach = make_user("coach", email="coach.digest@example.org")
    followed, _, _ = submit_company(company_name="Seguita Srl", email="")  # not subscribed itself
    other, _, _ = submit_company(company_name="Non Seguita Srl", email="")
    propose(followed, coach, "accepted")
    db.session.commit()
    add_grant("WEEK", seen_at=MONDAY - timedelta(days=2))
    db.session.commit()
    assert run_round(now=MONDAY - timedelta(days=1)).alerts == 0  # Sunday: no digest
    report = run_round(now=MONDAY)
    assert report.alerts == 1
    [mail] = outbox.new()
    assert mail["To"] == "coach.digest@example.org" and "Seguita Srl" in text_of(mail)
    assert "Non Seguita Srl" not in text_of(mail) and "Bando WEEK" in text_of(mail)
    assert "/coach/profilo" in text_of(mail) and mail["List-Unsubscribe"] is None
    login_as(coach)
    page = client.get("/coach/profilo").get_data(as_text=True)
    assert 'name="weekly_digest"' in page and "checked" in page
    client.post("/coach/profilo", data={})  # unticked
    add_grant("NEXT-WEEK", seen_at=MONDAY + timedelta(days=3))
    db.session.commit()
    assert run_round(now=MONDAY + timedelta(days=7)).alerts == 0 and outbox.new() == []
    assert other.id != followed.id


def test_the_coach_company_page_marks_calls_new_since_the_last_visit(client, make_user, login_as):
    from tests.factories import propose

    coach = make_user("coach")
    add_grant("KNOWN")
    company, _, _ = submit_company(company_name="Visitata Srl")
    propose(company, coach, "accepted")
    db.session.commit()
    login_as(coach)
    first = client.get(f"/coach/imprese/{company.id}").get_data(as_text=True)
    assert "Bando KNOWN" in first and "nuovo dalla tua ultima visita" not in first
    add_grant("FRESH", seen_at=utcnow_minus(seconds=0))
    recompute_matches([company.id])
    db.session.commit()
    second = client.get(f"/coach/imprese/{company.id}").get_data(as_text=True)
    marked = re.findall(r"Bando (\w+)</a> <span class=\"badge\">nuovo dalla tua ultima visita", second)
    assert marked == ["FRESH"]
    third = client.get(f"/coach/imprese/{company.id}").get_data(as_text=True)
    assert "nuovo dalla tua ultima visita" not in third


def test_a_withdrawal_between_the_round_and_the_sending_sends_nothing(client, outbox):
    from assessment.services.alert_subscriptions import withdraw
    from assessment.services.grant_alerts import compute_round, send_pending

    company, _ = subscribed(client, outbox, email="ripensa@example.org")
    add_grant("NEWS", seen_at=TUESDAY - timedelta(hours=1))
    db.session.commit()
    compute_round(now=TUESDAY)
    withdraw(db.session.execute(db.select(AlertSubscription)).scalar_one(), via="result_page")
    db.session.commit()
    assert send_pending(now=TUESDAY) == (0, 0) and outbox.new() == []
    alert = db.session.execute(db.select(GrantAlert)).scalar_one()
    assert alert.status == AlertStatus.failed and alert.last_error == "subscription withdrawn"


def test_asking_again_before_confirming_mails_the_same_link_and_the_first_one_still_works(client, outbox):
    """An owner who asks twice (the first mail seemed late) and then opens the first mail is not refused."""
    company, _, token = submit_company(email="due-volte@example.org")
    db.session.commit()
    client.post(f"/risultato/{token}/avvisi")
    client.post(f"/risultato/{token}/avvisi")
    first, second = outbox.new()
    links = [re.search(r"(/avvisi/conferma/[\w-]+)", text_of(m)).group(1) for m in (first, second)]
    assert links[0] == links[1]
    assert client.post(links[0]).status_code == 200
    assert company.has_active_consent(ConsentKind.grant_alerts)


def test_after_a_withdrawal_a_new_request_gets_a_new_link_and_the_old_one_says_what_it_was(client, outbox):
    company, _, token = submit_company(email="ritorno@example.org")
    db.session.commit()
    client.post(f"/risultato/{token}/avvisi")
    [mail] = outbox.new()
    old = re.search(r"(/avvisi/conferma/[\w-]+)", text_of(mail)).group(1)
    client.post(old)
    client.post(f"/risultato/{token}/avvisi/ritira")
    client.post(f"/risultato/{token}/avvisi")
    [mail] = outbox.new()
    fresh = re.search(r"(/avvisi/conferma/[\w-]+)", text_of(mail)).group(1)
    assert fresh != old
    gone = client.get(old)
    assert gone.status_code == 404
    page = gone.get_data(as_text=True)
    assert "Questo link degli avvisi sui bandi non è più valido" in page and "valutazione non completata" not in page
    assert "Conferma gli avvisi" in client.get(fresh).get_data(as_text=True)


def test_a_closed_calls_deadline_is_no_calendar_file(client, outbox):
    closed = add_grant("PAST", opens_on=date(2020, 1, 1), closes_on=date(2021, 6, 30))
    assert client.get(f"/bandi/{closed.id}/scadenza.ics").status_code == 404
