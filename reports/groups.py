"""The report's figures about groups — per segment option, leaders against employees — as the
disclosure-control audit (:mod:`scoring.disclosure`) allows them.

Nothing here decides on its own what may be shown: every group and every principle score of a
group is published only when :func:`scoring.disclosure.audit_round` says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scoring.benchmark import welch
from scoring.disclosure import CodedAnswers, GroupSpec, RoundDisclosure, audit_round
from scoring.segments import option_label, question_label

ROLE_QUESTION = "role_level"  # its first option counts as employees, the others as leaders
LEADERSHIP = "leadership"


def group_specs(questions: list[dict]) -> list[GroupSpec]:
    """Every group a report shows: the total, every option, and leaders and employees."""
    specs = [GroupSpec.total()]
    for question in questions:
        specs += [GroupSpec.option(question["key"], option) for option in question["options"]]
    role = next((q for q in questions if q["key"] == ROLE_QUESTION), None)
    if role is not None and len(role["options"]) > 1:
        specs.append(GroupSpec("employees", ROLE_QUESTION, frozenset(role["options"][:1])))
        specs.append(GroupSpec("leaders", ROLE_QUESTION, frozenset(role["options"][1:])))
    return specs


def segment_answers(questions: list[dict], segments: list[dict]) -> dict[str, CodedAnswers]:
    """Each segment question's answers as codes, one per respondent: the option's index, or the
    number of options for a respondent who skipped the question."""
    coded = {}
    for question in questions:
        options = tuple(question["options"])
        index = {option: i for i, option in enumerate(options)}
        skipped = len(options)
        codes = np.fromiter(
            (index.get(segment.get(question["key"]), skipped) for segment in segments),
            dtype=np.int64,
            count=len(segments),
        )
        coded[question["key"]] = CodedAnswers(codes, options)
    return coded


def audit(
    questions: list[dict],
    answers: dict[str, CodedAnswers],
    scores: np.ndarray,
    keys: list[str],
    k: int,
) -> RoundDisclosure:
    """The round's disclosure audit over everything the report would publish."""
    return audit_round(answers, ~np.isnan(scores), keys, group_specs(questions), k)


def figure(value) -> float | None:
    """A figure as the report carries it: unrounded (the page rounds what it shows; JSON and CSV
    keep full precision), None when missing."""
    return None if value is None or np.isnan(value) else float(value)


def _mean(column: np.ndarray) -> float:
    return float(np.nanmean(column)) if np.any(~np.isnan(column)) else float("nan")


def breakdown(
    question: dict,
    answers: CodedAnswers,
    scores: np.ndarray,
    keys: list[str],
    audited,
    lang: str = "en",
) -> dict[str, Any]:
    """Scores per option of one segment question: only the groups and scores the audit allows.
    ``group`` is the stored option, ``label`` its name in ``lang``."""
    rows, hidden = [], []
    for code, option in enumerate(question["options"]):
        key = f"{question['key']}={option}"
        members = answers.codes == code
        if not audited.shown(key):
            if members.any():
                hidden.append(option)
            continue
        group_scores = {}
        for d, principle in enumerate(keys):
            column = scores[members, d]
            shown = audited.shown(key, principle)
            group_scores[principle] = {
                "score": figure(_mean(column)) if shown else None,
                "n": int(np.count_nonzero(~np.isnan(column))) if shown else None,
            }
        rows.append(
            {
                "group": option,
                "label": option_label(question, option, lang),
                "n": int(members.sum()),
                "scores": group_scores,
            }
        )
    return {
        "key": question["key"],
        "label": question_label(question, lang),
        "groups": rows,
        "hidden_groups": len(hidden),
    }


def leaders_and_employees(
    questions: list[dict],
    answers: dict[str, CodedAnswers],
    scores: np.ndarray,
    keys: list[str],
    audited: RoundDisclosure,
    significance: float,
    lang: str = "en",
) -> dict[str, Any] | None:
    """Leaders against employees on leadership, when the audit publishes both groups' scores."""
    role = next((q for q in questions if q["key"] == ROLE_QUESTION), None)
    if role is None or LEADERSHIP not in keys or len(role["options"]) < 2:
        return None
    if not (audited.shown("employees", LEADERSHIP) and audited.shown("leaders", LEADERSHIP)):
        return {"shown": False}
    column = scores[:, keys.index(LEADERSHIP)]
    roles = answers[ROLE_QUESTION].codes
    employees = column[roles == 0]
    leaders = column[(roles > 0) & (roles < len(role["options"]))]
    employees, leaders = employees[~np.isnan(employees)], leaders[~np.isnan(leaders)]
    difference = welch(employees, leaders)
    return {
        "shown": True,
        "employees_label": option_label(role, role["options"][0], lang),
        "employees": figure(employees.mean()),
        "n_employees": int(employees.size),
        "leaders": figure(leaders.mean()),
        "n_leaders": int(leaders.size),
        "difference": figure(difference.difference),
        "pvalue": figure(difference.pvalue),
        "significant": bool(difference.pvalue < significance),
        "effect_size": figure(difference.effect_size),
    }
