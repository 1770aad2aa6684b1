"""Coaches: the list with capacity, availability and load, and the edit of a coach's profile."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from ..domain.errors import InvalidField
from ..extensions import db
from ..models import Role, User
from ..public.forms import EmptyForm
from ..services import catalogue
from ..services.reference import comuni_by_codes
from .account_views import switch_account
from .forms import SearchForm, coach_profile_form, comuni_lines
from .views import attach_error, bp, page_number


@bp.get("/coach")
def coaches():
    form = SearchForm()
    pagination, loads = catalogue.list_coaches(form.search, page_number())
    return render_template("admin/coaches.html", form=form, pagination=pagination, loads=loads)


@bp.route("/coach/<int:user_id>", methods=["GET", "POST"])
def coach_edit(user_id: int):
    coach = db.first_or_404(db.select(User).where(User.id == user_id, User.role == Role.coach))
    profile = coach.coach_profile
    titles, _levels = catalogue.dimension_and_level_names(g.lang)
    # Named, as territories show them: "001125 Ivrea (TO)", which saves back the same.
    comuni_text = comuni_lines(comuni_by_codes(list(profile.comuni_istat or []) if profile else []))
    form = coach_profile_form(profile, titles, catalogue.thematic_areas(), catalogue.territories(),
                              comuni_text)
    if form.validate_on_submit():
        try:
            catalogue.update_coach_profile(coach, form.values(), form.comuni.data)
        except InvalidField as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Profilo del coach salvato."), "success")
            return redirect(url_for("admin.coaches"))
    return render_template("admin/coach_edit.html", form=form, coach=coach, account_form=EmptyForm())


@bp.post("/coach/<int:user_id>/account")
def coach_account(user_id: int):
    """Switch a coach's account off (they leave the programme: no login, no proposals, no API) or on again."""
    coach = db.first_or_404(db.select(User).where(User.id == user_id, User.role == Role.coach))
    if not EmptyForm().validate_on_submit():
        abort(400)
    switch_account(coach)
    return redirect(url_for("admin.coach_edit", user_id=coach.id))
