"""Mails to the people registered for training, with the edition's sessions as an iCalendar (.ics) file."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event

from ..clock import utc_instant
from ..models import Registration, RegistrationStatus, TrainingEdition, utcnow
from ..urls import external_url
from .mail import send_mail


def edition_calendar(edition: TrainingEdition, *, cancelled: bool = False, tentative: bool = False) -> bytes:
    """The edition's sessions as VEVENTs in UTC, one UID per session so that a calendar updates them; a
    cancelled edition (or session) sends them with STATUS:CANCELLED, the waiting list's with TENTATIVE."""
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost"
    host = base.split("://", 1)[-1].split("/", 1)[0] or "localhost"
    calendar = Calendar()
    calendar.add("prodid", "-//Bussola Digitale//Formazione//IT")
    calendar.add("version", "2.0")
    # PUBLISH even for a cancellation: METHOD:CANCEL asks for an ORGANIZER a calendar could reply to.
    calendar.add("method", "PUBLISH")
    for session in edition.sessions:
        event = Event()
        event.add("uid", f"training-session-{session.id}@{host}")
        event.add("dtstamp", utcnow().replace(tzinfo=UTC, microsecond=0))
        event.add("dtstart", utc_instant(datetime.combine(session.on_date, session.start_time)))
        event.add("dtend", utc_instant(datetime.combine(session.on_date, session.end_time)))
        event.add("summary", edition.title)
        event.add("location", edition.place or edition.online_url or "")
        if edition.online_url:
            event.add("url", edition.online_url)
        event.add("sequence", _sequence(edition))
        event.add("status", "CANCELLED" if cancelled or session.is_cancelled else
                  "TENTATIVE" if tentative else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()


def _sequence(edition: TrainingEdition) -> int:
    """Grows with every change of the edition, so that a calendar takes a newer copy of an event over an older."""
    return edition.revision or 0


def _calendar_of(registration: Registration) -> tuple[tuple[str, str, bytes], ...]:
    tentative = registration.status == RegistrationStatus.waiting
    return (("formazione.ics", "text/calendar", edition_calendar(registration.edition, tentative=tentative)),)


def _schedule(edition: TrainingEdition) -> str:
    lines = []
    for session in edition.sessions:
        line = f"- {session.on_date:%d/%m/%Y} {session.start_time:%H:%M}–{session.end_time:%H:%M}"
        lines.append(line + (" " + _("(annullata)") if session.is_cancelled else ""))
    where = edition.place or edition.online_url or ""
    return "\n".join(lines) + (f"\n{_('Dove')}: {where}" if where else "")


def mail_registration(registration: Registration, cancel_token: str, position: int | None = None) -> bool:
    """The confirmation (seat or waiting list) with the calendar and the cancel link."""
    participant, edition = registration.participant, registration.edition
    with force_locale(participant.language or "it"):
        link = external_url("public.training_cancel", token=cancel_token)
        if registration.status == RegistrationStatus.confirmed:
            subject = _("Iscrizione confermata: %(title)s", title=edition.title)
            body = _("Buongiorno %(name)s,\n\nla tua iscrizione a «%(title)s» è confermata. Gli incontri (in "
                     "allegato anche il calendario da aggiungere alla tua agenda):\n\n%(schedule)s\n\nSe non puoi "
                     "partecipare, annulla l'iscrizione da questo link, così il posto va a chi è in lista "
                     "d'attesa:\n\n%(link)s\n", name=participant.name, title=edition.title,
                     schedule=_schedule(edition), link=link)
        else:
            subject = _("Lista d'attesa: %(title)s", title=edition.title)
            body = _("Buongiorno %(name)s,\n\ni posti di «%(title)s» sono esauriti: sei in lista d'attesa "
                     "(posizione %(position)s). Se un posto si libera ti scriviamo subito. Gli incontri previsti "
                     "(calendario in allegato):\n\n%(schedule)s\n\nPer uscire dalla lista d'attesa:\n\n%(link)s\n",
                     name=participant.name, title=edition.title, position=position or "-",
                     schedule=_schedule(edition), link=link)
        body += "\n" + _("Prima del corso, rispondi a 15 domande sulle tue competenze digitali (5 minuti): alla "
                         "fine potrai rispondere di nuovo e vedere che cosa è cambiato.\n\n%(link)s\n",
                         link=external_url("public.skills_check", token=cancel_token))
        return send_mail(participant.email, subject, body, attachments=_calendar_of(registration))


def mail_promoted(registration: Registration) -> bool:
    participant, edition = registration.participant, registration.edition
    with force_locale(participant.language or "it"):
        subject = _("Si è liberato un posto: %(title)s", title=edition.title)
        body = _("Buongiorno %(name)s,\n\nsi è liberato un posto in «%(title)s»: la tua iscrizione ora è "
                 "confermata. Gli incontri:\n\n%(schedule)s\n\nSe non puoi più partecipare, usa il link di "
                 "annullamento dell'e-mail di iscrizione.\n", name=participant.name, title=edition.title,
                 schedule=_schedule(edition))
        return send_mail(participant.email, subject, body, attachments=_calendar_of(registration))


def mail_cancelled_by_staff(registration: Registration) -> bool:
    participant, edition = registration.participant, registration.edition
    with force_locale(participant.language or "it"):
        return send_mail(participant.email, _("Iscrizione annullata: %(title)s", title=edition.title),
                         _("Buongiorno %(name)s,\n\nsu tua richiesta (o perché era un doppione) il gestore del "
                           "programma ha annullato la tua iscrizione a «%(title)s». Gli incontri sono tolti dal "
                           "calendario (file allegato). Se è un errore, iscriviti di nuovo qui:\n\n%(link)s\n",
                           name=participant.name, title=edition.title,
                           link=external_url("public.training_edition", edition_id=edition.id)),
                         attachments=(("formazione.ics", "text/calendar",
                                       edition_calendar(edition, cancelled=True)),))


def mail_schedule_changed(registration: Registration) -> bool:
    participant, edition = registration.participant, registration.edition
    with force_locale(participant.language or "it"):
        subject = _("Calendario aggiornato: %(title)s", title=edition.title)
        body = _("Buongiorno %(name)s,\n\nil calendario di «%(title)s» è cambiato. Gli incontri ora sono (il file "
                 "allegato aggiorna la tua agenda):\n\n%(schedule)s\n\nSe non puoi più partecipare, usa il link "
                 "di annullamento dell'e-mail di iscrizione.\n", name=participant.name, title=edition.title,
                 schedule=_schedule(edition))
        return send_mail(participant.email, subject, body, attachments=_calendar_of(registration))


def mail_edition_cancelled(registration: Registration) -> bool:
    participant, edition = registration.participant, registration.edition
    with force_locale(participant.language or "it"):
        return send_mail(participant.email, _("Edizione annullata: %(title)s", title=edition.title),
                         _("Buongiorno %(name)s,\n\nci dispiace: l'edizione «%(title)s» a cui eri iscritto è "
                           "stata annullata. Gli incontri sono tolti dal calendario (file allegato). Trovi le "
                           "altre edizioni in programma qui:\n\n%(link)s\n", name=participant.name,
                           title=edition.title, link=external_url("public.training_list")),
                         attachments=(("formazione.ics", "text/calendar",
                                       edition_calendar(edition, cancelled=True)),))


def mail_all(registrations: list[Registration], send) -> int:
    """Send `send(registration)` to each; returns how many failed."""
    return sum(not send(r) for r in registrations if r.participant.email)
