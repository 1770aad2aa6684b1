"""`flask --app assessment …` command groups, thin wrappers over services."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from .alerts import alerts_cli
    from .catalogue import catalogue_cli
    from .coaches import coaches_cli
    from .demo import demo_cli
    from .drafts import drafts_cli
    from .grants import grants_cli
    from .match import match_cli
    from .questionnaire import questionnaire_cli
    from .users import users_cli

    for group in (alerts_cli, catalogue_cli, coaches_cli, demo_cli, drafts_cli, grants_cli, match_cli,
                  questionnaire_cli, users_cli):
        app.cli.add_command(group)
