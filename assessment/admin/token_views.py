"""API tokens of coaches and admins: the list, a form that issues one (its secret is shown once, on the
page that answers the form, never stored in the session) and a revoke button."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from ..domain.errors import InvalidField
from ..extensions import db
from ..form_fields import BaseForm
from ..models import ApiToken, User
from ..public.forms import EmptyForm
from ..services.api_tokens import issue_token, list_tokens, revoke_token, token_owners
from .views import attach_error, bp


# Kept next to its only view rather than in forms.py: the choices are read per request below.
class ApiTokenForm(BaseForm):
    user_id = SelectField(_l("Titolare"), coerce=int, validators=[InputRequired()])
    name = StringField(_l("Nome del token (a cosa serve)"), validators=[DataRequired(), Length(max=100)])


def api_token_form() -> ApiTokenForm:
    form = ApiTokenForm()
    form.user_id.choices = [(u.id, f"{u.name or u.email} · {u.email} ({u.role.value})") for u in token_owners()]
    return form


def _page(form: ApiTokenForm, secret: str | None = None, issued: ApiToken | None = None):
    return render_template("admin/tokens.html", form=form, tokens=list_tokens(), revoke_form=EmptyForm(),
                           secret=secret, issued=issued)


@bp.get("/token-api")
def tokens():
    return _page(api_token_form())


@bp.post("/token-api")
def token_create():
    form = api_token_form()
    if form.validate_on_submit():
        try:
            token, secret = issue_token(db.session.get(User, form.user_id.data), form.name.data)
        except InvalidField as error:
            attach_error(form, error)
        else:
            db.session.commit()
            # Rendered, not redirected: the secret must not travel through the session cookie.
            return _page(api_token_form(), secret=secret, issued=token)
    return _page(form), 422


@bp.post("/token-api/<int:token_id>/revoca")
def token_revoke(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    if not EmptyForm().validate_on_submit():
        flash(_("Sessione scaduta: riprova."), "error")
        return redirect(url_for("admin.tokens"))
    revoke_token(token)
    db.session.commit()
    flash(_("Token «%(name)s» revocato.", name=token.name), "success")
    return redirect(url_for("admin.tokens"))
