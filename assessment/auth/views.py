"""Sign-in and sign-out for coaches and programme managers."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, limiter
from ..services.users import (
    UserError,
    authenticate,
    end_sessions,
    set_password,
    user_for_password_token,
)
from ..urls import safe_next
from .forms import LoginForm, SetPasswordForm
from .sessions import start_session
from .throttle import ACCOUNT_LIMIT, is_failed_login, login_attempt_key, remember_device

bp = Blueprint("auth", __name__)


def home_for(user) -> str:
    return url_for("admin.dashboard") if user.is_admin else url_for("coach.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
@limiter.limit(ACCOUNT_LIMIT, key_func=login_attempt_key, methods=["POST"], deduct_when=is_failed_login)
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("E-mail o password non corretti."))
        else:
            login_user(user)
            start_session()
            db.session.commit()
            response = redirect(safe_next(request.args.get("next")) or home_for(user))
            remember_device(response, user.email)
            return response
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    # Ended in the database, not only in this cookie: a copy of it (a stolen cookie, another tab) opens nothing.
    # Every session of the account ends, on every device.
    end_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash(_("Sei uscito."), "info")
    return redirect(url_for("public.home"))


@bp.route("/password/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def set_password_page(token: str):
    user = user_for_password_token(token)
    if user is None:
        return render_template("auth/link_expired.html", status=404), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            set_password(user, form.password.data)  # the form checked the same rule: this only guards it
        except UserError:
            form.password.errors.append(_("Scegli un'altra password."))
        else:
            db.session.commit()
            flash(_("Password impostata: ora puoi entrare."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user)
