"""Ambassador Scan web app: the anonymous survey, HR reports and the consultant's portfolio."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error pages and commands."""
    app = Flask(__name__, template_folder=str(TEMPLATES), instance_relative_config=True)
    from survey.config import load_settings

    app.config.update(load_settings(app.instance_path))
    if config:
        app.config.update(config)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_log_filters()

    @app.context_processor
    def inject_language():
        from flask_babel import get_locale

        return {"lang": str(get_locale())}

    return app


def register_extensions(app: Flask) -> None:
    from survey.extensions import (
        babel,
        csrf,
        db,
        limiter,
        login_manager,
        select_locale,
        sqlite_pragmas,
    )

    db.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        sqlite_pragmas(db.engine)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)


def register_blueprints(app: Flask) -> None:
    from survey.consult.views import blueprint as consult
    from survey.hr.views import blueprint as hr
    from survey.respond.views import blueprint as respond

    app.register_blueprint(respond)
    app.register_blueprint(hr)
    app.register_blueprint(consult)
    if app.config.get("BENCH_ENDPOINTS"):
        from survey.bench_views import blueprint as bench

        app.register_blueprint(bench)


def register_errorhandlers(app: Flask) -> None:
    from survey import hardening
    from survey.errors import register

    register(app)
    hardening.register(app)


def register_commands(app: Flask) -> None:
    from survey.admin_cli import commands

    for command in commands:
        app.cli.add_command(command)


def register_log_filters() -> None:
    from survey.privacy_log import RedactTokens

    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
