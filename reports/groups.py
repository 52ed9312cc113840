"""The report's figures about groups — per segment option, leaders against employees — as the
disclosure-control audit (:mod:`scoring.disclosure`) allows them.

Nothing here decides on its own what may be shown: every group and every principle score of a
group is published only when :func:`scoring.disclosure.audit_round` says so — over the
respondents, and over stand-ins for the people of the options nobody chose (see :func:`audit`).
"""

from __future__ import annotations

import numpy as np

from reports.principles import figure
from reports.release import Basis, Breakdown, GroupRow, GroupScore, Leaders
from scoring.benchmark import welch
from scoring.differences import judge, minimal_important_difference
from scoring.disclosure import (
    TOTAL,
    CodedAnswers,
    DomainAudit,
    GroupSpec,
    RoundDisclosure,
    audit_round,
    find_disclosure,
)
from scoring.segments import option_label, question_label
from scoring.teams import depth_of, is_tree, nodes_of, parent_of, subtree

ROLE_QUESTION = "role_level"  # its first option counts as employees, the others as leaders
LEADERSHIP = "leadership"


def group_specs(questions: list[dict]) -> list[GroupSpec]:
    """Every group a report shows: the total, every option (every team's subtree of the
    organisation's tree), and leaders and employees."""
    specs = [GroupSpec.total()]
    for question in questions:
        if is_tree(question):  # every node of the organisation's tree, as its whole subtree
            options = question["options"]
            specs += [
                GroupSpec(f"{question['key']}={node}", question["key"], subtree(node, options))
                for node in nodes_of(options)
            ]
            continue
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
    """The round's disclosure audit over everything the report would publish: no figure, and no
    combination of figures, gives away the answers of 1 … k−1 people — nor whether the people
    of a small group answered at all.

    Notes
    -----
    The respondents alone cannot show the second. Total minus the groups shown is the number of
    respondents in the groups not shown; when that is 0 it says that nobody of those groups
    answered — of a department of one, that its one person did not. And when that person
    answers, the audit hides one group more (total − the rest would be that person): which
    groups are shown would tell whether they answered.

    So every option that no respondent chose is audited as if someone might have: a stand-in is
    put in it beside each combination of answers to the other questions that respondents gave,
    every stand-in weighing less than one respondent (all of them together less than one). A
    group is shown only when no combination of the groups shown isolates 1 … k−1 respondents,
    nor stand-ins without respondents. Total minus the groups shown, or employees minus some
    departments, then never comes to 0 because the lone member of a group did not answer.

    That alone still lets the small group's answer decide at the threshold (their answer making
    a complement of exactly k) and, with several questions, in the order in which groups are
    hidden. So what to show is decided on the round's core (:func:`_core`), which is the same
    whether or not the people of small groups answered, and then checked on everyone.
    """
    specs = group_specs(questions)
    scored = ~np.isnan(scores)
    core = _core(questions, answers, k, scores.shape[0])
    if core.all():
        return _audit_with_stand_ins(questions, answers, scored, keys, specs, k)
    decided = _audit_with_stand_ins(
        questions,
        {key: _only(coded, core) for key, coded in answers.items()},
        scored[core],
        keys,
        specs,
        k,
    )
    # what is decided on the core is checked on the whole round: hidden there too if needed.
    # The round itself (the total) is decided on everyone: its n is published anyway, and a
    # core of fewer than k must not hide a round that may be shown
    shown = [g for g in specs if g.key in decided.groups.shown or g.question is None]
    checked = audit_round(answers, scored, keys, shown, k)
    return RoundDisclosure(
        k,
        _both(decided.groups, checked.groups),
        {
            principle: _both(decided.scores[principle], checked.scores[principle])
            for principle in keys
        },
    )


def _core(questions: list[dict], answers: dict[str, CodedAnswers], k: int, n: int) -> np.ndarray:
    """The round's core: the largest set of respondents in which every option of every question
    is chosen by nobody or by at least k of them.

    Notes
    -----
    Members of an option chosen by 1 … k−1 respondents are left out (skipping a question counts
    as an option: total minus the options is its people), again and again until no such option
    remains. Two such sets together are again one (an option holds 0 or ≥ k of
    either, so 0 or ≥ k of both), so there is one largest, and leaving people out in any order
    reaches it: a person in an option of 1 … k−1 of the people left is in no such set.

    So whether the people of a small group answered never changes the core — with or without
    them, it is the same set — and the audit decides what to show on the core, with every option
    empty there audited through stand-ins. Only then are the decisions checked on all
    respondents (figures are computed over all of them), which can hide a group's principle
    score more: when a small group's people lack a score on a principle that the rest all have.
    """
    keep = np.ones(n, dtype=bool)
    while True:
        drop = np.zeros_like(keep)
        for question in questions:
            codes = answers[question["key"]].codes
            counts = np.bincount(codes[keep], minlength=len(question["options"]) + 1)
            # skipping the question counts as an option: total − the options is its people
            small = np.flatnonzero((counts > 0) & (counts < k))
            if small.size:
                drop |= keep & np.isin(codes, small)
        if not drop.any():
            return keep
        keep &= ~drop


