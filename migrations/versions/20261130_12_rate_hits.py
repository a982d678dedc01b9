"""rate_hits: rate-limit counts shared by several server processes (issue #12)

Revision ID: i12_rate_hits
Revises: i9_privacy
Create Date: 2026-11-30 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i12_rate_hits"
down_revision: str | None = "i9_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_hits",
        sa.Column("bucket", sa.String(length=200), nullable=False),
        sa.Column("window", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "window", name=op.f("pk_rate_hits")),
    )


def downgrade() -> None:
    op.drop_table("rate_hits")
