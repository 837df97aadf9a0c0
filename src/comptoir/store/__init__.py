"""Storage: SQLAlchemy Core tables, the database handle with transactions, Alembic migrations."""
