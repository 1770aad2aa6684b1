"""Responses the browser saves as a file: the one place that names an attachment."""
from __future__ import annotations

from collections.abc import Iterable

from flask import Response, jsonify

from .extensions import db
from .models import Company


def attachment(body: bytes | str | Iterable, mimetype: str, filename: str) -> Response:
    """`body` (bytes, text or an iterator of chunks) sent as a download named `filename`."""
    return named(Response(body, mimetype=mimetype), filename)


def named(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def company_data_download(company: Company, filename: str) -> Response:
    """Everything stored about a company as a JSON file (the rights of access and portability). The export's
    audit entry is committed first: it is kept even if the download is interrupted."""
    from .services.privacy import export_company

    data = export_company(company)
    db.session.commit()
    return named(jsonify(data), filename)
