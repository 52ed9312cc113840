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


def segment_title(question: dict) -> str:
    """A segment question's name on an HR page, in the page's language."""
    from flask_babel import gettext as _

    from scoring.segments import question_label

    standard = {"department": _("Department"), "role_level": _("Role level"), "tenure": _("Tenure")}
    lang = page_language()
    return question_label(question, lang) or standard.get(question["key"], question["key"])


def segment_option(question: dict, option: str) -> str:
    """One of a segment question's options on an HR page, in the page's language."""
    from survey.web.respond.forms import segment_option_name

    return str(segment_option_name(question, option, page_language()))
