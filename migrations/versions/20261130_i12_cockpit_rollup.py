"""cockpit roll-up: cases.accepted and cockpit_counts, filled from the existing cases (issue #12)

Revision ID: i12_cockpit_rollup
Revises: q15_sms_ttl
Create Date: 2026-11-30 15:10:00

The backfill is this revision's own SQL (not server/cockpit/rollup.py, which may change later):
``accepted`` from the timeline records, then the counts per day and per month (China time), per township and per county.
``jiefen cockpit rebuild-rollup`` does the same on a live database.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i12_cockpit_rollup"
down_revision: str | None = "q15_sms_ttl"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# metrics.IMPLIES_MEDIATED when this revision was written.
_IMPLIES_MEDIATED = ("accepted", "confirmation_denied", "confirmation_requested", "confirmed", "failed",
                     "filed", "filing_requested", "resolved")  # fmt: skip


def upgrade() -> None:
    op.add_column("cases", sa.Column("accepted", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "cockpit_counts",
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("town", sa.String(length=9), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("mediated", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "grain", "period", "town", "status", "mediated", name=op.f("pk_cockpit_counts")
        ),
    )
    op.create_index(
        "ix_cockpit_counts_grain_town_period", "cockpit_counts", ["grain", "town", "period"], unique=False
    )
    pg = op.get_bind().dialect.name == "postgresql"
    event = "r.view->>'event'" if pg else "json_extract(r.view, '$.event')"
    op.execute(
        "UPDATE cases SET accepted = EXISTS (SELECT 1 FROM records r WHERE r.root = cases.key"
        f" AND r.entity = 'timeline' AND {event} = 'accepted')"
    )
    day = (
        "to_char(created_at + interval '8 hours', 'YYYY-MM-DD')"
        if pg
        else "strftime('%Y-%m-%d', created_at, '+8 hours')"
    )
    implies = ", ".join(f"'{s}'" for s in _IMPLIES_MEDIATED)
    op.execute(
        "INSERT INTO cockpit_counts (grain, period, town, status, mediated, n) "
        f"SELECT 'd', {day}, coalesce(substr(region, 1, 9), ''), status, "
        f"(accepted OR status IN ({implies})), count(*) FROM cases GROUP BY 2, 3, 4, 5"
    )
    op.execute(
        "INSERT INTO cockpit_counts (grain, period, town, status, mediated, n) "
        "SELECT 'm', substr(period, 1, 8) || '01', town, status, mediated, sum(n) "
        "FROM cockpit_counts WHERE grain = 'd' GROUP BY 2, 3, 4, 5"
    )
    op.execute(
        "INSERT INTO cockpit_counts (grain, period, town, status, mediated, n) "
        "SELECT CASE grain WHEN 'd' THEN 'D' ELSE 'M' END, period, substr(town, 1, 6), status, "
        "mediated, sum(n) FROM cockpit_counts WHERE grain IN ('d', 'm') GROUP BY 1, 2, 3, 4, 5"
    )


def downgrade() -> None:
    op.drop_index("ix_cockpit_counts_grain_town_period", table_name="cockpit_counts")
    op.drop_table("cockpit_counts")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("accepted")
