"""``ambassador db upgrade``: a clear message when the database cannot be reached, servers that
upgrade at the same time take turns, and rounds closed before 0003 get their closing date."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import subprocess
import sys

import pytest
import sqlalchemy as sa

from survey import create_app, schema
from survey.extensions import db

from ..conftest import postgres_schema


def ambassador(*args: str, database_url: str, cwd) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="database-test")
    return subprocess.Popen(
        [sys.executable, "-c", "from survey.cli import main; main()", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process) -> tuple[int, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out + err


def test_an_unreachable_sqlite_database_is_one_clear_message(tmp_path):
    url = f"sqlite:///{tmp_path / 'no' / 'such' / 'folder' / 'db.sqlite3'}"
    code, output = finished(ambassador("db", "upgrade", database_url=url, cwd=tmp_path))
    assert code == 2
    assert "cannot reach the database" in output and "Traceback" not in output
    assert len(output.strip().splitlines()) <= 2


POSTGRES = os.environ.get("TEST_DATABASE_URL", "")
needs_postgres = pytest.mark.skipif(
    not POSTGRES.startswith("postgresql"),
    reason="needs PostgreSQL (TEST_DATABASE_URL): a missing database and the advisory lock",
)


@needs_postgres
def test_a_missing_postgres_database_is_one_clear_message(tmp_path):
    url = sa.engine.make_url(POSTGRES).set(database=f"missing_{secrets.token_hex(4)}")
    rendered = url.render_as_string(hide_password=False)
    code, output = finished(ambassador("db", "upgrade", database_url=rendered, cwd=tmp_path))
    assert code == 2 and "Traceback" not in output
    assert "cannot reach the database" in output and "does not exist" in output


@pytest.fixture
def empty_schema():
    """A PostgreSQL schema of its own, with no tables, as a URL."""
    with postgres_schema(POSTGRES, "upgrade") as url:
        yield url


@needs_postgres
def test_servers_upgrading_at_once_take_turns(empty_schema, tmp_path):
    processes = [
        ambassador("db", "upgrade", database_url=empty_schema, cwd=tmp_path) for _ in range(3)
    ]
    results = [finished(process) for process in processes]
    assert [code for code, _ in results] == [0, 0, 0], [output for _, output in results]


def test_rounds_closed_before_closing_dates_were_kept_get_one(tmp_path):
    """0007 backfills ``closed_on``: the last response's day, else the closing date, else today."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}",
            "RATELIMIT_STORAGE_URI": "memory://",
        },
        web=False,
    )
    with app.app_context():
        schema.upgrade("0006")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO organisations (id, slug, name) VALUES (1, 'a', 'A')")
            )
            for campaign_id, status, closes_on in (
                (1, "closed", "2025-03-31"),
                (2, "closed", "2025-06-30"),
                (3, "closed", None),
                (4, "open", None),
            ):
                connection.execute(
                    sa.text(
                        "INSERT INTO campaigns (id, organisation_id, name, instrument_id, "
                        "instrument_version, languages, status, closes_on, min_group_size, "
                        "segments, retention_days, purged, invitations_after_open, link_custody, "
                        "invitation_texts, reminder_days) VALUES (:id, 1, 'r', 'social-culture', "
                        "'1', '[\"en\"]', :status, :closes, 5, '[]', 730, 0, 0, 'organisation', "
                        "'{}', '[]')"
                    ),
                    {"id": campaign_id, "status": status, "closes": closes_on},
                )
            connection.execute(
                sa.text(
                    "INSERT INTO responses (id, campaign_id, submitted_on, language, segments, "
                    "answers) VALUES ('r1', 1, '2025-03-20', 'en', '{}', x'00')"
                )
            )
            for title in ("first click", "second click"):
                connection.execute(
                    sa.text(
                        "INSERT INTO actions (campaign_id, dimension, recommendation_key, title, "
                        "owner, status, note) VALUES (1, 'guidelines', 'g-1', :title, '', "
                        "'planned', '')"
                    ),
                    {"title": title},
                )
        schema.upgrade()
        with db.engine.connect() as connection:
            actions = connection.execute(sa.text("SELECT title FROM actions")).scalars().all()
            rows = connection.execute(
                sa.text("SELECT id, closed_on, instrument_text_id FROM campaigns ORDER BY id")
            ).all()
            responses = connection.execute(sa.text("SELECT COUNT(*) FROM responses")).scalar()
        db.engine.dispose()
    assert actions == ["first click"]  # 0008: one action per recommendation, the first kept
    assert responses == 1  # SQLite copies tables to alter them: no cascade may delete answers
    closed_on = {row[0]: row[1] and str(row[1]) for row in rows}
    assert closed_on[1] == "2025-03-20"  # its last response
    assert closed_on[2] == "2025-06-30"  # no responses: its closing date
    assert closed_on[3] == dt.date.today().isoformat()
    assert closed_on[4] is None  # still open
    assert all(row[2] is not None for row in rows)  # the bundled instrument's text, stored


