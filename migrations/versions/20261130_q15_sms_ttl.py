"""sms_deliveries.ttl: a queued text has a lifetime like a queued push (issue #15)

Both queues now run through one code path (server/notify/delivery.py) that drops a row whose TTL
ran out while it waited. Texts queued before this revision get 0, which means "no TTL": they are
sent as before.

Revision ID: q15_sms_ttl
Revises: i12_rate_buckets
Create Date: 2026-11-30 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "q15_sms_ttl"
down_revision: str | None = "i12_rate_buckets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sms_deliveries") as batch_op:
        batch_op.add_column(sa.Column("ttl", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("sms_deliveries") as batch_op:
        batch_op.drop_column("ttl")
