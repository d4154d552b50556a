"""Queue state from events, operator accounts, citizen keys and the connectors' bookkeeping."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inquiries") as batch:
        batch.add_column(sa.Column("citizen_key", sa.String(64), nullable=True))
        batch.add_column(sa.Column("redacted_text", sa.Text(), nullable=True))
        batch.create_index("ix_inquiries_citizen_key", ["citizen_key"])
    with op.batch_alter_table("queue_items") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(200), nullable=True))
        batch.add_column(sa.Column("transfers", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "queue_events",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("inquiry_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.JSON(), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_queue_events_inquiry_id", "queue_events", ["inquiry_id"])
    op.create_index("ix_queue_events_queue", "queue_events", ["queue"])
    op.create_index("ix_queue_events_at", "queue_events", ["at"])
    op.create_table(
        "operators",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("department", sa.String(8), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("inquiry_id", sa.String(128), nullable=False),
        sa.Column("request_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "callbacks",
        sa.Column(
            "inquiry_id",
            sa.String(128),
            sa.ForeignKey("inquiries.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_callbacks_state", "callbacks", ["state"])
    op.create_table(
        "mail_messages",
        sa.Column("message_key", sa.String(64), primary_key=True),
        sa.Column("mailbox", sa.String(128), nullable=False),
        sa.Column("uid", sa.Integer(), nullable=True),
        sa.Column("inquiry_id", sa.String(128), nullable=False),
        sa.Column("reply_to", sa.Text(), nullable=True),
        sa.Column("receipt_state", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("receipt_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_mail_messages_inquiry_id", "mail_messages", ["inquiry_id"])
    op.create_index("ix_mail_messages_receipt_state", "mail_messages", ["receipt_state"])


def downgrade() -> None:
    op.drop_table("mail_messages")
    op.drop_table("callbacks")
    op.drop_table("idempotency_keys")
    op.drop_table("operators")
    op.drop_table("queue_events")
    with op.batch_alter_table("queue_items") as batch:
        batch.drop_column("transfers")
        batch.drop_column("outcome")
        batch.drop_column("resolved_at")
        batch.drop_column("updated_at")
        batch.drop_column("claimed_by")
    with op.batch_alter_table("inquiries") as batch:
        batch.drop_index("ix_inquiries_citizen_key")
        batch.drop_column("redacted_text")
        batch.drop_column("citizen_key")
