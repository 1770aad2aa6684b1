"""Grants as the bundled snapshot has them (abridged): the first sync completes them without an amendment.

Revision ID: 0012
Revises: 0011
"""
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

SNAPSHOT = Path(__file__).resolve().parents[2] / "assessment" / "data" / "incentivi_gov_it_live_2026-09-25.json"

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_abridged", sa.Boolean(), server_default=sa.false(), nullable=False))
    # The bundled snapshot's calls, imported and never changed since (no revision, last changed when first seen).
    ids = [str(doc["ID_Incentivo"]) for doc in json.loads(SNAPSHOT.read_text(encoding="utf-8"))["response"]["docs"]]
    grants = sa.table("grants", sa.column("id"), sa.column("source"), sa.column("external_id"),
                      sa.column("first_seen_at"), sa.column("last_changed_at"), sa.column("is_abridged"))
    revisions = sa.table("grant_revisions", sa.column("grant_id"))
    op.execute(grants.update().where(
        grants.c.source == "incentivi.gov.it", grants.c.external_id.in_(ids),
        grants.c.first_seen_at == grants.c.last_changed_at,
        grants.c.id.not_in(sa.select(revisions.c.grant_id)),
    ).values(is_abridged=True))


def downgrade():
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_column("is_abridged")