def test_recovery_codes_move_to_rows_of_their_own_and_back(tmp_path):
    """0017 moves each account's recovery-code hashes from a JSON list into rows (so that using
    one is a conditional DELETE); the downgrade puts them back."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'codes.sqlite3'}",
            "RATELIMIT_STORAGE_URI": "memory://",
        },
        web=False,
    )
    codes = "SELECT user_id, code_hash FROM recovery_codes ORDER BY id"
    with app.app_context():
        schema.upgrade("0016")
        with db.engine.begin() as connection:
            for user_id, hashes in ((1, '["h1", "h2"]'), (2, "[]")):
                connection.execute(
                    sa.text(
                        "INSERT INTO users (id, email, name, password_hash, is_admin, "
                        "session_version, recovery_codes) VALUES (:id, :email, '', 'x', 0, 0, "
                        ":hashes)"
                    ),
                    {"id": user_id, "email": f"u{user_id}@x.example", "hashes": hashes},
                )
        schema.upgrade("0017")
        with db.engine.connect() as connection:
            moved = connection.execute(sa.text(codes)).all()
        schema.downgrade("0016")
        with db.engine.connect() as connection:
            back = connection.execute(
                sa.text("SELECT id, recovery_codes FROM users ORDER BY id")
            ).all()
        db.engine.dispose()
    assert [tuple(row) for row in moved] == [(1, "h1"), (1, "h2")]
    assert [(row[0], json.loads(row[1])) for row in back] == [(1, ["h1", "h2"]), (2, [])]


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request, tmp_path):
    """An empty database of the test's own, on SQLite and (with TEST_DATABASE_URL) PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    if not POSTGRES.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): CI runs it in its PostgreSQL pass")
    with postgres_schema(POSTGRES, "old") as url:
        yield url


def test_links_sent_twice_before_0020_become_mailings_and_no_more_can_be(old_database):
    """0020 numbers each participant's links as mailings (the invitation, then reminders — or
    the duplicates two workers sent) and lets the database refuse a second link of one
    mailing; nothing is deleted, every link keeps working."""
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": old_database, "RATELIMIT_STORAGE_URI": "memory://"},
        web=False,
    )
    with app.app_context():
        schema.upgrade("0019")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO organisations (id, slug, name) VALUES (1, 'a', 'A')")
            )
            connection.execute(
                sa.text(
                    "INSERT INTO campaigns (id, organisation_id, name, instrument_id, "
                    "instrument_version, languages, status, min_group_size, segments, "
                    "retention_days, purged, invitations_after_open, link_custody, "
                    "invitation_texts, reminder_days) VALUES (1, 1, 'r', 'social-culture', "
                    "'2', '[\"en\"]', 'open', 5, '[]', 730, false, 0, 'system', '{}', '[]')"
                )
            )
            for person in (1, 2, 3):
                connection.execute(
                    sa.text(
                        "INSERT INTO participants (id, campaign_id, email, mailbox, language, "
                        "attributes, added_after_open, answered, state, mails_sent, failures) "
                        "VALUES (:id, 1, :email, :email, 'en', '{}', false, false, 'sent', "
                        ":mails, 0)"
                    ),
                    {"id": person, "email": f"p{person}@a.example", "mails": person},
                )
            # p1 got two invitations (two workers), p3 an invitation, a duplicate and a
            # reminder, p2 one; and two links HR handed out itself
            links = [(1, 1), (2, 3), (3, 1), (4, 2), (5, 3), (6, 3), (7, None), (8, None)]
            for link, person in links:
                connection.execute(
                    sa.text(
                        "INSERT INTO invitations (id, campaign_id, token_hash, redeemed, "
                        "participant_id) VALUES (:id, 1, :hash, false, :person)"
                    ),
                    {"id": link, "hash": f"{link:064d}", "person": person},
                )
        schema.upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT id, participant_id, mailing, sent FROM invitations ORDER BY id")
            ).all()
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO invitations (campaign_id, token_hash, redeemed, participant_id, "
                    "mailing, sent) VALUES (1, :hash, false, 2, 0, true)"
                ),
                {"hash": "f" * 64},
            )
        db.engine.dispose()
    assert [(row[0], row[1], row[2]) for row in rows] == [
        (1, 1, 0), (2, 3, 0), (3, 1, 1), (4, 2, 0), (5, 3, 1), (6, 3, 2), (7, None, 0),
        (8, None, 0),
    ]  # fmt: skip
    assert all(row[3] for row in rows)  # every link was sent before the upgrade
