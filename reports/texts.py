"""The labels of the office exports (workbook and slides), in the report's language, from the
same translation catalogue as the page."""

from __future__ import annotations

from reports.render import translations

__all__ = ["office_texts", "team_comments_note", "team_texts"]


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


def team_texts(lang: str, min_group_size: int) -> dict:
    """The labels of a manager's team files: the office exports' and the team page's own."""
    catalogue = translations(lang)
    _ = catalogue.gettext
    return {
        **office_texts(lang),
        "team_title": _("Your team: %(team)s"),
        "your_team": _("Your team"),
        "team": _("Team"),
        "scores": _("Scores"),
        "difference": _("Difference from the organisation"),
        "units": _("The teams under yours"),
        "team_start": _("Where your team might start"),
        "team_actions": _("Your team's actions"),
        "no_actions": _("No actions yet."),
        "notes": _("Notes"),
        "about": _(
            "Your team with everyone below it, against the team above it and the whole "
            "organisation. Figures are shown for groups of at least %(k)d people, and only where, "
            "together with everything else published about this round, they let nobody work out "
            "anyone's answers."
        )
        % {"k": min_group_size},
        "team_hidden": _(
            "Your team's figures are not shown: together with the other figures of this round "
            "they would let someone work out the answers of fewer than %(k)d people."
        )
        % {"k": min_group_size},
        "dash": _(
            "A dash is a score not shown. A difference of a few points between a team and the "
            "organisation is often chance: the smaller the team, the more its score moves from "
            "round to round."
        ),
        "units_legend": _(
            "Each team with everyone below it. Colour: points above (purple) or below (orange) "
            "the organisation's own score on that principle; a dash is a score not shown."
        ),
        "units_hidden": lambda n: catalogue.ngettext(
            "%(num)d team under yours is not shown to protect anonymity.",
            "%(num)d teams under yours are not shown to protect anonymity.",
            n,
        )
        % {"num": n},
        "chosen": _(
            "Chosen as for the organisation: how much the principle drives advocacy across the "
            "organisation, times how far your team's score is from its target."
        ),
        # the team's comments, as the page gives them (templates/manager/_team_comments.html)
        "comments_about": _(
            "The comments of your team with everyone below it, in an order that says nothing "
            "about who wrote them or when."
        ),
        "no_comments": _("No comments."),
        "comments_combination": lambda k: _(
            "Your team's comments are not shown: together with the comments shown to other teams "
            "they would single out the comments of fewer than %(k)d people."
        )
        % {"k": k},
        "comments_too_few": lambda k: _(
            "Comments are shown for a team of at least %(k)d people who answered."
        )
        % {"k": k},
        "comments_round": lambda k: _(
            "Comments are shown once at least %(k)d people have answered."
        )
        % {"k": k},
        # the team's change since the earlier round (templates/manager/_team_change.html)
        "mid_fixed": lambda mid: _(
            "The smallest change that matters is %(mid)s points, as the questionnaire sets it."
        )
        % {"mid": mid},
        "mid_pooled": lambda mids: _(
            "The smallest change that matters is a fifth of the spread of scores (standard "
            "deviation) of the two rounds, the difference called small in the social sciences: "
            "%(mids)s points."
        )
        % {"mids": mids},
        "since": _("Since %(previous)s"),
        "since_title": _("Your team since %(previous)s: what you did, and what changed"),
        "planned_then": _("What your team planned then"),
        "p_corrected": _("p (corrected)"),
        "not_shown_before": _("not shown in %(previous)s"),
        "not_shown_now": _("not shown in this round"),
        "change_notes": [
            _(
                "Your team's scores in both rounds are the ones each round published. A change "
                "is shown only where both rounds showed your team's score; a dash says which "
                "round did not."
            ),
            _(
                "Welch's t-test per principle, p-values corrected for testing five principles at "
                "once (Benjamini–Hochberg); in brackets the 95%% interval of the change."
            )
            % {},
            _(
                "A change is important when it is unlikely to be chance and its whole interval "
                "lies beyond that; possibly important when the interval also holds smaller "
                "changes; too small to matter when its whole interval lies within it."
            ),
        ],
    }


def team_change_notes(change, text, lang: str) -> list[str]:
    """What the page says under the team's change: where the figures come from, the test, the
    smallest change that matters (the questionnaire's, or each principle's fifth of the two
    rounds' SD) and the verdicts."""
    from reports.numbers import number

    first, test, verdicts = text["change_notes"]
    if change.minimal_important_difference is not None:
        mid = text["mid_fixed"](number(change.minimal_important_difference, lang=lang))
        return [first, test, mid, verdicts]
    mids = [t.minimal_important_difference for t in change.dimensions]
    mids = ", ".join(number(m, lang=lang) for m in mids if m is not None)
    return [first, test, *([text["mid_pooled"](mids)] if mids else []), verdicts]


def team_comments_note(view, report, text) -> str:
    """What the page says about the team's comments: where they come from, or why none are
    shown (``view.comments_why``)."""
    if view.comments:
        return text["comments_about"]
    if view.comments is not None or view.comments_why == "none":
        return text["no_comments"]
    k = max(report.comment_min_group, report.min_group_size)
    if view.comments_why == "combination":
        return text["comments_combination"](k)
    if view.comments_why == "too_few":
        return text["comments_too_few"](k)
    return text["comments_round"](report.comment_min_group)