def _only(coded: CodedAnswers, people: np.ndarray) -> CodedAnswers:
    return CodedAnswers(coded.codes[people], coded.options)


def _both(decided: DomainAudit, checked: DomainAudit) -> DomainAudit:
    """Shown where both audits show (the total where the check over everyone shows it); the
    decisions' hidden groups stay hidden as the check's."""
    shown = (decided.shown | (checked.shown & {TOTAL})) & checked.shown
    too_small = checked.too_small - shown
    return DomainAudit(shown, too_small, (decided.hidden | checked.hidden) - shown - too_small)


def _audit_with_stand_ins(
    questions: list[dict],
    answers: dict[str, CodedAnswers],
    scored: np.ndarray,
    keys: list[str],
    specs: list[GroupSpec],
    k: int,
) -> RoundDisclosure:
    """The audit of the respondents given, with stand-ins for the options none of them chose."""
    audited = audit_round(answers, scored, keys, specs, k)
    kept = _without_isolated_stand_ins(questions, answers, specs, audited.groups.shown, k)
    if kept == audited.groups.shown:
        return audited
    return audit_round(answers, scored, keys, [g for g in specs if g.key in kept], k)


def _without_isolated_stand_ins(
    questions: list[dict],
    answers: dict[str, CodedAnswers],
    specs: list[GroupSpec],
    shown: frozenset[str],
    k: int,
) -> frozenset[str]:
    """The groups of ``shown`` left when groups are hidden (the smallest of a combination first,
    as the audit does) until no combination isolates fewer than k respondents or stand-ins only.
    """
    keys = [question["key"] for question in questions]
    if not keys or not shown:
        return shown
    people = np.column_stack([answers[key].codes for key in keys])
    cells, counts = np.unique(people, axis=0, return_counts=True)
    stand_ins = _stand_ins(questions, cells)
    if stand_ins.shape[0] == 0:
        return shown
    # a respondent outweighs all stand-ins together: a set of r respondents and s stand-ins
    # weighs r·w + s, which is 1 … k·w − 1 exactly when r < k and r + s > 0
    weight = stand_ins.shape[0] + 1
    codes = np.vstack([cells, stand_ins])
    mass = np.concatenate([counts * weight, np.ones(stand_ins.shape[0])]).astype(float)
    encoded = {spec.key: _encoded(spec, questions) for spec in specs}
    sizes = {spec.key: _size(encoded[spec.key], cells, counts) for spec in specs}
    live = [spec for spec in specs if spec.key in shown]
    while True:
        witness = find_disclosure(codes, [encoded[g.key] for g in live], k * weight, mass)
        if witness is None:
            return frozenset(g.key for g in live)
        involved = [live[j] for j in witness if live[j].question is not None]
        if not involved:  # cannot happen with the total shown (it holds k or more respondents)
            return frozenset()
        live.remove(min(involved, key=lambda g: (sizes[g.key], g.key)))


def _stand_ins(questions: list[dict], cells: np.ndarray) -> np.ndarray:
    """One row of codes per stand-in: each option no respondent chose, beside each combination
    of answers to the other questions that respondents gave."""
    rows = []
    for j, question in enumerate(questions):
        chosen = set(cells[:, j].tolist())
        empty = [code for code in range(len(question["options"])) if code not in chosen]
        if not empty:
            continue
        contexts = np.unique(np.delete(cells, j, axis=1), axis=0)
        rows += [np.insert(contexts, j, code, axis=1) for code in empty]
    return np.vstack(rows) if rows else np.zeros((0, cells.shape[1]), dtype=cells.dtype)


def _encoded(spec: GroupSpec, questions: list[dict]) -> tuple[int, frozenset[int]]:
    """A group as :func:`scoring.disclosure.find_disclosure` takes it: (question, codes)."""
    if spec.question is None:
        return (-1, frozenset())
    j = next(i for i, q in enumerate(questions) if q["key"] == spec.question)
    options = questions[j]["options"]
    return (j, frozenset(options.index(o) for o in spec.options if o in options))


def _size(encoded: tuple[int, frozenset[int]], cells: np.ndarray, counts: np.ndarray) -> int:
    j, codes = encoded
    if j < 0:
        return int(counts.sum())
    return int(counts[np.isin(cells[:, j], list(codes))].sum())


def _mean(column: np.ndarray) -> float:
    return float(np.nanmean(column)) if np.any(~np.isnan(column)) else float("nan")


