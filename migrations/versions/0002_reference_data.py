"""Reference data: ISTAT comuni and the ATECO 2025 tree (Fonte: ISTAT, CC BY 4.0).

Revision ID: 0002
Revises: 0001
"""
import csv
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DATA_DIR = Path(__file__).resolve().parents[2] / "assessment" / "data"

comuni = sa.table(
    "comuni",
    sa.column("istat_code", sa.String),
    sa.column("name", sa.String),
    sa.column("province_code", sa.String),
    sa.column("province_name", sa.String),
    sa.column("region_code", sa.String),
    sa.column("region_name", sa.String),
)
ateco_codes = sa.table(
    "ateco_codes",
    sa.column("code", sa.String),
    sa.column("level", sa.String),
    sa.column("parent", sa.String),
    sa.column("section", sa.String),
    sa.column("title", sa.String),
)


def _read(name: str) -> list[dict]:
    with open(DATA_DIR / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _ateco_rows() -> list[dict]:
    rows = _read("ateco2025_completo.csv")
    parent_of = {r["codice"]: r["padre"] or None for r in rows}

    def section(code: str) -> str:
        while parent_of.get(code):
            code = parent_of[code]
        return code

    return [
        {"code": r["codice"], "level": r["livello"], "parent": r["padre"] or None,
         "section": section(r["codice"]), "title": r["titolo"]}
        for r in rows
    ]


def upgrade():
    op.bulk_insert(comuni, [
        {"istat_code": r["codice_istat"], "name": r["denominazione"], "province_code": r["sigla"],
         "province_name": r["denominazione_uts"], "region_code": r["codice_regione"],
         "region_name": r["denominazione_regione"]}
        for r in _read("comuni_italia_istat.csv")
    ])
    op.bulk_insert(ateco_codes, _ateco_rows())


def downgrade():
    op.execute(ateco_codes.delete())
    op.execute(comuni.delete())
