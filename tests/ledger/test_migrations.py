"""The migrations build exactly the tables and indexes of ledger/schema.py, and undo them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from ledger.database import make_engine
from ledger.migrate import downgrade, upgrade
from ledger.schema import Base

READ_INDEXES = {
    "decisions": ("ix_decisions_decided_at", ["decided_at"]),
    "queue_items": ("ix_queue_items_state_queue", ["state", "queue"]),
}


def _indexes(engine: Engine, table: str) -> dict[str, list[str]]:
    return {ix["name"]: list(ix["column_names"]) for ix in inspect(engine).get_indexes(table)}


def test_the_migrated_schema_is_the_schema_the_tables_declare(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_the_read_indexes_come_with_0004_and_go_with_its_downgrade(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    for table, (name, columns) in READ_INDEXES.items():
        assert _indexes(engine, table)[name] == columns
    downgrade(engine, "0003")
    for table, (name, _) in READ_INDEXES.items():
        assert name not in _indexes(engine, table)
    upgrade(engine)
    assert all(name in _indexes(engine, table) for table, (name, _) in READ_INDEXES.items())
    engine.dispose()
