"""The web layer: one blueprint per audience, error pages and request hooks."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Bind the blueprints, the error pages and the request hooks to ``app``."""
    from survey.web import errors, hooks
    from survey.web.admin.views import blueprint as admin
    from survey.web.auth.views import blueprint as auth
    from survey.web.consult.views import blueprint as consult
    from survey.web.hr.views import blueprint as hr
    from survey.web.manager.views import blueprint as manager
    from survey.web.participants.views import blueprint as participants
    from survey.web.privacy.views import blueprint as privacy
    from survey.web.respond.views import blueprint as respond

    for blueprint in (respond, auth, hr, participants, privacy, consult, admin, manager):
        app.register_blueprint(blueprint)
    errors.register(app)
    hooks.register(app)
