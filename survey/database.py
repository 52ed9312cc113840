"""PostgreSQL connections that stop waiting for a server that does not answer.

A frozen server (its process stopped, or a network path that holds the bytes) keeps the
connection open, and its kernel acknowledges every packet: neither a TCP user timeout nor
keepalives notice it, and the server's own statement timeout cannot fire. Only the client can
end the wait. Every wait of these connections for the server — a query's result, a commit, the
pool's ping — is bounded: past ``answer_timeout`` seconds the connection is closed and the
caller gets :class:`psycopg.OperationalError` (the pool then discards the connection and the
page answers 503). The bound lies above the statement timeout, so that a statement the server
is still running is cancelled by the server, not cut off by the client.
"""

from __future__ import annotations

import functools
import types

import psycopg
from psycopg import errors

__all__ = ["BoundedConnection", "bounded_psycopg"]


class BoundedConnection(psycopg.Connection):
    """A psycopg connection whose waits for the server end after ``answer_timeout`` seconds."""

    answer_timeout: float | None = None

    def wait(self, gen, interval=0.1, timeout=None):
        bound = self.answer_timeout if timeout is None else timeout
        try:
            return super().wait(gen, interval=interval, timeout=bound)
        except errors._WaitTimeout as exc:
            if timeout is not None:  # psycopg's own bounded wait: its own handling
                raise
            # halfway through a message the connection cannot be used again
            self.pgconn.finish()
            raise psycopg.OperationalError(
                f"PostgreSQL did not answer within {bound:g} s; the connection was closed"
            ) from exc


@functools.cache
def bounded_psycopg(answer_timeout: float) -> types.ModuleType:
    """psycopg as the database engine's driver module, connecting with :class:`BoundedConnection`
    (SQLAlchemy's ``module`` engine option); everything else is psycopg's own."""
    connection = type(
        "BoundedConnection", (BoundedConnection,), {"answer_timeout": float(answer_timeout)}
    )
    module = types.ModuleType("psycopg", "psycopg, its connections bounded in time")
    module.__getattr__ = functools.partial(getattr, psycopg)
    module.connect = connection.connect
    module.Connection = connection
    return module
