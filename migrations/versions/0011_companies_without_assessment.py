"""Companies without assessment: a firm whose people register for training is stored as a company with its
partita IVA and name and no profile (the profile columns become nullable, whole or absent); the people
registered before, whose firm was kept only on their own row, are linked to it.

Revision ID: 0011
Revises: 0009
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

SIZE_CLASS = sa.Enum("micro", "small", "medium", "large", name="sizeclass")
PROFILE = (  # (column, type) of the profile a self-assessment fills in
    ("ateco_code", sa.String(length=10)),
    ("ateco_section", sa.String(length=1)),
    ("comune_istat", sa.String(length=6)),
    ("employees", sa.Integer()),
    ("annual_turnover_eur", sa.BigInteger()),
    ("size_class", SIZE_CLASS),
)
WHOLE_OR_ABSENT = ("(ateco_code IS NULL AND ateco_section IS NULL AND comune_istat IS NULL AND employees IS NULL"
                   " AND annual_turnover_eur IS NULL AND size_class IS NULL) OR (ateco_code IS NOT NULL"
                   " AND ateco_section IS NOT NULL AND comune_istat IS NOT NULL AND employees IS NOT NULL"
                   " AND annual_turnover_eur IS NOT NULL AND size_class IS NOT NULL)")

companies = sa.table(
    "companies",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("vat_number", sa.String),
    sa.column("size_class", sa.String),
    sa.column("themes", sa.JSON),
    sa.column("language", sa.String),
    sa.column("created_at", sa.DateTime),
    sa.column("erased_at", sa.DateTime),
)
participants = sa.table(
    "participants",
    sa.column("id", sa.Integer),
    sa.column("firm_vat_number", sa.String),
    sa.column("firm_name", sa.String),
    sa.column("company_id", sa.Integer),
    sa.column("language", sa.String),
    sa.column("created_at", sa.DateTime),
    sa.column("erased_at", sa.DateTime),
)


def upgrade():
    with op.batch_alter_table("companies", schema=None) as batch_op:
        for name, type_ in PROFILE:
            batch_op.alter_column(name, existing_type=type_, nullable=True)
        batch_op.create_check_constraint(op.f("ck_companies_profile_whole_or_absent"), WHOLE_OR_ABSENT)
    _link_registered_firms()


def _link_registered_firms() -> None:
    """Each partita IVA kept only on participants becomes the company of everyone who typed it: the company
    already there (assessed after they registered), or a new one without assessment named as the first of them
    typed it."""
    connection = op.get_bind()
    unlinked = connection.execute(
        sa.select(participants.c.id, participants.c.firm_vat_number, participants.c.firm_name,
                  participants.c.language, participants.c.created_at)
        .where(participants.c.company_id.is_(None), participants.c.firm_vat_number.is_not(None),
               participants.c.erased_at.is_(None))
        .order_by(participants.c.created_at, participants.c.id)).all()
    by_vat: dict[str, list] = {}
    for row in unlinked:
        by_vat.setdefault(row.firm_vat_number, []).append(row)
    if not by_vat:
        return
    known = dict(connection.execute(
        sa.select(companies.c.vat_number, companies.c.id)
        .where(companies.c.vat_number.in_(list(by_vat)), companies.c.erased_at.is_(None))).all())
    now = datetime.now(UTC).replace(tzinfo=None)
    for vat, rows in by_vat.items():
        company_id = known.get(vat)
        if company_id is None:
            first = rows[0]
            company_id = connection.execute(companies.insert().values(
                name=first.firm_name, vat_number=vat, themes=[],
                language=first.language or "it", created_at=first.created_at or now,
            ).returning(companies.c.id)).scalar_one()
        connection.execute(participants.update().where(participants.c.id.in_([r.id for r in rows]))
                           .values(company_id=company_id))


def downgrade():
    # A company without assessment cannot exist before this revision: its people keep the firm on their own
    # row (partita IVA and name as they typed them), as they did then, and the company goes.
    without_profile = sa.select(companies.c.id).where(companies.c.size_class.is_(None))
    op.execute(participants.update().where(participants.c.company_id.in_(without_profile)).values(company_id=None))
    op.execute(companies.delete().where(companies.c.size_class.is_(None)))
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_companies_profile_whole_or_absent"), type_="check")
        for name, type_ in PROFILE:
            batch_op.alter_column(name, existing_type=type_, nullable=False)
