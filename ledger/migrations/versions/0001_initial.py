"""Initial ledger: inquiries, decisions, queue items."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inquiries",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("sender", sa.String(16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("publish_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_inquiries_undecided", "inquiries", ["decided_at", "accepted_at"])
    op.create_table(
        "decisions",
        sa.Column(
            "inquiry_id",
            sa.String(128),
            sa.ForeignKey("inquiries.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("department", sa.String(8), nullable=False),
        sa.Column("service_area", sa.String(64), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("complexity", sa.String(16), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.JSON(), nullable=False),
    )
    op.create_table(
        "queue_items",
        sa.Column(
            "inquiry_id",
            sa.String(128),
            sa.ForeignKey("inquiries.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, server_default="open"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_queue_items_queue", "queue_items", ["queue"])


def downgrade() -> None:
    op.drop_index("ix_queue_items_queue", table_name="queue_items")
    op.drop_table("queue_items")
    op.drop_table("decisions")
    op.drop_index("ix_inquiries_undecided", table_name="inquiries")
    op.drop_table("inquiries")
