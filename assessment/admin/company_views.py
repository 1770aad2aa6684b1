"""A company as the programme managers see it: its page with the private notes, and its data exported or
erased on the company's request (both recorded in the audit log)."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from ..coach.forms import NoteForm
from ..coach.views import save_note
from ..downloads import company_data_download
from ..extensions import db
from ..models import CoachAssignment, Company
from ..public.forms import EmptyForm
from ..services import coaching
from ..services.assessments import OwnerLink, send_owner_link
from ..services.audit import record
from ..services.company_pages import company_page_data
from ..services.privacy import erase_company
from ..services.training_mail import mail_all, mail_promoted
from .forms import CompanyEraseForm, OwnerLinkForm
from .views import bp


@bp.get("/imprese/<int:company_id>")
def company_detail(company_id: int):
    """The coach's company page, read-only for the programme managers, with the private notes."""
    company = db.get_or_404(Company, company_id)
    record("view", company.id)
    db.session.commit()
    return _detail_page(company)


def _detail_page(company: Company, note_form: NoteForm | None = None, link_form: OwnerLinkForm | None = None,
                 issued: OwnerLink | None = None):
    if link_form is None:
        link_form = OwnerLinkForm(email=company.email)
    return render_template("coach/company.html", data=company_page_data(company, g.lang), company=company,
                           note_form=note_form or NoteForm(), form=EmptyForm(), assignment=None,
                           coach_actions=False, note_endpoint="admin.company_note",
                           assignments=coaching.company_assignments(company), link_form=link_form, issued=issued)


@bp.post("/imprese/<int:company_id>/link-titolare")
def owner_link(company_id: int):
    """An owner who lost the link (or gave no e-mail) asks the programme: a new link to the latest result."""
    company = db.get_or_404(Company, company_id)
    form = OwnerLinkForm()
    if not form.validate_on_submit():
        return _detail_page(company, link_form=form), 422
    issued = send_owner_link(company, form.email.data or None)
    if issued is None:
        flash(_("L'impresa non ha ancora una valutazione inviata, o i suoi dati sono stati cancellati."), "error")
        return redirect(url_for("admin.company_detail", company_id=company_id))
    db.session.commit()
    # Shown on this response, not flashed: a flash would carry the secret links in the session cookie.
    return _detail_page(company, issued=issued)


@bp.post("/imprese/<int:company_id>/affidamenti/<int:assignment_id>/ritira")
def assignment_withdraw(company_id: int, assignment_id: int):
    assignment = db.session.get(CoachAssignment, assignment_id)
    if assignment is None or assignment.company_id != company_id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if coaching.withdraw_assignment(assignment):
        db.session.commit()
        flash(_("Proposta ritirata: l'impresa torna in attesa di un coach."), "success")
    return redirect(url_for("admin.company_detail", company_id=company_id) + "#assignments")


@bp.post("/imprese/<int:company_id>/note")
def company_note(company_id: int):
    company = db.get_or_404(Company, company_id)
    return save_note(company, "admin.company_detail", lambda form: _detail_page(company, form))


@bp.get("/imprese/<int:company_id>/dati.json")
def company_export(company_id: int):
    company = db.get_or_404(Company, company_id)
    return company_data_download(company, f"impresa-{company.id}.json")


@bp.route("/imprese/<int:company_id>/cancella", methods=["GET", "POST"])
def company_erase(company_id: int):
    company = db.get_or_404(Company, company_id)
    form = CompanyEraseForm()
    if company.erased_at is None and form.validate_on_submit():
        promoted = erase_company(company)
        db.session.commit()
        mail_all(promoted, mail_promoted)  # the seats its people freed went to the waiting lists
        flash(_("I dati dell'impresa sono stati cancellati. Restano, senza nome né partita IVA, i punteggi con "
                "settore, comune e dimensione."), "success")
        return redirect(url_for("admin.companies"))
    return render_template("admin/company_erase.html", form=form, company=company)
