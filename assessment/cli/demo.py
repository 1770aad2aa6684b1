"""`flask --app assessment demo load`: questionnaires, seed catalogue, real grant records, demo accounts and
demo companies."""
from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import AppGroup

from ..clock import local_today
from ..config import PROJECT_ROOT

demo_cli = AppGroup("demo", help="Demo data for a local run.")

DATA = PROJECT_ROOT / "assessment" / "data"
SEED_FILE = DATA / "seed" / "canavese.yaml"
# The real open calls of a fresh install: live national records (regions including Piemonte) as of the snapshot's
# day, and the CCIAA Torino vouchers. The five older national sample records (all closed) stay for the tests.
GRANT_SNAPSHOT = DATA / "incentivi_gov_it_live_2026-09-25.json"
GRANT_FILES = (DATA / "grants_cciaa_local.yaml",)
DEFAULT_PASSWORD = "bussola-demo"
ADMIN = ("admin@bussola.example", "Amministratore demo")
# Three coaches with different strengths and areas (Eporediese, Alto Canavese, Chivassese), so that the
# assignment has real choices to make. Comuni are ISTAT codes of the province of Turin; the third coach
# also serves the whole default territory.
COACHES = (
    ("coach1@bussola.example", "Coach demo 1 (Eporediese)", False, {
        "expertise": {"digital_strategy": 3, "digital_readiness": 2, "human_centric": 2, "data_security": 1,
                      "automation_ai": 1, "green_digital": 1},
        "thematic_areas": ["territorial_marketing", "digital_innovation"], "languages": ["it", "en"],
        "capacity": 6, "comuni_istat": ["001125", "001020", "001027", "001042", "001077", "001160", "001181",
                                        "001235", "001269", "001030", "001004", "001223", "001318"]}),
    ("coach2@bussola.example", "Coach demo 2 (Alto Canavese)", False, {
        "expertise": {"digital_strategy": 1, "digital_readiness": 1, "human_centric": 2, "data_security": 1,
                      "automation_ai": 2, "green_digital": 3},
        "thematic_areas": ["green_infrastructure", "territorial_welfare"], "languages": ["it"],
        "capacity": 5, "comuni_istat": ["001098", "001217", "001066", "001287", "001101", "001109", "001199",
                                        "001134", "001102", "001033", "001176", "001001", "001244"]}),
    ("coach3@bussola.example", "Coach demo 3 (Chivassese, tutta la provincia)", True, {
        "expertise": {"digital_strategy": 2, "digital_readiness": 2, "human_centric": 1, "data_security": 3,
                      "automation_ai": 3, "green_digital": 1},
        "thematic_areas": ["digital_innovation"], "languages": ["it", "en", "fr"],
        "capacity": 4, "comuni_istat": ["001082", "001047", "001161", "001106", "001148", "001050", "001311",
                                        "001314"]}),
)


@demo_cli.command("load")
@click.option("--no-accounts", is_flag=True, help="Load the data only; create no demo accounts.")
def load_demo(no_accounts: bool) -> None:
    """Questionnaires, the Canavese seed catalogue, the bundled grant records, demo accounts and demo companies
    with a year of history, then the stored recommendations; running it twice adds nothing. Demo accounts and
    companies are refused in production."""
    from ..domain.catalogue_seed import SeedError
    from ..domain.grant_records import MalformedFile
    from ..domain.questionnaire import QuestionnaireError
    from ..extensions import db
    from ..services.demo_companies import create_demo_companies
    from ..services.grant_snapshot import import_grant_snapshot
    from ..services.grants import import_grants
    from ..services.matching import recompute_matches
    from ..services.questionnaires import sync_questionnaires
    from ..services.seed import load_seed
    from ..services.users import UserError

    if not no_accounts and current_app.config["APP_ENV"] == "production":
        raise click.ClickException("demo accounts are never created in production: use `demo load --no-accounts`")
    lines = []
    try:
        versions = sync_questionnaires()
        lines.append(f"questionnaires: {', '.join(f'{v.key} {v.version}' for v in versions) or 'none'}")
        lines += load_seed(SEED_FILE).summary().splitlines()
        report = import_grant_snapshot(db.session, GRANT_SNAPSHOT, local_today())
        lines.append(f"grants {GRANT_SNAPSHOT.name}: {report.summary()}, open today: {report.open_today}")
        for path in GRANT_FILES:
            lines.append(f"grants {path.name}: {import_grants(db.session, path, today=local_today()).summary()}")
        if not no_accounts:
            lines += _create_accounts(os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD)
            lines.append(f"demo companies created: {create_demo_companies()}")
        lines.append(f"recommendations stored: {recompute_matches()}")
    except (SeedError, MalformedFile, UserError, QuestionnaireError) as error:
        db.session.rollback()
        raise click.ClickException(f"{error}; nothing was loaded") from None
    db.session.commit()
    click.echo("\n".join(lines))


def _create_accounts(password: str) -> list[str]:
    """The admin and the three coaches, each created once; an existing account is left as it is."""
    from ..extensions import db
    from ..models import Territory, User
    from ..services.users import create_user

    emails = [ADMIN[0]] + [coach[0] for coach in COACHES]
    existing = set(db.session.execute(db.select(User.email).where(User.email.in_(emails))).scalars())
    default_territory = db.session.execute(db.select(Territory.id).filter_by(is_default=True)).scalar()
    created = []
    if ADMIN[0] not in existing:
        create_user(ADMIN[0], "admin", ADMIN[1], password)
        created.append(ADMIN[0])
    for email, name, serves_default_territory, profile in COACHES:
        if email in existing:
            continue
        user, _token = create_user(email, "coach", name, password)
        for field, value in {"is_available": True, **profile}.items():
            setattr(user.coach_profile, field, value)
        if serves_default_territory and default_territory is not None:
            user.coach_profile.territory_ids = [default_territory]
        created.append(email)
    db.session.flush()
    skipped = sorted(existing)
    return [f"accounts created: {', '.join(created) or 'none'}"
            + (f"; already there: {', '.join(skipped)}" if skipped else "")]
