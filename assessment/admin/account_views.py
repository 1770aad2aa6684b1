"""Staff accounts created by an admin; a company's page for admins, and its data exported or erased on the
company's request."""
from __future__ import annotations

from flask import current_app, flash, g, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _

from ..coach.forms import NoteForm
from ..coach.views import save_note
from ..extensions import db
from ..models import Company
from ..public.forms import EmptyForm
from ..services.audit import record
from ..services.company_pages import company_page_data
from ..services.mail import send_mail
from ..services.privacy import erase_company, export_company
from ..services.users import UserError, create_user
from ..urls import external_url
from .forms import AccountForm, CompanyEraseForm
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
            send_mail(user.email, _("Bussola Digitale: imposta la tua password"),
                      _("Buongiorno,\n\nè stato creato per te un account su Bussola Digitale (%(email)s).\n"
                        "Imposta la password da questo link personale, valido per %(hours)s ore:\n\n%(link)s\n",
                        email=user.email, hours=current_app.config["PASSWORD_LINK_HOURS"], link=link))
            db.session.commit()
            return render_template("admin/account_created.html", user=user, link=link)
    return render_template("admin/account_new.html", form=form)


@bp.get("/imprese/<int:company_id>")
def company_detail(company_id: int):
    """The coach's company page, read-only for the programme managers, with the private notes."""
    company = db.get_or_404(Company, company_id)
    record("view", company.id)
    db.session.commit()
    return render_template("coach/company.html", data=company_page_data(company, g.lang), company=company,
                           note_form=NoteForm(), form=EmptyForm(), assignment=None, coach_actions=False,
                           note_endpoint="admin.company_note")


@bp.post("/imprese/<int:company_id>/note")
def company_note(company_id: int):
    return save_note(db.get_or_404(Company, company_id), "admin.company_detail")


@bp.get("/imprese/<int:company_id>/dati.json")
def company_export(company_id: int):
    company = db.get_or_404(Company, company_id)
    data = export_company(company)
    db.session.commit()
    response = jsonify(data)
    response.headers["Content-Disposition"] = f'attachment; filename="impresa-{company.id}.json"'
    return response


@bp.route("/imprese/<int:company_id>/cancella", methods=["GET", "POST"])
def company_erase(company_id: int):
    company = db.get_or_404(Company, company_id)
    form = CompanyEraseForm()
    if company.erased_at is None and form.validate_on_submit():
        erase_company(company)
        db.session.commit()
        flash(_("I dati dell'impresa sono stati cancellati. Restano solo i punteggi anonimi."), "success")
        return redirect(url_for("admin.companies"))
    return render_template("admin/company_erase.html", form=form, company=company)
