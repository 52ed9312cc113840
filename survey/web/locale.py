"""Which language a page speaks."""

from __future__ import annotations

from flask import current_app, request, session
from flask_babel import get_locale


def select_locale() -> str:
    """The language asked for in the URL, then the one chosen earlier, then the browser's."""
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
        return asked
    if session.get("lang") in languages:
        return session["lang"]
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def page_language() -> str:
    """The current page's language, as one of the languages reports are written in."""
    lang = str(get_locale())
    return lang if lang in current_app.config["LANGUAGES"] else "en"
