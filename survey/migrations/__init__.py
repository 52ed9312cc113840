"""Alembic migrations of the schema (see survey.schema)."""
