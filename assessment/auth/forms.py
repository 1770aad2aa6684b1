"""Forms for signing in and setting a password."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from ..form_fields import BaseForm, new_password, staff_email_address


class LoginForm(BaseForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), staff_email_address, Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class SetPasswordForm(BaseForm):
    password = PasswordField(_l("Nuova password (almeno 10 caratteri)"),
                             validators=[DataRequired(), new_password],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Ripeti la password"), render_kw={"autocomplete": "new-password"},
                            validators=[DataRequired(), EqualTo("password", message=_l("Le password non coincidono."))])
