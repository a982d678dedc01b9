"""replica owners and the personal-data access log (issue #9)

Revision ID: i9_privacy
Revises: i14_consult_ratings
Create Date: 2026-11-30 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db

revision: str = "i9_privacy"
down_revision: str | None = "i14_consult_ratings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "replica_owners",
        sa.Column("replica", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", server.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("replica", name=op.f("pk_replica_owners")),
    )
    op.create_table(
        "personal_data_access",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("at", server.db.UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("case_key", sa.String(length=64), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_access")),
    )
    op.create_index("ix_personal_data_access_case", "personal_data_access", ["case_key", "at"], unique=False)
    op.create_index(op.f("ix_personal_data_access_at"), "personal_data_access", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_personal_data_access_at"), table_name="personal_data_access")
    op.drop_index("ix_personal_data_access_case", table_name="personal_data_access")
    op.drop_table("personal_data_access")
    op.drop_table("replica_owners")
