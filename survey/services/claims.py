"""A sender's claim on the participants it sends to: no two senders work on one person at the
same time, and a sender that dies lets go.

On PostgreSQL a sender takes an advisory lock per participant (``pg_try_advisory_lock``) on a
connection of its own: a participant another sender holds is skipped, and the locks go with the
connection — at the end of the batch, or when the sender's process ends. They block nothing
else: a person answering while their reminder goes out is not kept waiting. On SQLite, which
takes one writer at a time anyway, one sender at a time holds a lock on a file beside the
database, which the operating system lets go with the process.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from survey.models import Invitation, Participant

__all__ = ["Claim", "claim"]

# the first key of the advisory locks that claim participants ("mail"); the second is the id
SENDING_LOCK = 0x6D61696C


class Claim:
    """The participants a sender holds, and how it marks their links sent.

    On SQLite a mark is made at once, through the sender's session. On PostgreSQL the marks go
    through the connection that holds the locks, in a thread of their own: the mark of one
    e-mail is made while the next one goes out (each waits for the one before), so that the
    round trip costs no time; and their commits do not wait for the disk. A mark reaches the
    server within that round trip and survives the sender being killed; only a crash of the
    database server in the same fraction of a second could lose one — and make the next sender
    replace that link with a second e-mail."""

    def __init__(self, ids: list[int], connection: sa.Connection | Session, overlap: bool):
        self.ids, self._connection = ids, connection
        self._marking = ThreadPoolExecutor(1) if overlap else None
        self._pending: Future | None = None

    def mark_sent(self, link: int) -> None:
        """Mark ``link`` sent (once the mark before it is made: :class:`DBAPIError` if it
        could not be)."""
        if self._marking is None:
            self._mark(link)
            return
        self.settle()
        self._pending = self._marking.submit(self._mark, link)

    def settle(self) -> None:
        """Wait for the mark under way, if any (:class:`DBAPIError` if it could not be made)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def _mark(self, link: int) -> None:
        self._connection.execute(
            sa.update(Invitation).where(Invitation.id == link).values(sent=True)
        )
        self._connection.commit()

    def end(self) -> None:
        if self._marking is not None:
            self._marking.shutdown(wait=True)


@contextmanager
def claim(session: Session, participant_ids: list[int]) -> Iterator[Claim]:
    """Those of ``participant_ids`` that no other sender is working on; they stay this
    sender's until the block ends, or its process does."""
    engine = session.get_bind()
    ids = sa.select(Participant.id).where(Participant.id.in_(participant_ids))
    if engine.dialect.name != "postgresql":
        with _one_sender(engine.url.database):
            held = list(session.scalars(ids.order_by(Participant.id)))
            session.commit()
            yield Claim(held, session, overlap=False)
        return
    holder = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    held = None
    try:
        holder.execute(sa.text("SET synchronous_commit TO OFF"))
        locked = sa.func.pg_try_advisory_lock(SENDING_LOCK, Participant.id)
        rows = holder.execute(ids.add_columns(locked).order_by(Participant.id)).all()
        held = Claim([participant_id for participant_id, mine in rows if mine], holder, True)
        yield held
    finally:
        if held is not None:
            held.end()
        try:
            holder.execute(sa.text("SELECT pg_advisory_unlock_all()"))
            holder.execute(sa.text("RESET synchronous_commit"))
            holder.close()
        except DBAPIError:  # the connection went, and its locks with it
            holder.invalidate()


_IN_MEMORY = threading.Lock()


@contextmanager
def _one_sender(database: str | None) -> Iterator[None]:
    """One sender at a time on a SQLite database: a lock on a file beside it, which the
    operating system lets go when the process holding it ends."""
    if not database or database == ":memory:":
        with _IN_MEMORY:
            yield
        return
    with open(f"{database}-sending", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
