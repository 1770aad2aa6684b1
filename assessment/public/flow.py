"""The owner's wizard: profile page, one page per dimension, save on every step, resume by secret link."""
from __future__ import annotations

import hashlib

from flask import (
    abort,
    after_this_request,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from limits import parse as parse_limit

from ..app import LANGUAGE_COOKIE, use_language
from ..domain.errors import InvalidAnswers
from ..domain.scoring import is_shown, parse_answers
from ..extensions import db, limiter
from ..models import Assessment, ThematicArea
from ..questionnaire_forms import (
    fill_form,
    form_answers,
    help_markup,
    reason_text,
    section_form_class,
)
from ..services import assessments as service
from ..services.mail import send_mail
from ..services.profiles import TURNOVER_CLASSES
from ..services.questionnaires import latest_version, questionnaire_of
from ..services.reference import comune_label, resolve_comune
from ..templating import localized
from ..urls import external_url
from .forms import EmptyForm, ProfileForm
from .views import bp, remember_here, used_here, with_language

# Pages reached by a secret link. Unknown links are what guessing produces: those are counted per address, 60 a
# minute. Pages that open are counted apart and generously, because the owners at a workshop share one address.
GUESS_LIMIT = "60 per minute"
PAGE_LIMIT = "600 per minute"


def token_limited(view):
    return limiter.limit(PAGE_LIMIT)(limiter.limit(GUESS_LIMIT, deduct_when=lambda r: r.status_code == 404)(view))



def _load(token: str) -> Assessment:
    assessment = service.find_by_token(token)
    if assessment is None:
        link_gone()
    return assessment


def link_gone(kind: str = "assessment"):
    """A secret link that opens nothing: say why that can be and where to go, instead of a bare 404. `kind`:
    what the link was for (assessment, alerts, training), so that the reasons given are that link's."""
    abort(make_response(render_template("public/link_gone.html", status=404, kind=kind), 404))


def in_its_language(assessment: Assessment) -> None:
    """A link opened in a browser that never chose a language (the e-mail read on another device) opens in the
    language the assessment was started in, and the browser remembers it."""
    if request.cookies.get(LANGUAGE_COOKIE) or assessment.language == g.lang:
        return
    use_language(assessment.language)
    after_this_request(lambda response: with_language(response, assessment.language))


@bp.route("/valutazione", methods=["GET", "POST"])
def start():
    version = latest_version(service.DEFAULT_QUESTIONNAIRE)
    if version is None:
        abort(503)
    questionnaire = questionnaire_of(version)
    form = EmptyForm()
    if form.validate_on_submit():
        draft, token = service.start_draft(questionnaire.key, g.lang)
        db.session.commit()
        remember_here(token)
        return redirect(url_for("public.section", token=token, step=1))
    return render_template("public/start.html", form=form, questionnaire=questionnaire,
                           question_count=len(questionnaire.questions), sections=len(questionnaire.dimensions) + 1)


@bp.get("/riprendi/<token>")
@token_limited
def resume(token: str):
    assessment = _load(token)
    in_its_language(assessment)
    remember_here(token)  # the home page of this browser offers it back
    if assessment.is_submitted:
        return redirect(url_for("public.result", token=token))
    questionnaire = questionnaire_of(assessment.questionnaire_version)
    step = _first_incomplete_step(assessment, questionnaire)
    return redirect(url_for("public.section", token=token, step=step))


def _first_incomplete_step(assessment: Assessment, questionnaire) -> int:
    if not assessment.draft_profile.get("company_name"):
        return 1
    answers = assessment.draft_answers
    for index, dimension in enumerate(questionnaire.dimensions, start=2):
        if any(q.key not in answers for q in dimension.questions):
            return index
    return len(questionnaire.dimensions) + 1


@bp.route("/valutazione/<token>/<int:step>", methods=["GET", "POST"])
@token_limited
def section(token: str, step: int):
    assessment = _load(token)
    in_its_language(assessment)
    used_here(token)
    if assessment.is_submitted:
        return redirect(url_for("public.result", token=token))
    questionnaire = questionnaire_of(assessment.questionnaire_version)
    total = len(questionnaire.dimensions) + 1
    if not 1 <= step <= total:
        abort(404)
    going_back = request.form.get("action") == "back"
    if step == 1:
        return _profile_step(assessment, token, total, going_back)
    return _dimension_step(assessment, questionnaire, token, step, total, going_back)


def _themes_choices():
    areas = db.session.execute(db.select(ThematicArea).order_by(ThematicArea.position)).scalars()
    return [(a.key, localized({"it": a.name_it, "en": a.name_en})) for a in areas]


def _profile_step(assessment: Assessment, token: str, total: int, going_back: bool):
    form = ProfileForm()
    form.annual_turnover_eur.choices = [("", _("Scegli…"))] + [
        (str(value), localized({"it": it, "en": en})) for value, it, en in TURNOVER_CLASSES
    ]
    form.themes.choices = _themes_choices()
    saved = assessment.draft_profile
    errors: dict[str, str] = {}
    if request.method == "GET":
        _fill_profile_form(form, saved)
        if saved.get("company_name"):  # filled before: say what still stops the submission, if anything
            errors = _profile_errors(assessment, saved)
    elif form.validate_on_submit():
        data = _profile_data(form)
        service.save_section(assessment, profile=data)
        errors = _profile_errors(assessment, data)
        if not errors:
            _send_resume_link_once(assessment, token, data.get("email"))
            db.session.commit()
            return redirect(url_for("public.section", token=token, step=2))
        db.session.commit()
    for field, message in errors.items():
        form[field].errors = [message]
    return render_template("public/profile.html", form=form, token=token, step=1, total=total,
                           assessment=assessment, vat_taken=errors.get("vat_number") == service.vat_taken_message(),
                           claim_pending=service.claim_pending(assessment),
                           link_form=EmptyForm())


# The address is typed by whoever fills the page: these caps keep the form from mailing strangers at will, by
# draft and by recipient (a workshop's owners share one network address: that is not what is counted).
RESUME_MAILS_PER_DRAFT = 3
RESUME_MAILS_PER_RECIPIENT = parse_limit("3 per hour")


def _recipient_key(email: str) -> str:
    return "resume-mail-" + hashlib.sha256(email.lower().encode()).hexdigest()[:32]


def _recipient_has_room(email: str) -> bool:
    try:
        return not limiter.enabled or limiter.limiter.test(RESUME_MAILS_PER_RECIPIENT, _recipient_key(email))
    except Exception:  # noqa: BLE001 - the counter's store unreachable: the per-draft cap still holds
        return True


def _count_mail_to(email: str) -> None:
    try:
        if limiter.enabled:
            limiter.limiter.hit(RESUME_MAILS_PER_RECIPIENT, _recipient_key(email))
    except Exception:  # noqa: BLE001 - as above
        pass


def _send_resume_link_once(assessment: Assessment, token: str, email: str | None) -> None:
    if not email or assessment.draft_profile.get("_resume_sent_to") == email:
        return
    if assessment.draft_profile.get("_resume_mails", 0) >= RESUME_MAILS_PER_DRAFT:
        flash(_("Non inviamo altre e-mail da questa valutazione: copia il link dal riquadro in fondo alla pagina."),
              "info")
        return
    if not _recipient_has_room(email):
        flash(_("A questo indirizzo abbiamo appena inviato altre e-mail: riprova più tardi, o copia il link dal "
                "riquadro in fondo alla pagina."), "info")
        return
    link = external_url("public.resume", token=token)
    sent = send_mail(email, _("Bussola Digitale: il tuo link per riprendere la valutazione"),
                     _("Buongiorno,\n\necco il link personale per riprendere la valutazione della maturità "
                       "digitale da qualsiasi dispositivo:\n\n%(link)s\n\nQuando l'avrai inviata, lo stesso link "
                       "riapre il risultato e il rapporto PDF: conserva questa e-mail. Non condividerlo: chi ha il "
                       "link vede le risposte.\n", link=link))
    if sent:
        _count_mail_to(email)
        service.save_section(assessment, profile={
            "_resume_sent_to": email, "_resume_mails": assessment.draft_profile.get("_resume_mails", 0) + 1})
    else:  # tried again at the next save of this page; meanwhile the link is on every page
        flash(_("Non siamo riusciti a inviarti l'e-mail con il link per riprendere: copialo dal riquadro in fondo "
                "alla pagina."), "warning")


def _fill_profile_form(form: ProfileForm, saved: dict) -> None:
    for name in ("company_name", "vat_number", "ateco_code", "email"):
        form[name].data = saved.get(name) or ""
    comune = resolve_comune(saved.get("comune_istat"))
    form.comune_istat.data = comune_label(comune) if comune else (saved.get("comune_istat") or "")
    form.employees.data = saved.get("employees")
    form.annual_turnover_eur.data = str(saved.get("annual_turnover_eur") or "")
    form.themes.data = saved.get("themes") or []
    form.privacy_accepted.data = bool(saved.get("privacy_accepted"))
    form.coach_contact.data = bool(saved.get("coach_contact"))


def _profile_data(form: ProfileForm) -> dict:
    comune = resolve_comune(form.comune_istat.data)
    turnover = form.annual_turnover_eur.data
    return {
        "company_name": (form.company_name.data or "").strip(),
        "vat_number": (form.vat_number.data or "").strip(),
        "ateco_code": (form.ateco_code.data or "").strip().split(" ")[0],
        "comune_istat": comune.istat_code if comune else (form.comune_istat.data or "").strip(),
        "employees": form.employees.data,
        "annual_turnover_eur": int(turnover) if turnover and turnover.isascii() and turnover.isdigit() else None,
        "email": (form.email.data or "").strip(),
        # only the boxes the page offered: a crafted value is not stored (the submission would refuse it)
        "themes": [key for key in form.themes.data or [] if key in dict(form.themes.choices)],
        "privacy_accepted": bool(form.privacy_accepted.data),
        "coach_contact": bool(form.coach_contact.data),
    }


def _profile_errors(assessment: Assessment, data: dict) -> dict[str, str]:
    from ..services.profiles import ProfileInvalid, validate_profile

    errors = {}
    try:
        validate_profile(data)
    except ProfileInvalid as error:
        errors = dict(error.errors)
    if "vat_number" not in errors and service.taken_vat_company(assessment) is not None:
        errors["vat_number"] = service.vat_taken_message()  # with the others, not in a second round
    return errors


@bp.post("/valutazione/<token>/collegamento")
@token_limited
@limiter.limit("5 per hour")  # each request mails the company: not a way to flood its mailbox
def request_company_link(token: str):
    """The partita IVA typed belongs to a company already assessed: mail the company's registered address a
    link that joins this draft to it (nothing typed so far is lost)."""
    assessment = _load(token)
    if assessment.is_submitted:
        return redirect(url_for("public.result", token=token))
    if not EmptyForm().validate_on_submit():
        abort(400)
    company = service.taken_vat_company(assessment)
    if company is None:
        return redirect(url_for("public.section", token=token, step=1))
    if not company.email:
        flash(_("L'impresa non ha un'e-mail registrata: chiedi il link per ripetere la valutazione al tuo coach o al "
                "gestore del programma."), "warning")
        return redirect(url_for("public.section", token=token, step=1))
    secret = service.request_company_link(assessment, company)
    link = external_url("public.join_company", draft_id=assessment.id, secret=secret)
    sent = send_mail(company.email, _("Bussola Digitale: continua la valutazione della tua impresa"),
                     _("Buongiorno,\n\nqualcuno ha iniziato una valutazione della maturità digitale con la partita "
                       "IVA di %(name)s. Se sei stato tu, apri questo link entro %(hours)d ore per continuarla come "
                       "nuova valutazione dell'impresa:\n\n%(link)s\n\nSe non sei stato tu, ignora questo "
                       "messaggio: senza il link nessuno vede né cambia i dati dell'impresa.\n",
                       name=company.name, hours=service.CLAIM_HOURS, link=link))
    db.session.commit()
    if sent:
        flash(_("Abbiamo inviato il link all'e-mail registrata per l'impresa (%(email)s): aprilo per continuare. "
                "Le risposte date finora restano.", email=_masked(company.email)), "success")
    else:
        flash(_("Non siamo riusciti a inviare l'e-mail: riprova più tardi o chiedi il link al tuo coach."), "warning")
    return redirect(url_for("public.section", token=token, step=1))


def _masked(email: str) -> str:
    """Enough of the address for its owner to recognise it, not enough to learn it: m•••@example.org."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


@bp.route("/valutazione/collega/<int:draft_id>/<secret>", methods=["GET", "POST"])
@token_limited
def join_company(draft_id: int, secret: str):
    """Opened from the company's mailbox: a button (not the GET, which mail scanners follow) joins the draft."""
    found = service.claim_for(draft_id, secret)
    if found is None:
        link_gone()
    draft, company = found
    form = EmptyForm()
    if form.validate_on_submit():
        token = service.join_company(draft, company)
        db.session.commit()
        remember_here(token)
        flash(_("La valutazione ora è collegata a %(name)s: controlla i dati e prosegui.", name=company.name),
              "success")
        return redirect(url_for("public.section", token=token, step=1))
    return render_template("public/join_company.html", form=form, company=company)


def _dimension_step(assessment: Assessment, questionnaire, token: str, step: int, total: int,
                    going_back: bool):
    dimension = questionnaire.dimensions[step - 2]
    form = section_form_class(dimension, g.lang)()
    fill_form(form, dimension.questions, assessment.draft_answers)
    if request.method == "POST" and form.validate_on_submit():
        raw = form_answers(form, dimension.questions)
        merged = {**assessment.draft_answers, **raw}
        # Answers hidden by skip logic are dropped, so they can never count.
        hidden = tuple(q.key for q in dimension.questions if not is_shown(q, _as_tuples(questionnaire, merged)))
        page_keys = tuple(q.key for q in dimension.questions)
        service.save_section(assessment, answers={k: v for k, v in raw.items() if k not in hidden},
                             dropped=tuple(k for k in page_keys if k not in raw or k in hidden))
        # Checked before the commit, which expires the draft: reading it after would mean one more query.
        errors = {} if going_back else _page_errors(questionnaire, assessment.draft_answers, page_keys)
        db.session.commit()
        if going_back:
            return redirect(url_for("public.section", token=token, step=step - 1))
        if not errors:
            if step < total:
                return redirect(url_for("public.section", token=token, step=step + 1))
            return _submit(assessment, token)
        for key, reason in errors.items():
            form[key].errors = [reason_text(reason)]
    helps = {q.key: help_markup(q, g.lang) for q in dimension.questions}
    shown = _as_tuples(questionnaire, assessment.draft_answers)
    return render_template("public/section.html", form=form, dimension=dimension, token=token, step=step,
                           total=total, helps=helps, questions=dimension.questions,
                           hidden={q.key for q in dimension.questions if q.show_if and not is_shown(q, shown)},
                           assessment=assessment)


def _as_tuples(questionnaire, raw: dict) -> dict[str, tuple[str, ...]]:
    """Draft answers in the domain's shape, for skip logic (unknown keys are ignored)."""
    result = {}
    for key, value in raw.items():
        if isinstance(value, str):
            result[key] = (value,)
        elif isinstance(value, list):
            result[key] = tuple(v for v in value if isinstance(v, str))
    return result


def _page_errors(questionnaire, answers: dict, keys: tuple[str, ...]) -> dict[str, str]:
    try:
        parse_answers(questionnaire, answers, require_complete=True, only_keys=keys)
    except InvalidAnswers as error:
        return {k: v for k, v in error.errors.items() if k in keys}
    return {}


def _submit(assessment: Assessment, token: str):
    locked = service.find_by_token(token, for_update=True)
    if not locked.is_submitted:
        locked.language = g.lang  # the language the owner finished in is the one to write to them in
    try:
        service.submit(locked)
    except service.SubmissionInvalid as error:
        db.session.rollback()
        questionnaire = questionnaire_of(assessment.questionnaire_version)
        step = 1 if error.profile_errors else _step_of(questionnaire, next(iter(error.answer_errors)))
        flash(_("Per inviare correggi i dati dell'impresa segnalati qui sotto.") if error.profile_errors
              else _("Per inviare manca ancora qualche risposta in questa pagina."), "error")
        return redirect(url_for("public.section", token=token, step=step))
    db.session.commit()
    return redirect(url_for("public.result", token=token))


def _step_of(questionnaire, question_key: str) -> int:
    for index, dimension in enumerate(questionnaire.dimensions, start=2):
        if any(q.key == question_key for q in dimension.questions):
            return index
    return 2
