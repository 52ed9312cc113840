"""A database connection lost after a request did its work (a failover, a proxy that drops
connections): the request still answers with its page, not with the server's bare 500."""

from __future__ import annotations

import sqlalchemy as sa

from survey import create_app

from .test_hooks import needs_postgres


def test_a_connection_lost_once_the_page_is_made_still_gives_the_page(database_url):
    needs_postgres(database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: what the browser gets
    from survey.extensions import db

    @app.get("/test-connection-lost")
    def connection_lost():
        """Open a transaction, then lose its connection (ended from another one)."""
        backend = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        with db.engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        return "made"

    try:
        response = app.test_client().get("/test-connection-lost")
        assert (response.status_code, response.get_data(as_text=True)) == (200, "made")
    finally:
        with app.app_context():
            db.engine.dispose()
