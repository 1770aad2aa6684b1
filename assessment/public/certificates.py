"""Certificates of participation: the public verification page, and the download from the registration's link."""
from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from ..downloads import attachment
from ..services import certificates as service
from ..services.registrations import find_by_cancel_token
from .flow import link_gone, token_limited
from .views import bp


@bp.get("/attestati")
def certificate_lookup():
    """The code typed from a printed certificate (any case, with or without dashes)."""
    code = service.normalise_code(request.args.get("codice", ""))
    if code is None:
        return render_template("public/certificate_verify.html", view=None, code=request.args.get("codice", "")[:40],
                               searched="codice" in request.args), 404 if "codice" in request.args else 200
    return redirect(url_for("public.certificate_verify", code=code))


@bp.get("/attestati/<code>")
@token_limited
def certificate_verify(code: str):
    """Genuine or unknown, and no more than the certificate itself prints (no e-mail, no partita IVA)."""
    view = service.certificate_by_code(code)
    status = 200 if view is not None else 404
    return render_template("public/certificate_verify.html", view=view, code=code[:40], searched=True), status


@bp.get("/formazione/iscrizione/<token>/attestato.pdf")
@token_limited
def certificate_download(token: str):
    registration = find_by_cancel_token(token)
    view = service.certificate_of(registration) if registration is not None else None
    if view is None or view.is_withdrawn or view.is_void:
        link_gone("training")
    return attachment(service.render_certificate_pdf(view, g.lang), "application/pdf",
                      service.certificate_filename(view))
