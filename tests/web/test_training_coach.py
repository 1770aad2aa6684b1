"""Training on a company's pages: its coach registers its people; the owner's result and the coach's page offer the
editions of the recommended tracks."""
from __future__ import annotations

import pytest

from assessment.extensions import db
from assessment.models import Match, MatchKind, Registration, RegistrationStatus
from tests.factories import propose, submit_company
from tests.training_factories import mails, make_edition


@pytest.fixture
def outbox(app, tmp_path):
    previous = app.config["MAIL_OUTBOX_DIR"]
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    yield tmp_path
    app.config["MAIL_OUTBOX_DIR"] = previous


@pytest.fixture
def followed_company(db_session, make_user):
    coach = make_user("coach")
    company, assessment, token = submit_company(coach_contact=True)
    propose(company, coach, status="accepted")
    db_session.commit()
    return coach, company, assessment, token


def _recommend(db_session, company, assessment, track) -> None:
    db_session.add(Match(company_id=company.id, assessment_id=assessment.id, kind=MatchKind.track,
                         track_id=track.id, score=0.9, rank=1, explanation={"it": "Adatto", "en": "Fits"},
                         model_version="test"))
    db_session.commit()


def _on_behalf(edition, **overrides) -> dict:
    data = {"training-edition_id": str(edition.id), "training-name": "Luca Verdi",
            "training-email": "luca@example.org", "training-role": "magazziniere", "training-consent": "y"}
    data.update(overrides)
    return data


def test_coach_registers_one_of_the_firms_people(client, db_session, login_as, followed_company, outbox):
    coach, company, assessment, _token = followed_company
    edition = make_edition(db_session)
    _recommend(db_session, company, assessment, edition.track)
    login_as(coach)
    page = client.get(f"/coach/imprese/{company.id}").get_data(as_text=True)
    assert 'id="training"' in page and edition.title in page
    response = client.post(f"/coach/imprese/{company.id}/formazione", data=_on_behalf(edition))
    assert response.status_code == 302
    registration = db.session.execute(db.select(Registration).filter_by(edition_id=edition.id)).scalar_one()
    assert registration.status == RegistrationStatus.confirmed and registration.registered_by_id == coach.id
    assert registration.participant.company_id == company.id
    assert registration.participant.firm_vat_number == company.vat_number
    [message] = mails(outbox)
    assert message["To"] == "luca@example.org"
    assert "Luca Verdi" in client.get(f"/coach/imprese/{company.id}").get_data(as_text=True)


def test_without_the_persons_consent_nothing_is_registered(client, db_session, login_as, followed_company):
    coach, company, _assessment, _token = followed_company
    edition = make_edition(db_session)
    login_as(coach)
    client.post(f"/coach/imprese/{company.id}/formazione", data=_on_behalf(edition, **{"training-consent": ""}))
    assert db.session.execute(db.select(Registration).filter_by(edition_id=edition.id)).first() is None


def test_a_coach_who_does_not_follow_the_company_gets_404(client, db_session, login_as, followed_company):
    _coach, company, _assessment, _token = followed_company
    edition = make_edition(db_session)
    login_as("coach")
    response = client.post(f"/coach/imprese/{company.id}/formazione", data=_on_behalf(edition))
    assert response.status_code == 404
    assert db.session.execute(db.select(Registration).filter_by(edition_id=edition.id)).first() is None


def test_result_and_coach_page_offer_the_editions_of_recommended_tracks(client, db_session, login_as,
                                                                       followed_company):
    coach, company, assessment, token = followed_company
    recommended = make_edition(db_session, title="Edizione del percorso consigliato")
    other = make_edition(db_session, title="Edizione di un altro percorso")
    _recommend(db_session, company, assessment, recommended.track)
    result = client.get(f"/risultato/{token}").get_data(as_text=True)
    assert "Edizione del percorso consigliato" in result and other.title not in result
    assert f"/formazione/{recommended.id}" in result
    login_as(coach)
    page = client.get(f"/coach/imprese/{company.id}").get_data(as_text=True)
    offered = page.split('id="training"', 1)[1].split("</ul>", 1)[0]
    assert "Edizione del percorso consigliato" in offered and other.title not in offered


def test_a_proposal_not_yet_accepted_registers_nobody(client, db_session, login_as, make_user):
    coach = make_user("coach")
    company, _assessment, _token = submit_company(coach_contact=True)
    propose(company, coach)  # proposed: the coach sees the company, does not follow it yet
    db_session.commit()
    edition = make_edition(db_session)
    login_as(coach)
    assert 'action="/coach/imprese/%d/formazione"' % company.id not in client.get(
        f"/coach/imprese/{company.id}").get_data(as_text=True)
    response = client.post(f"/coach/imprese/{company.id}/formazione", data=_on_behalf(edition))
    assert response.status_code == 302
    assert db.session.execute(db.select(Registration).filter_by(edition_id=edition.id)).first() is None


