"""The labels of the office exports (workbook and slides), in the report's language, from the
same translation catalogue as the page."""

from __future__ import annotations

from reports.render import translations

__all__ = ["office_texts"]


def office_texts(lang: str) -> dict:
    _ = translations(lang).gettext
    return {
        "overview": _("Overview"),
        "responses": _("Responses"),
        "no_figures": _("No figures: the round is open or has too few responses."),
        "overall": _("Overall score"),
        "level": _("Level"),
        "where_to_start": _("Where to start"),
        "priority": _("Priority"),
        "principles": _("Principles"),
        "principle": _("Principle"),
        "score": _("Score (0–100)"),
        "ci_low": _("95% interval, low"),
        "ci_high": _("95% interval, high"),
        "favourable": _("Favourable"),
        "neutral": _("Neutral"),
        "unfavourable": _("Unfavourable"),
        "dont_know": _("Don't know"),
        "dont_know_share": _("Don't know (share)"),
        "alpha": _("Cronbach's alpha"),
        "alpha_n": _("People who answered every statement (alpha and omega rest on them)"),
        "omega": _("Omega"),
        "omega_method": _("Which omega"),
        "omega_methods": {
            "omega-u": _("McDonald's omega of the scores as given"),
            "spearman-brown": _("Spearman–Brown (two statements)"),
        },
        "hidden": _("hidden: too few people"),
        "statements": _("Statements"),
        "statement": _("Statement"),
        "groups": _("Groups"),
        "groups_hidden": _("{n} group(s) hidden to protect anonymity"),
        "trend": _("Trend"),
        "difference": _("Difference"),
        "real": _("Does it matter?"),
        "verdicts": {
            "important": _("important"),
            "possibly important": _("possibly important"),
            "small": _("real, but too small to matter"),
            "none": _("no change that matters"),
            "unclear": _("could be chance"),
            "untested": _("cannot be tested: the scores do not vary"),
        },
        "yes": _("yes"),
        "no": _("no"),
        "actions": _("Actions"),
        "action": _("Action"),
        "owner": _("Owner"),
        "due": _("Due"),
        "state": _("Status"),
        "status": {"planned": _("planned"), "in_progress": _("in progress"), "done": _("done")},
        "title": _("Social media culture"),
        "radar": _("Score per principle"),
        "n_people": _("{n} people answered"),
    }
