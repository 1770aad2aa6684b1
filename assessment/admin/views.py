"""Programme managers' pages: the blueprint, its admin check, companies and the audit log. The other
pages register on the same blueprint from catalogue_views, grant_views, coach_views, dashboard_views."""
from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request
from flask_login import current_user, login_required

from ..domain.errors import InvalidField
from ..form_fields import BaseForm
from ..services.catalogue import dimension_and_level_names
from ..services.dashboard import list_audit_entries, list_companies, staff_users
from .forms import SearchForm, audit_filter_form

bp = Blueprint("admin", __name__)


@bp.before_request
@login_required
def require_admin():
    if not current_user.is_admin:
        abort(403)


def page_number() -> int:
    return request.args.get("page", 1, type=int)


def attach_error(form: BaseForm, error: InvalidField) -> None:
    """Show a service's InvalidField on the field it names, or above the form."""
    field = form._fields.get(error.field)
    if field is not None:
        field.errors = [*field.errors, error.reason]
    else:
        form.form_errors.append(error.reason)


@bp.get("/imprese")
def companies():
    form = SearchForm()
    listed = list_companies(form.search, page_number())
    _titles, level_labels = dimension_and_level_names(g.lang)
    return render_template("admin/companies.html", form=form, pagination=listed.pagination,
                           assignments=listed.assignments, people=listed.people, level_labels=level_labels)


@bp.get("/audit")
def audit():
    form = audit_filter_form(staff_users())
    pagination, users = list_audit_entries(form.company_id.data, int(form.user_id.data or 0) or None,
                                           page_number())
    return render_template("admin/audit.html", form=form, pagination=pagination, users=users)