def test_a_coach_cannot_rename_or_take_over_another_firms_person(client, db_session, login_as, followed_company,
                                                                   outbox):
    from tests.web.training_data import add_person

    coach, company, assessment, _token = followed_company
    edition = make_edition(db_session)
    _recommend(db_session, company, assessment, edition.track)
    stranger = add_person("Carla Rossi", email="carla@example.org")  # registered for another firm
    db_session.commit()
    login_as(coach)
    response = client.post(f"/coach/imprese/{company.id}/formazione", follow_redirects=True,
                           data=_on_behalf(edition, **{"training-email": "carla@example.org",
                                                       "training-name": "Nome Cambiato"}))
    assert "questo indirizzo e-mail è già iscritto per un" in response.get_data(as_text=True)
    db_session.refresh(stranger)
    assert (stranger.name, stranger.company_id, stranger.firm_vat_number) == ("Carla Rossi", None, "01234567897")
    assert db.session.execute(db.select(Registration).filter_by(edition_id=edition.id)).first() is None
    assert mails(outbox) == []
    # One of the firm's own people, registered before, is still updated by the coach.
    own = add_person("Luca V.", company=company, email="luca@example.org")
    db_session.commit()
    client.post(f"/coach/imprese/{company.id}/formazione", data=_on_behalf(edition))
    db_session.refresh(own)
    assert own.name == "Luca Verdi" and own.registrations[0].status == RegistrationStatus.confirmed


def test_registering_someone_again_whose_mail_fails_keeps_their_link(client, db_session, login_as, followed_company,
                                                                     outbox, monkeypatch):
    import re

    import assessment.services.training_mail as training_mail
    from tests.training_factories import body_of

    coach, company, assessment, _token = followed_company
    edition = make_edition(db_session)
    _recommend(db_session, company, assessment, edition.track)
    login_as(coach)
    client.post(f"/coach/imprese/{company.id}/formazione", data=_on_behalf(edition))
    [message] = mails(outbox)
    link = re.search(r"/formazione/annulla/[\w-]+", body_of(message)).group(0)
    monkeypatch.setattr(training_mail, "send_mail", lambda *args, **kwargs: False)
    client.post(f"/coach/imprese/{company.id}/formazione", data=_on_behalf(edition))
    assert client.get(link).status_code == 200


def test_the_coach_registers_only_for_editions_of_the_recommended_tracks(client, db_session, login_as,
                                                                        followed_company, outbox):
    coach, company, assessment, _token = followed_company
    recommended = make_edition(db_session, title="Edizione del percorso consigliato")
    other = make_edition(db_session, title="Edizione di un altro percorso")
    _recommend(db_session, company, assessment, recommended.track)
    login_as(coach)
    page = client.get(f"/coach/imprese/{company.id}").get_data(as_text=True)
    choices = page.split('name="training-edition_id"', 1)[1].split("</select>", 1)[0]
    assert f'value="{recommended.id}"' in choices and f'value="{other.id}"' not in choices
    response = client.post(f"/coach/imprese/{company.id}/formazione", data=_on_behalf(other), follow_redirects=True)
    assert "Iscrizione non registrata" in response.get_data(as_text=True)
    assert db.session.execute(db.select(Registration).filter_by(edition_id=other.id)).first() is None
    assert mails(outbox) == []


def test_without_recommended_tracks_the_coach_is_offered_no_edition(client, db_session, login_as,
                                                                    followed_company):
    coach, company, _assessment, _token = followed_company
    edition = make_edition(db_session)
    login_as(coach)
    page = client.get(f"/coach/imprese/{company.id}").get_data(as_text=True)
    assert 'action="/coach/imprese/%d/formazione"' % company.id not in page
    client.post(f"/coach/imprese/{company.id}/formazione", data=_on_behalf(edition))
    assert db.session.execute(db.select(Registration).filter_by(edition_id=edition.id)).first() is None


def test_the_company_page_sends_the_same_queries_for_one_and_many_editions(client, db_session, login_as,
                                                                           followed_company, count_queries):
    from tests.training_factories import make_track

    coach, company, assessment, _token = followed_company
    track = make_track(db_session)
    make_edition(db_session, track=track)
    _recommend(db_session, company, assessment, track)
    login_as(coach)
    url = f"/coach/imprese/{company.id}"
    client.get(url)
    with count_queries() as one:
        assert client.get(url).status_code == 200
    for _ in range(10):
        make_edition(db_session, track=track)
        make_edition(db_session)  # of a track not recommended
    client.get(url)  # warm-up again: the test's commits expired the rows the session had loaded
    with count_queries() as many:
        page = client.get(url).get_data(as_text=True)
    assert many.count == one.count and page.count("<option") >= 11
