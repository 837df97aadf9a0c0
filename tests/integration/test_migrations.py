"""Migrations produce exactly the declared schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from comptoir.runtime import Runtime
from comptoir.store.tables import metadata


def test_migrations_match_declared_schema(runtime: Runtime) -> None:
    with runtime.db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_every_declared_table_exists(runtime: Runtime) -> None:
    import sqlalchemy as sa

    names = set(sa.inspect(runtime.db.engine).get_table_names())
    assert set(metadata.tables) <= names
