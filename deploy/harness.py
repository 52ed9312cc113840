"""What the smoke tests and benchmark scripts share: a PostgreSQL schema of their own for one
run, and best-of timing. (Scripts in bench/ add this folder to the end of sys.path; bench/ itself
never goes on it, where bench/scoring.py would stand in for the scoring package.)"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

PG_URL = os.environ.get("SMOKE_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

__all__ = ["PG_URL", "best_of", "on_both_databases", "postgres_schema"]


@contextmanager
def postgres_schema(prefix: str, url: str = PG_URL) -> Iterator[tuple[str, str]]:
    """A PostgreSQL schema of its own for one run: (its name, a database URL that uses it);
    dropped with everything in it afterwards."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    try:
        yield name, f"{url}?options=-csearch_path%3D{name}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def best_of(repeats: int, func) -> float:
    """The shortest of ``repeats`` timings of ``func()``, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def on_both_databases(bench, *args, url: str = PG_URL) -> list:
    """``bench(name, database_url, *args)`` on a SQLite file of its own, then on a PostgreSQL
    schema of its own; their results."""
    with tempfile.TemporaryDirectory() as folder:
        results = [bench("sqlite", f"sqlite:///{folder}/bench.sqlite3", *args)]
    with postgres_schema("bench", url) as (_schema, schema_url):
        results.append(bench("postgresql", schema_url, *args))
    return results
