"""What the note form tells the coach about who reads a note agrees with what the owner's copy of their data
holds and with the privacy notice: notes are in the owner's dati.json (the right of access covers them)."""
from __future__ import annotations

from tests.factories import propose, submit_company


def test_the_note_form_the_export_and_the_privacy_notice_agree(client, login_as, make_user):
    coach = make_user("coach")
    company, _assessment, token = submit_company(coach_contact=True)
    propose(company, coach, "accepted")
    login_as(coach)
    page = client.get(f"/coach/imprese/{company.id}").get_data(as_text=True)
    assert "e il titolare se scarica i dati della sua impresa" in page
    assert "visibile solo a coach e gestori" not in page
    assert client.post(f"/coach/imprese/{company.id}/note", data={"body": "Incontro fatto"}).status_code == 302
    exported = client.get(f"/risultato/{token}/dati.json").get_json()
    assert [note["body"] for note in exported["notes"]] == ["Incontro fatto"]
    notice = client.get("/privacy").get_data(as_text=True)
    assert "Le note che coach e gestori del programma scrivono sulla tua impresa fanno parte di questi dati" in notice