def breakdown(
    question: dict,
    answers: CodedAnswers,
    scores: np.ndarray,
    keys: list[str],
    audited,
    lang: str = "en",
) -> Breakdown:
    """Scores per option of one segment question: only the groups and scores the audit allows.
    ``group`` is the stored option, ``label`` its name in ``lang``. For the organisation's tree,
    a group per node: its whole subtree, ``label`` the node's own name."""
    if is_tree(question):
        return _tree_breakdown(question, answers, scores, keys, audited, lang)
    rows = []
    for code, option in enumerate(question["options"]):
        key = f"{question['key']}={option}"
        members = answers.codes == code
        if not audited.shown(key):
            continue
        rows.append(
            GroupRow(
                option,
                option_label(question, option, lang),
                int(members.sum()),
                _group_scores(key, members, scores, keys, audited),
                Basis(key),
            )
        )
    # every option not shown, whether or not anyone chose it: a count of only those with
    # respondents would tell whether the one person of a small group answered
    hidden = len(question["options"]) - len(rows)
    return Breakdown(question["key"], question_label(question, lang), tuple(rows), hidden)


def varies(column: np.ndarray) -> bool:
    """Whether a group's scores on a principle differ between its people. A group in which all
    scored the same is not shown (nor compared): its mean would be each member's own score, and
    an interval or test of it would say so ("the scores do not vary"). Hidden like any cell the
    audit hides, without saying which rule hid it."""
    values = column[~np.isnan(column)]
    return values.size > 1 and float(values.max() - values.min()) > 1e-9


def _group_scores(key, members, scores, keys, audited) -> tuple[GroupScore, ...]:
    group_scores = []
    for d, principle in enumerate(keys):
        column = scores[members, d]
        shown = audited.shown(key, principle) and varies(column)
        n = int(np.count_nonzero(~np.isnan(column)))
        group_scores.append(
            GroupScore(
                principle,
                figure(_mean(column)) if shown else None,
                n if shown else None,
                Basis(key, (principle,)) if shown else None,
                # the SD of the same people as the mean: the same audited set
                sd=figure(float(np.nanstd(column, ddof=1))) if shown and n > 1 else None,
            )
        )
    return tuple(group_scores)


def _tree_breakdown(question, answers, scores, keys, audited, lang) -> Breakdown:
    """A group per node of the organisation's tree that the audit shows, parents first."""
    options = question["options"]
    nodes = nodes_of(options)
    rows = []
    for node in nodes:
        key = f"{question['key']}={node}"
        if not audited.shown(key):
            continue
        codes = [options.index(o) for o in subtree(node, options)]
        members = np.isin(answers.codes, codes)
        rows.append(
            GroupRow(
                node,
                node,  # the whole path: "Care/Ward 3" (the page indents the last level)
                int(members.sum()),
                _group_scores(key, members, scores, keys, audited),
                Basis(key),
                depth=depth_of(node),
                parent=parent_of(node),
            )
        )
    # every node not shown, whether or not anyone of it answered
    hidden = len(nodes) - len(rows)
    label = question_label(question, lang)
    return Breakdown(question["key"], label, tuple(rows), hidden, tree=True)


def leaders_and_employees(
    questions: list[dict],
    answers: dict[str, CodedAnswers],
    scores: np.ndarray,
    keys: list[str],
    audited: RoundDisclosure,
    significance: float,
    lang: str = "en",
    fixed_mid: float | None = None,
) -> Leaders | None:
    """Leaders against employees on leadership, when the audit publishes both groups' scores:
    Welch's test, the difference's interval and Hedges' g with its interval, judged as every
    difference is (:func:`scoring.differences.judge`)."""
    role = next((q for q in questions if q["key"] == ROLE_QUESTION), None)
    if role is None or LEADERSHIP not in keys or len(role["options"]) < 2:
        return None
    if not (audited.shown("employees", LEADERSHIP) and audited.shown("leaders", LEADERSHIP)):
        return Leaders(shown=False)
    column = scores[:, keys.index(LEADERSHIP)]
    roles = answers[ROLE_QUESTION].codes
    employees = column[roles == 0]
    leaders = column[(roles > 0) & (roles < len(role["options"]))]
    employees, leaders = employees[~np.isnan(employees)], leaders[~np.isnan(leaders)]
    if not (varies(employees) and varies(leaders)):
        return Leaders(shown=False)
    difference = welch(employees, leaders)
    # the MID from the SD of everyone's leadership score (published), not the groups' own
    mid = minimal_important_difference(
        [np.nanstd(column, ddof=1)], [int((~np.isnan(column)).sum())], fixed=fixed_mid
    )
    judged = judge(
        difference.difference,
        difference.ci_low,
        difference.ci_high,
        difference.pvalue,
        mid,
        significance,
    )
    return Leaders(
        shown=True,
        employees_label=option_label(role, role["options"][0], lang),
        employees=figure(employees.mean()),
        n_employees=int(employees.size),
        leaders=figure(leaders.mean()),
        n_leaders=int(leaders.size),
        difference=figure(difference.difference),
        difference_ci95=(figure(difference.ci_low), figure(difference.ci_high)),
        pvalue=figure(difference.pvalue),
        effect_size=figure(difference.effect_size),
        effect_size_ci95=(figure(difference.g_low), figure(difference.g_high)),
        statistically_significant=judged.statistically_significant,
        important=judged.important,
        verdict=judged.verdict,
        minimal_important_difference=figure(mid),
        rests_on=(Basis("employees", (LEADERSHIP,)), Basis("leaders", (LEADERSHIP,))),
    )
