"""`flask --app assessment users create --role coach|admin --email E [--password-stdin]`."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from ..extensions import db
from ..services.users import UserError, create_user
from ..urls import external_url

users_cli = AppGroup("users", help="Staff accounts.")


@users_cli.command("create")
@click.option("--role", type=click.Choice(["coach", "admin"]), required=True)
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create(role: str, email: str, name: str, password_stdin: bool) -> None:
    """Create an account; without --password-stdin it prints a one-time link to set the password."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    try:
        user, token = create_user(email, role, name, password)
    except UserError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"created {user.role.value} {user.email} (id {user.id})")
    if token:
        click.echo(f"password link: {external_url('auth.set_password_page', token=token)}")
