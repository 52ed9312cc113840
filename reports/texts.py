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
        "matters": _("Does it matter?"),
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
        # the level names as the page gives them
        "level_names": {
            "Initial": _("Initial"),
            "Emerging": _("Emerging"),
            "Defined": _("Defined"),
            "Managed": _("Managed"),
            "Leading": _("Leading"),
        },
        "level_n": _("Level %(n)d"),
        "interval": _("95%% interval") % {},
        "to": _("to"),
        "reverse": _("(agreeing is unfavourable)"),
        "change_since": _("Change since %(previous)s"),
        "before": _("Before"),
        "now": _("Now"),
        "change": _("Change"),
        "by_segment": _("By %(segment)s"),
        "segment_names": {
            "department": _("Department"),
            "role_level": _("Role level"),
            "tenure": _("Tenure"),
        },
        "heat_legend": _(
            "Purple: above the organisation's own score on that principle; orange: "
            "below it. A dash: too few people to show."
        ),
        "colours": _("Colours show what an answer means: purple favourable, orange unfavourable."),
        "advocacy": _("Advocacy"),
        "drivers": _(
            "What drives advocacy: each principle's share of what the five together explain"
        ),
        "share": _("Share"),
        "beyond_chance": _("Matters more than chance"),
        "not_clearly": _("not clearly"),
        "weight": _("Relative weight"),
        "r_squared": _("Explained together (R²)"),
        "benchmark": _("Against the benchmark"),
        "percentile": _("Percentile"),
        "median": _("Median"),
        "top25": _("Top 25%"),
        "top10": _("Top 10%"),
        "against_median": _("Against the median"),
        "benchmark_verdicts": {
            "above": _("above: %(d)s points"),
            "below": _("below: %(d)s points"),
            "within": _("not clearly different"),
            "no_spread": _(
                "%(d)s points, but everyone gave the same answers: no interval to judge by"
            ),
        },
        "organisations": _("Organisations in the pool"),
        "shrunk": _("Organisations moved towards the average"),
        "between_sd": _("Spread between organisations (SD)"),
        "organisation": _("Organisation"),
        "comments": _("Comments"),
        "comment": _("Comment"),
    }
