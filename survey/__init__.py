"""Ambassador Scan web app: the anonymous survey, HR reports and the consultant's portfolio."""

from __future__ import annotations

import logging
from importlib.resources import files

from flask import Flask


def create_app(config: dict | None = None, *, web: bool = True) -> Flask:
    """Build the app: settings, extensions, then the pages (unless ``web`` is false) and commands.

    The ``ambassador`` command builds it with ``web=False``: commands need the database, not the
    pages, and leaving the pages out keeps the statistics and chart libraries unimported.
    """
    app = Flask(
        __name__,
        template_folder=str(files("reports.templates")),
        instance_relative_config=True,
    )
    from survey.config import (
        cookie_settings,
        engine_options,
        load_settings,
        rate_limit_storage_options,
    )

    app.config.update(load_settings(app.instance_path))
    if config:
        app.config.update(config)
    app.config.update(cookie_settings(app.config))
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ENGINE_OPTIONS")
    )
    app.config["RATELIMIT_STORAGE_OPTIONS"] = rate_limit_storage_options(
        app.config["RATELIMIT_STORAGE_URI"],
        app.config.get("RATELIMIT_STORAGE_OPTIONS"),
        app.config["REDIS_OPTIONS"],
    )
    register_proxy_fix(app)
    if web:
        from survey.web.hooks import register_limits

        register_limits(app)
    register_extensions(app)
    if web:
        from survey import web as pages

        pages.register(app)
    register_commands(app)
    register_log_filters()
    return app


def register_proxy_fix(app: Flask) -> None:
    hops = app.config.get("TRUSTED_PROXIES")
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_extensions(app: Flask) -> None:
    from survey.extensions import babel, csrf, db, limiter, login_manager, sqlite_pragmas
    from survey.web.locale import segment_option, segment_title, select_locale

    db.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        sqlite_pragmas(db.engine)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)

    from reports import numbers
    from scoring.teams import TEAM, tree_question
    from survey.web.locale import page_language

    app.jinja_env.filters["num"] = lambda value, digits=1, sign=False: numbers.number(
        value, digits, page_language(), sign
    )
    app.jinja_env.filters["pct"] = lambda value: numbers.percent(value, page_language())
    app.jinja_env.filters["pvalue"] = lambda value: numbers.pvalue(value, page_language())
    app.jinja_env.filters["p"] = lambda value: numbers.p_equals(value, page_language())
    app.jinja_env.filters["day"] = lambda value, width="medium": numbers.display_date(
        value, page_language(), width
    )
    app.jinja_env.globals["heat"] = _heat

    @app.context_processor
    def inject_language_and_policy():
        from flask_babel import get_locale

        from survey import policy

        return {
            "lang": str(get_locale()),
            "policy": policy,
            "segment_title": segment_title,
            "segment_option": segment_option,
            # a list's team column is known before the round has its tree question
            "segments_by_key": lambda segments: {TEAM: tree_question([])}
            | {q["key"]: q for q in segments},
            "may": _may,
            "may_approve": _may_approve,
            "sees_rounds": _sees_rounds,
            "leads_a_team": _leads_a_team,
        }


def _may(permission: str, organisation_id: int | None = None) -> bool:
    """In templates: whether the logged-in user may do ``permission`` (in an organisation, or
    ``compare`` anywhere)."""
    from flask_login import current_user

    from survey.services import access

    if not current_user.is_authenticated:
        return False
    if organisation_id is None:
        return access.may_compare(current_user) if permission == "compare" else False
    return access.may(current_user, organisation_id, permission)


def _may_approve() -> bool:
    """In templates: whether the logged-in user approves participant lists somewhere."""
    from flask_login import current_user

    if not current_user.is_authenticated:
        return False
    return current_user.is_admin or any(m.role == "privacy" for m in current_user.memberships)


def _heat(difference: float) -> str:
    """In templates: a team's cell colour by its difference from the organisation (the charts'
    library is loaded only when a page draws one)."""
    from reports.office import heat_colour

    return heat_colour(difference)


def _leads_a_team() -> bool:
    """In templates: whether the logged-in user is a manager somewhere."""
    from flask_login import current_user

    return current_user.is_authenticated and any(
        m.role == "manager" for m in current_user.memberships
    )


def _sees_rounds() -> bool:
    """In templates: whether the logged-in user sees survey rounds (not only approves lists)."""
    from flask_login import current_user

    if not current_user.is_authenticated:
        return False
    memberships = current_user.memberships
    return current_user.is_admin or not memberships or any(
        m.role not in ("privacy", "manager") for m in memberships
    )


def register_commands(app: Flask) -> None:
    from survey.cli import commands

    for command in commands():
        app.cli.add_command(command)


def register_log_filters() -> None:
    from survey.web.logs import RedactTokens

    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
