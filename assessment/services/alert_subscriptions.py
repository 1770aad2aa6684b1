"""An owner's subscription to grant alerts: asked for, confirmed from the mailed link (double opt-in), withdrawn
by one click; the consent it records; the secret links it mails.

Links are never stored: each is derived from the row's random `secret` with the app's SECRET_KEY (HMAC), and only
its SHA-256 is kept, to find the row. The owner's result link, which alerts point to so the call's page shows
the eligibility checklist, is kept sealed (Fernet, key derived from SECRET_KEY)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db
from ..models import AlertSubscription, Company, Consent, ConsentKind, utcnow
from ..urls import external_url
from .audit import record
from .mail import send_mail
from .passwords import token_hash

# The wording the owner agrees to; a new wording is a new version (the consent records which one).
ALERT_WORDING_VERSION = "2026-12"


def _key() -> bytes:
    return str(current_app.config["SECRET_KEY"]).encode()


def derived_token(purpose: str, secret: str) -> str:
    """The link secret for one purpose ("confirm", "unsubscribe", "calendar") of a row's random secret."""
    digest = hmac.new(_key(), f"{purpose}:{secret}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _fernet() -> Fernet:
    key = hashlib.sha256(b"bussola-alerts-seal:" + _key()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(token: str) -> str:
    return _fernet().encrypt(token.encode()).decode()


def unseal(sealed: str | None) -> str | None:
    if not sealed:
        return None
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:  # the app's key changed: the alert links to the call without the checklist
        return None


def subscription_of(company: Company) -> AlertSubscription | None:
    return db.session.execute(
        db.select(AlertSubscription).filter_by(company_id=company.id)).scalar_one_or_none()


def _new_secret(subscription: AlertSubscription) -> None:
    subscription.secret = secrets.token_hex(32)
    subscription.confirm_hash = token_hash(derived_token("confirm", subscription.secret))
    subscription.unsubscribe_hash = token_hash(derived_token("unsubscribe", subscription.secret))


def unsubscribe_url(subscription: AlertSubscription) -> str:
    return external_url("public.alerts_unsubscribe", token=derived_token("unsubscribe", subscription.secret))


def subscribe(company: Company, result_token: str) -> tuple[AlertSubscription, bool]:
    """Ask for alerts at the company's address: a confirmation link is mailed; nothing is sent before it is
    followed. Asking again before confirming mails the same link again (the first mail's link keeps working);
    after a withdrawal, or for a new address, the link is new and the older ones stop working. Returns the row
    and whether the mail went. The company must have an address (the caller checks)."""
    subscription = subscription_of(company)
    if subscription is None:
        subscription = AlertSubscription(company_id=company.id)
        db.session.add(subscription)
    elif subscription.is_active:
        subscription.result_token_sealed = seal(result_token)
        db.session.flush()
        return subscription, True
    pending = (subscription.secret and subscription.withdrawn_at is None and subscription.email == company.email)
    if not pending:
        _new_secret(subscription)
    subscription.email = company.email
    subscription.text_version = ALERT_WORDING_VERSION
    subscription.requested_at = utcnow()
    subscription.confirmed_at = None
    subscription.withdrawn_at = None
    subscription.consent_id = None
    subscription.result_token_sealed = seal(result_token)
    db.session.flush()
    link = external_url("public.alerts_confirm", token=derived_token("confirm", subscription.secret))
    with force_locale(company.language):
        subject = _("Bussola Digitale: conferma gli avvisi sui bandi")
        body = _("Buongiorno,\n\nhai chiesto di ricevere avvisi quando si apre un bando adatto a %(name)s e prima "
                 "delle scadenze. Per confermare, apri questo link:\n\n%(link)s\n\nSe non sei stato tu, ignora "
                 "questa e-mail: senza conferma non ti scriveremo.\n", name=company.name, link=link)
    mailed = send_mail(subscription.email, subject, body)
    record("alerts_subscribed", company.id, mailed=mailed, text_version=ALERT_WORDING_VERSION)
    db.session.flush()
    return subscription, mailed


def _by_hash(column, token: str | None) -> AlertSubscription | None:
    if not token or len(token) > 100:
        return None
    return db.session.execute(
        db.select(AlertSubscription).where(column == token_hash(token))).scalar_one_or_none()


def by_confirm_token(token: str | None) -> AlertSubscription | None:
    subscription = _by_hash(AlertSubscription.confirm_hash, token)
    if subscription is None or subscription.withdrawn_at is not None or subscription.company.erased_at:
        return None
    return subscription


def by_unsubscribe_token(token: str | None) -> AlertSubscription | None:
    subscription = _by_hash(AlertSubscription.unsubscribe_hash, token)
    return None if subscription is None or subscription.company.erased_at else subscription


def confirm(subscription: AlertSubscription) -> None:
    """The owner followed the mailed link: the consent is given now, for this address and wording."""
    if subscription.confirmed_at is not None:
        return
    now = utcnow()
    consent = Consent(company_id=subscription.company_id, kind=ConsentKind.grant_alerts,
                      text_version=subscription.text_version, given_at=now)
    db.session.add(consent)
    db.session.flush()
    subscription.confirmed_at = now
    subscription.consent_id = consent.id
    record("alerts_confirmed", subscription.company_id, text_version=subscription.text_version)
    db.session.flush()


def withdraw(subscription: AlertSubscription, *, via: str) -> bool:
    """No more alerts; the consent is withdrawn. False when it was withdrawn already (a second click)."""
    if subscription.withdrawn_at is not None:
        return False
    now = utcnow()
    subscription.withdrawn_at = now
    if subscription.consent is not None and subscription.consent.withdrawn_at is None:
        subscription.consent.withdrawn_at = now
    record("alerts_withdrawn", subscription.company_id, via=via)
    db.session.flush()
    return True


def result_tokens(subscriptions: list[AlertSubscription]) -> dict[int, str]:
    """company id -> the owner's result link kept with the subscription, when it still opens a result of that
    company (a new link issued since ends it): one query per 5,000 subscriptions."""
    from ..models import Assessment

    tokens = {s.company_id: t for s in subscriptions if (t := unseal(s.result_token_sealed))}
    by_hash = {token_hash(t): cid for cid, t in tokens.items()}
    hashes, valid = list(by_hash), {}
    for start in range(0, len(hashes), 5000):
        for digest, company_id in db.session.execute(
            db.select(Assessment.token_hash, Assessment.company_id)
            .where(Assessment.token_hash.in_(hashes[start:start + 5000]))):
            if by_hash[digest] == company_id:
                valid[company_id] = tokens[company_id]
    return valid


@dataclass(frozen=True)
class AlertPanel:
    """What the result page says about alerts and the calendar."""

    subscription: AlertSubscription | None
    calendar_url: str | None
    webcal_url: str | None

    @property
    def state(self) -> str:  # none | waiting | active | withdrawn
        if self.subscription is None:
            return "none"
        if self.subscription.is_active:
            return "active"
        return "waiting" if self.subscription.is_waiting else "withdrawn"


def alert_panel(company: Company) -> AlertPanel:
    from .calendars import feed_of, feed_urls

    feed = feed_of(company, create=False)
    urls = feed_urls(feed) if feed is not None else (None, None)
    return AlertPanel(subscription_of(company), *urls)


def _iso(value) -> str | None:
    return value.isoformat() + "Z" if value else None


def grant_alert_export(company: Company) -> dict:
    """The subscription and the alerts mailed, for the owner's data export."""
    from ..models import AlertAudience, GrantAlert

    subscription = subscription_of(company)
    sent = db.session.execute(
        db.select(GrantAlert).where(GrantAlert.company_id == company.id,
                                    GrantAlert.audience == AlertAudience.owner).order_by(GrantAlert.id)
    ).scalars().all()
    return {
        "grant_alert_subscription": None if subscription is None else {
            "email": subscription.email, "text_version": subscription.text_version,
            "requested_at": _iso(subscription.requested_at), "confirmed_at": _iso(subscription.confirmed_at),
            "withdrawn_at": _iso(subscription.withdrawn_at)},
        "grant_alerts": [{"day": a.local_day.isoformat(), "status": a.status.value, "to": a.to_address,
                          "subject": a.subject, "sent_at": _iso(a.sent_at),
                          "grants": [{"grant_id": i.grant_id, "reason": i.reason.value} for i in a.items]}
                         for a in sent],
    }


def erase_grant_alerts(company_id: int) -> None:
    """Erasure: the subscription, the calendar address, and the mails with their address and text go."""
    from ..models import CalendarFeed, GrantAlert, GrantAlertItem

    db.session.execute(db.delete(GrantAlertItem).where(GrantAlertItem.company_id == company_id))
    db.session.execute(db.delete(GrantAlert).where(GrantAlert.company_id == company_id))
    db.session.execute(db.delete(AlertSubscription).where(AlertSubscription.company_id == company_id))
    db.session.execute(db.delete(CalendarFeed).where(CalendarFeed.company_id == company_id))
