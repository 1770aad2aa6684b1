"""The PDF report, rendered by WeasyPrint from the same data as the result page."""
from __future__ import annotations

from flask import render_template
from weasyprint import HTML

from ..config import PROJECT_ROOT


def render_report_pdf(view, lang: str) -> bytes:
    html = render_template("reports/report.html", view=view, lang=lang)
    return HTML(string=html, base_url=str(PROJECT_ROOT / "assessment" / "static")).write_pdf()
