"""Staff accounts created by an admin: the person sets the password through a one-time link."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..extensions import db
from ..models import User
from ..public.forms import EmptyForm
from ..services import catalogue
from ..services.mail import send_mail
from ..services.users import (
    UserError,
    create_user,
    password_link_state,
    rename_account,
    renew_password_link,
    staff_accounts,
)
from ..urls import external_url
from .forms import AccountForm, AccountNameForm
from .views import bp

_USER_ERRORS = {
    "invalid_email": lambda: _("Scrivi un indirizzo e-mail valido."),
    "exists": lambda: _("Esiste già un account con questo indirizzo e-mail."),
}


@bp.route("/account/nuovo", methods=["GET", "POST"])
def account_new():
    form = AccountForm()
    if form.validate_on_submit():
        try:
            user, token = create_user(form.email.data, form.role.data, (form.name.data or "").strip())
        except UserError as error:
            form.email.errors = [_USER_ERRORS[error.code]() if error.code in _USER_ERRORS else str(error)]
        else:
            link, mailed = _mail_password_link(user, token)
            db.session.commit()
            return render_template("admin/account_created.html", user=user, link=link, mailed=mailed)
    return render_template("admin/account_new.html", form=form)


def _mail_password_link(user: User, token: str) -> tuple[str, bool]:
    link = external_url("auth.set_password_page", token=token)
    mailed = send_mail(
        user.email, _("Bussola Digitale: imposta la tua password"),
        _("Buongiorno,\n\nper entrare nel tuo account su Bussola Digitale (%(email)s) imposta la password da "
          "questo link personale, valido per %(hours)s ore:\n\n%(link)s\n",
          email=user.email, hours=current_app.config["PASSWORD_LINK_HOURS"], link=link))
    return link, mailed


@bp.get("/account")
def accounts():
    """Every staff account: role, whether it is enabled, whether its person has set a password."""
    return render_template("admin/accounts.html", accounts=staff_accounts(), states=password_link_state,
                           form=EmptyForm(), name_form=AccountNameForm())


@bp.post("/account/<int:user_id>/nome")
def account_name(user_id: int):
    user = db.get_or_404(User, user_id)
    form = AccountNameForm()
    if form.validate_on_submit():
        rename_account(user, form.name.data)
        db.session.commit()
        flash(_("Nome aggiornato."), "success")
    else:
        flash(_("Scrivi un nome (al massimo 120 caratteri)."), "error")
    return redirect(url_for("admin.accounts") + f"#account-{user.id}")


@bp.post("/account/<int:user_id>/link")
def account_link(user_id: int):
    """A new one-time link for someone who never set a password (the first one expired or went astray) or
    forgot it; any earlier link stops working."""
    user = db.get_or_404(User, user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    link, mailed = _mail_password_link(user, renew_password_link(user))
    db.session.commit()
    return render_template("admin/account_created.html", user=user, link=link, mailed=mailed, renewed=True)


@bp.post("/account/<int:user_id>/stato")
def account_state(user_id: int):
    """Disable or enable a staff account (a coach's companies go back to the queue); never one's own."""
    user = db.get_or_404(User, user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        flash(_("Non puoi disattivare il tuo stesso account."), "error")
    else:
        switch_account(user)
    return redirect(url_for("admin.accounts"))


def switch_account(user: User) -> None:
    """Enable a disabled account or disable an enabled one, commit, and say what followed."""
    returned = catalogue.set_account_enabled(user, not user.is_enabled)
    db.session.commit()
    if user.is_enabled:
        flash(_("Account riattivato."), "success")
    else:
        flash(ngettext("Account disattivato: %(num)d impresa torna in attesa di un coach.",
                       "Account disattivato: %(num)d imprese tornano in attesa di un coach.", returned)
              if returned else _("Account disattivato."), "success")
