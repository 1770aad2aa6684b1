"""Staff accounts created by an admin: the person sets the password through a one-time link."""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _

from ..extensions import db
from ..services.mail import send_mail
from ..services.users import UserError, create_user
from ..urls import external_url
from .forms import AccountForm
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
            link = external_url("auth.set_password_page", token=token)
            mailed = send_mail(
                user.email, _("Bussola Digitale: imposta la tua password"),
                _("Buongiorno,\n\nè stato creato per te un account su Bussola Digitale (%(email)s).\n"
                  "Imposta la password da questo link personale, valido per %(hours)s ore:\n\n%(link)s\n",
                  email=user.email, hours=current_app.config["PASSWORD_LINK_HOURS"], link=link))
            db.session.commit()
            return render_template("admin/account_created.html", user=user, link=link, mailed=mailed)
    return render_template("admin/account_new.html", form=form)
