"""Phone calls reported by the telephony platform: when they started, were transcribed, ended."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("call_id", sa.String(64), primary_key=True),
        sa.Column("inquiry_id", sa.String(128), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("transcript_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hung_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hung_up_before_decision", sa.Boolean(), nullable=True),
        sa.Column("abandoned", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_calls_inquiry_id", "calls", ["inquiry_id"])


def downgrade() -> None:
    op.drop_index("ix_calls_inquiry_id", table_name="calls")
    op.drop_table("calls")
