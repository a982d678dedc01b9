"""holiday arrangements loaded as data; provisional deadlines on cases

Revision ID: i11_holidays
Revises: i9_privacy
Create Date: 2026-11-30 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db

revision: str = "i11_holidays"
down_revision: str | None = "i9_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "holiday_years",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("loaded_by", sa.String(length=64), nullable=True),
        sa.Column("loaded_at", server.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holiday_years")),
        sa.UniqueConstraint("year", "version", name=op.f("uq_holiday_years_year")),
    )
    with op.batch_alter_table("holiday_years", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holiday_years_year"), ["year"], unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deadline_provisional", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("deadline_provisional")
    with op.batch_alter_table("holiday_years", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_holiday_years_year"))
    op.drop_table("holiday_years")
