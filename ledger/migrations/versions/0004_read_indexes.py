"""Indexes for the read paths: decisions by time, and waiting items by state and queue."""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The misrouted-in-7-days figure on the board reads decisions by decided_at.
    op.create_index("ix_decisions_decided_at", "decisions", ["decided_at"])
    # The board and the summaries ask for open or claimed items of a set of queues; state
    # first, since resolved items pile up and the waiting ones are few.
    op.create_index("ix_queue_items_state_queue", "queue_items", ["state", "queue"])


def downgrade() -> None:
    op.drop_index("ix_queue_items_state_queue", table_name="queue_items")
    op.drop_index("ix_decisions_decided_at", table_name="decisions")
