"""Forms for signing in and setting a password."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("Nuova password (almeno 10 caratteri)"),
                             validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField(_l("Ripeti la password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("Le password non coincidono."))])
