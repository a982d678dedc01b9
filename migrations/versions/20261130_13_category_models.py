"""13: trained category models (versioned, publishable) and labelled examples from the field

Revision ID: i13_category_models
Revises: i11_holidays
Create Date: 2026-11-30 12:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db

revision: str = "i13_category_models"
down_revision: str | None = "i11_holidays"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "category_models",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", server.db.UTCDateTime(), nullable=False),
        sa.Column("published_at", server.db.UTCDateTime(), nullable=True),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category_models")),
    )
    with op.batch_alter_table("category_models", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_category_models_published_at"), ["published_at"], unique=False)

    op.create_table(
        "category_examples",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("case_key", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("by_user", sa.String(length=64), nullable=True),
        sa.Column("created_at", server.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category_examples")),
    )
    with op.batch_alter_table("category_examples", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_category_examples_case_key"), ["case_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("category_examples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_category_examples_case_key"))
    op.drop_table("category_examples")
    with op.batch_alter_table("category_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_category_models_published_at"))
    op.drop_table("category_models")
