"""Disclosure control: the one audit every published figure about a group passes.

The survey promises that nobody can work out the answers of fewer than *k* respondents (the round's
minimum group size). A report publishes, for many groups of one round — the total, every option of
every segment question, leaders and employees — how many people they hold and their mean score per
principle. Hiding the groups smaller than *k* is not enough: published figures can be *combined*.
Total minus the visible departments gives the hidden ones together; employees minus two departments
can leave the two people of a third; a principle that five of six people skipped is the sixth
person's score.

The audit treats every published figure as a set of respondents and decides exactly whether some
linear combination of the published sets is the indicator of a set of 1 … k−1 respondents. If it
is, the counts and sums of the published sets give that set's count and sum — its members' mean
answer. Groups are then suppressed (the smallest one in the combination first) until no such
combination exists.

Notes
-----
The attacker is assumed to know everything about who is in which group — even the full
cross-classification of the respondents' segment answers — but only the published sums. Under
that (worst-case) assumption a set *S* is disclosed exactly when its indicator lies in the linear
span of the published groups' indicators, restricted to the respondents of the figure (all
respondents for counts; those with a score on principle *d* for that principle's means).

Respondents with the same answer to every question are indistinguishable, so the search runs over
*cells* of the cross-classification. It is kept small by a reduction that is itself exact: if two
options *u*, *v* of one question co-occur with at least *k* respondents' worth of identical
contexts (the same cells of every other question), any combination that tells *u* and *v* apart
would put at least *k* respondents in the disclosed set, so *u* and *v* can be treated as one. What
remains is a small mixed-integer program (``scipy.optimize.milp``): free coefficients per published
group, a binary per remaining cell, the combination equal to the binaries, and the disclosed set's
size between 1 and k−1. Infeasible means safe.

References
----------
.. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley. Ch. 4–5 (tabular
   data, differencing, secondary suppression; τ-ARGUS).
.. [2] Meindl, B. sdcTable: methods for statistical disclosure control in tabular data. R package.

Examples
--------
>>> import numpy as np
>>> answers = {"department": ["Sales"] * 12 + ["IT"] * 10 + ["HR"] * 6 + ["Legal"] * 2,
...            "role": ["Employee"] * 22 + ["Manager"] * 6 + ["Employee"] * 2}
>>> groups = [GroupSpec.total()] + [
...     GroupSpec.option("department", o) for o in ("Sales", "IT", "HR", "Legal")
... ] + [GroupSpec.option("role", o) for o in ("Employee", "Manager")]
>>> result = audit_round(answers, np.ones((30, 1), bool), ["guidelines"], groups, 5)
>>> sorted(result.groups.too_small)
['department=Legal']
>>> sorted(result.groups.complementary)  # Employee − Sales − IT would be the two Legal people
['department=IT']
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "audit_sets",
    "generalise_attributes",
    "NOT_ANSWERED",
    "CodedAnswers",
    "DomainAudit",
    "GroupSpec",
    "RoundDisclosure",
    "audit_round",
    "enough",
    "find_disclosure",
    "merge_small_bins",
    "merge_targets",
    "recode_for_release",
    "pool_version_due",
    "pool_views",
    "PoolViews",
]

NOT_ANSWERED = "\x00not answered"  # the implicit group of people who skipped a question
TOTAL = "total"
_TOL = 1e-7


def enough(n: int, min_group_size: int) -> bool:
    """Whether a figure resting on ``n`` respondents may be shown at all (n ≥ k).

    >>> enough(4, 5), enough(5, 5), enough(0, 5)
    (False, True, False)
    """
    _check_k(min_group_size)
    return n >= min_group_size


def _check_k(min_group_size: int) -> None:
    if min_group_size < 3:
        raise ValueError(f"min_group_size must be at least 3, not {min_group_size}")


@dataclass(frozen=True)
class GroupSpec:
    """A published group: the respondents whose answer to ``question`` is one of ``options``.

    The total has no question. Leaders, say, are ``GroupSpec("leaders", "role_level",
    frozenset({"Manager", "Director"}))``.
    """

    key: str
    question: str | None
    options: frozenset[str] = frozenset()

    @classmethod
    def total(cls) -> GroupSpec:
        return cls(TOTAL, None)

    @classmethod
    def option(cls, question: str, option: str) -> GroupSpec:
        return cls(f"{question}={option}", question, frozenset({option}))


@dataclass(frozen=True)
class DomainAudit:
    """Which groups may show a figure in one domain (counts, or one principle's scores)."""

    shown: frozenset[str]
    too_small: frozenset[str] = field(default=frozenset())  # 1 … k−1 respondents
    complementary: frozenset[str] = field(default=frozenset())  # would let a smaller set out

    @property
    def hidden(self) -> frozenset[str]:
        return self.too_small | self.complementary


@dataclass(frozen=True)
class RoundDisclosure:
    """The audit of one round: which groups are published, and which of their principle scores."""

    min_group_size: int
    groups: DomainAudit
    scores: Mapping[str, DomainAudit]

    def shown(self, group: str, principle: str | None = None) -> bool:
        if group not in self.groups.shown:
            return False
        return principle is None or group in self.scores[principle].shown


def audit_round(
    answers: Mapping[str, Sequence[str | None]],
    scored: np.ndarray,
    principles: Sequence[str],
    groups: Sequence[GroupSpec],
    min_group_size: int,
) -> RoundDisclosure:
    """Decide which groups, and which of their principle scores, a round may publish.

    Parameters
    ----------
    answers : mapping of question → each respondent's option (None when skipped)
    scored : (respondents, principles) bool array
        Whether each respondent has a score on each principle.
    principles : the principle keys, in the columns' order
    groups : the groups the report would show; the total should be one of them
    min_group_size : int
        The round's *k* (at least 3).

    Returns
    -------
    RoundDisclosure
        ``groups``: which groups are shown at all (with their number of respondents);
        ``scores[principle]``: which shown groups show that principle's score (with its n).
    """
    _check_k(min_group_size)
    scored = np.asarray(scored, dtype=bool)
    codes, specs = _encode(answers, groups, scored.shape[0])
    # respondents with the same answer to every question are one cell: the audit works on cells,
    # weighted by how many respondents of each figure's domain they hold
    cells, cell_of = _cells(codes)
    everyone = np.bincount(cell_of, minlength=cells.shape[0]).astype(float)
    counts = _audit_domain(cells, everyone, specs, groups, min_group_size)
    published = [g for g in groups if g.key in counts.shown]
    shown_specs = [specs[i] for i, g in enumerate(groups) if g.key in counts.shown]
    scores = {}
    for d, principle in enumerate(principles):
        mass = np.bincount(cell_of, weights=scored[:, d], minlength=cells.shape[0])
        # a score is a sum: a combination that adds some people and takes away others (Sales −
        # employees = the lone Sales manager − the lone IT employee) tells how their scores
        # differ, which the scale's bounds can turn into both answers
        audited = _audit_domain(cells, mass, shown_specs, published, min_group_size, signed=True)
        # a group's n minus its principle n is the number of its people without a score on the
        # principle: those sets are published too, wherever a group shows the principle
        unscored = np.bincount(cell_of, weights=~scored[:, d], minlength=cells.shape[0])
        showing = [i for i, g in enumerate(published) if g.key in audited.shown]
        scores[principle] = _audit_unscored(
            cells,
            unscored,
            [shown_specs[i] for i in showing],
            [published[i] for i in showing],
            audited,
            min_group_size,
        )
    return RoundDisclosure(min_group_size, counts, scores)


def generalise_attributes(
    rows: Sequence[Mapping[str, str]], keys: Sequence[str], min_group_size: int, fixed: int = 0
) -> list[dict[str, str]]:
    """Each row's attributes, coarsened so that every combination kept is shared by at least
    ``min_group_size`` rows (or by none): what a list may store on responses.

    Rows whose combination fewer than k rows share lose their last attribute (the last of
    ``keys`` first), and again, until every combination is shared by k; a combination that holds
    k is never touched again (rows only join it). Rows left without any attribute form a
    combination too: when it holds 1 … k−1, the smallest other combinations give up their
    attributes as well until it holds k (or everyone: a list of fewer than k people stores no
    attribute). A missing attribute and a dropped one are the same ("not recorded").

    The first ``fixed`` rows keep their attributes as given (people already invited, whose
    answers may carry them): only the others are coarsened, and they count with them. Raises
    ValueError when the rows without attributes cannot reach k that way.
    """
    _check_k(min_group_size)
    kept = [dict(row) for row in rows[:fixed]]
    kept += [{key: row[key] for key in keys if row.get(key)} for row in rows[fixed:]]
    free = range(fixed, len(kept))

    def combination(row):
        return tuple(row.get(key) for key in keys)

    for key in reversed(keys):
        counts = Counter(combination(row) for row in kept)
        rare = [i for i in free if counts[combination(kept[i])] < min_group_size]
        if not rare:
            break
        for i in rare:
            kept[i].pop(key, None)
    nothing = tuple(None for _key in keys)
    while True:
        counts = Counter(combination(row) for row in kept)
        # nobody's attribute recorded, or a combination that is everyone on the list, tells
        # nothing beyond being on it
        if not 0 < counts.get(nothing, 0) < min_group_size or counts[nothing] == len(kept):
            return kept
        given = Counter(combination(row) for row in kept[:fixed])
        # a combination whose new rows may give up their attributes: what stays holds 0 or k
        movable = Counter(combination(kept[i]) for i in free if combination(kept[i]) != nothing)
        movable = {c: n for c, n in movable.items() if given[c] == 0 or given[c] >= min_group_size}
        if not movable:
            raise ValueError(
                f"{counts[nothing]} people would be recorded with no attribute, fewer than "
                f"{min_group_size}"
            )
        smallest = min(movable, key=lambda c: (movable[c], str(c)))
        for i in free:
            if combination(kept[i]) == smallest:
                kept[i].clear()


def audit_sets(members: np.ndarray, fixed: int, k: int) -> tuple[int, ...]:
    """Which of the optional sets of people a release may name beside the fixed ones.

    ``members`` is (people, sets) bool: whether each respondent is in each set the release
    publishes a count of (everyone is implied). The first ``fixed`` sets are published whatever
    happens (each principle's people with a score); the others (the people with complete answers
    behind reliability, with every score behind the key drivers) only when no combination of all
    the sets published isolates 1 … k−1 people — the people lacking two scores, say, as
    everyone − the scored on one − the scored on the other + the scored on both. Optional sets
    are dropped last first until none does. Returns the indices of the optional sets kept.
    """
    _check_k(k)
    members = np.asarray(members, dtype=bool)
    cells, cell_of = _cells(members.astype(np.int64))
    mass = np.bincount(cell_of, minlength=cells.shape[0]).astype(float)
    fixed_specs = [(-1, frozenset())] + [(j, frozenset({1})) for j in range(fixed)]
    if find_disclosure(cells, fixed_specs, k, mass) is not None:
        # the fixed sets alone isolate someone already: no optional count is judged beside them
        return ()
    live = list(range(members.shape[1]))
    while True:
        specs = [(-1, frozenset())] + [(j, frozenset({1})) for j in live]
        witness = find_disclosure(cells, specs, k, mass)
        if witness is None:
            break
        optional = [live[i - 1] for i in witness if i > 0 and live[i - 1] >= fixed]
        if not optional:  # the fixed sets alone: nothing optional can help
            break
        live.remove(max(optional))
    return tuple(j for j in live if j >= fixed)


def _audit_unscored(cells, mass, specs, groups, audited: DomainAudit, k) -> DomainAudit:
    """The groups of ``audited.shown`` whose people without a score (their n minus their principle
    n) are 0 or at least k, and no combination of which isolates 1 … k−1 such people. Hiding
    more groups only removes published sets, so the scored people's audit still holds."""
    sizes = dict(zip([g.key for g in groups], _group_sizes(cells, mass, specs), strict=True))
    hidden = {key for key, n in sizes.items() if 0 < n < k}
    live = [i for i, g in enumerate(groups) if sizes[g.key] >= k]
    nothing = DomainAudit(frozenset(), audited.too_small, audited.complementary | audited.shown)
    while live:
        witness = find_disclosure(cells, [specs[i] for i in live], k, mass)
        if witness is None:
            break
        involved = [live[j] for j in witness if groups[live[j]].question is not None]
        if not involved:  # the total alone: nothing of the principle may be shown
            return nothing
        drop = min(involved, key=lambda i: (sizes[groups[i].key], groups[i].key))
        hidden.add(groups[drop].key)
        live.remove(drop)
    if TOTAL in hidden:
        return nothing
    return DomainAudit(
        audited.shown - hidden, audited.too_small, audited.complementary | (audited.shown & hidden)
    )


@dataclass(frozen=True)
class CodedAnswers:
    """One question's answers as integer codes: ``options[code]``, or ``len(options)`` for a
    respondent who skipped the question (a form that spares the audit a pass over labels)."""

    codes: np.ndarray
    options: tuple[str, ...]


def _encode(answers, groups, n):
    """Each question's answers as integer codes; each group as (question index, code set)."""
    questions = sorted({g.question for g in groups if g.question is not None})
    codes = np.zeros((n, len(questions)), dtype=np.int64)
    vocabularies = []
    for q, question in enumerate(questions):
        given = answers[question]
        if isinstance(given, CodedAnswers):
            column = np.asarray(given.codes, dtype=np.int64)
            vocabulary = {option: i for i, option in enumerate(given.options)}
        else:
            labels = [NOT_ANSWERED if a is None else a for a in given]
            vocabulary = {option: i for i, option in enumerate(dict.fromkeys(labels))}
            column = np.array([vocabulary[a] for a in labels], dtype=np.int64)
        if len(column) != n:
            raise ValueError(f"answers[{question!r}] has {len(column)} entries, not {n}")
        codes[:, q] = column
        vocabularies.append(vocabulary)
    specs = []
    for group in groups:
        if group.question is None:
            specs.append((-1, frozenset()))
            continue
        q = questions.index(group.question)
        known = vocabularies[q]
        specs.append((q, frozenset(known[o] for o in group.options if o in known)))
    return codes, specs


def _cells(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``codes`` and, per respondent, the index of its row."""
    keys = _row_keys(codes)
    distinct, inverse = np.unique(keys, return_inverse=True)
    inverse = inverse.ravel()
    first = np.zeros(distinct.size, dtype=np.int64)
    first[inverse[::-1]] = np.arange(keys.size)[::-1]
    return codes[first], inverse


def _group_sizes(cells: np.ndarray, mass: np.ndarray, specs) -> list[int]:
    """Respondents per group, from one weighted count per question and option."""
    counts = [np.bincount(cells[:, q], weights=mass) for q in range(cells.shape[1])]
    total = int(round(mass.sum()))
    return [
        total if q < 0 else int(round(sum(counts[q][c] for c in options if c < counts[q].size)))
        for q, options in specs
    ]


def _audit_domain(cells, mass, specs, groups, k, signed: bool = False) -> DomainAudit:
    sizes = dict(zip([g.key for g in groups], _group_sizes(cells, mass, specs), strict=True))
    too_small = {key for key, n in sizes.items() if 0 < n < k}
    live = [i for i, g in enumerate(groups) if sizes[g.key] >= k]
    if not any(groups[i].question is None for i in live):
        # without the total nothing is shown: a group alone could be the whole round
        return DomainAudit(frozenset(), frozenset(too_small), frozenset())
    complementary = set()
    while True:
        witness = find_disclosure(cells, [specs[i] for i in live], k, mass, signed=signed)
        if witness is None:
            break
        involved = [live[j] for j in witness if groups[live[j]].question is not None]
        drop = min(involved, key=lambda i: (sizes[groups[i].key], groups[i].key))
        complementary.add(groups[drop].key)
        live.remove(drop)
    return DomainAudit(
        frozenset(groups[i].key for i in live), frozenset(too_small), frozenset(complementary)
    )


def find_disclosure(
    codes: np.ndarray,
    specs: Sequence[tuple],
    k: int,
    mass: np.ndarray | None = None,
    signed: bool = False,
) -> list[int] | None:
    """The groups whose combination isolates 1 … k−1 respondents, or None when there is none.

    ``codes`` holds an option code per question for each respondent — or for each cell of
    respondents, with ``mass`` the number of the figure's respondents in it; ``specs`` each
    published group as ``(question index, option codes)``, the total as ``(-1, ∅)``. With
    ``signed``, a combination that adds 1 … k−1 respondents in all and takes some of them away
    (+1 on some, −1 on others, 0 elsewhere) counts as well: for sums, it tells how the sums of
    two small sets differ. The answer is exact (see the module's notes).
    """
    mass = np.ones(codes.shape[0]) if mass is None else np.asarray(mass, dtype=float)
    codes = codes[mass > 0]
    mass = mass[mass > 0]
    if codes.shape[0] == 0 or not specs:
        return None
    questions = sorted({q for q, _ in specs if q >= 0})
    blocks, block_sets = _blocks(codes, specs, questions)
    atoms, mass = _unique_rows(blocks, mass)
    if atoms.shape[0] == 0 or mass.min() >= k:
        return None  # every cell holds k or more: no set of fewer than k can be told apart
    classes = _merge_indistinguishable(atoms, mass, k)
    return _solve(atoms, mass, classes, block_sets, questions, specs, k, signed)


def _blocks(codes, specs, questions):
    """Per question, the finest blocks of options that the published groups tell apart."""
    columns, block_sets = [], []
    for q in questions:
        owned = [options for qq, options in specs if qq == q]
        column = codes[:, q]
        present = np.flatnonzero(np.bincount(column))
        blocks = _signature_blocks(present, owned)
        lookup = np.zeros(int(column.max()) + 1, dtype=np.int64)
        lookup[present] = blocks
        columns.append(lookup[column])
        sets = [set() for _ in range(int(blocks.max()) + 1 if blocks.size else 0)]
        for code, block in zip(present.tolist(), blocks.tolist(), strict=True):
            sets[block].add(code)
        block_sets.append(sets)
    blocks = np.column_stack(columns) if columns else np.zeros((codes.shape[0], 0), np.int64)
    return blocks, block_sets


def _signature_blocks(present: np.ndarray, owned: list[frozenset[int]]) -> np.ndarray:
    """Per code of ``present``, its block: codes in exactly the same published groups share one.
    Blocks are numbered in the order their first code appears."""
    if not owned or present.size == 0:
        return np.zeros(present.size, dtype=np.int64)
    row = np.full(int(present.max()) + 1, -1, dtype=np.int64)
    row[present] = np.arange(present.size)
    member = np.zeros((present.size, len(owned)), dtype=bool)
    for j, options in enumerate(owned):
        inside = [row[c] for c in options if c < row.size and row[c] >= 0]
        member[inside, j] = True
    blocks: dict[bytes, int] = {}  # a signature's block, numbered as it first appears
    signatures = np.packbits(member, axis=1)
    return np.fromiter(
        (blocks.setdefault(row.tobytes(), len(blocks)) for row in signatures),
        dtype=np.int64,
        count=present.size,
    )


def _radices(rows: np.ndarray) -> list[int]:
    return [int(rows[:, j].max()) + 1 if rows.shape[0] else 1 for j in range(rows.shape[1])]


def _row_keys(rows: np.ndarray) -> np.ndarray:
    """One integer per row, equal for equal rows (mixed radix: the entries are small codes)."""
    keys = np.zeros(rows.shape[0], dtype=np.int64)
    for j, radix in enumerate(_radices(rows)):
        keys = keys * radix + rows[:, j]
    return keys


_DIRECT_KEYS = 2_000_000  # up to this many possible keys, count them in an array, not by sorting


def _span(rows: np.ndarray) -> float:
    return float(np.prod(_radices(rows), dtype=float))


def _dense_ids(rows: np.ndarray) -> np.ndarray:
    """Consecutive ids for the distinct rows (equal rows, equal ids)."""
    keys = _row_keys(rows)
    span = _span(rows)
    if rows.shape[1] and span <= _DIRECT_KEYS:
        present = np.zeros(int(span), dtype=bool)
        present[keys] = True
        return (np.cumsum(present) - 1)[keys]
    return np.unique(keys, return_inverse=True)[1].ravel()


def _unique_rows(rows: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows and their summed weights (``np.unique(axis=0)``, but fast)."""
    keys = _row_keys(rows)
    span = _span(rows)
    if not rows.shape[1] or span > _DIRECT_KEYS:
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        return rows[first], np.bincount(inverse.ravel(), weights=weights)
    counts = np.bincount(keys, weights=weights, minlength=int(span))
    present = np.flatnonzero(counts)
    distinct = np.empty((present.size, rows.shape[1]), dtype=rows.dtype)
    remainder = present.copy()
    for j, radix in reversed(list(enumerate(_radices(rows)))):
        distinct[:, j] = remainder % radix
        remainder //= radix
    return distinct, counts[present]


def _merge_indistinguishable(atoms: np.ndarray, mass: np.ndarray, k: int) -> np.ndarray:
    """Class per block, per question: two blocks share a class when any combination telling them
    apart would have to disclose k or more respondents (see the notes). Returns the class of each
    atom's block, same shape as ``atoms``."""
    classes = atoms.copy()
    changed = True
    while changed and not all(np.all(column == column[0]) for column in classes.T):
        changed = False
        for q in range(atoms.shape[1]):
            merged = _merged_column(classes, mass, q, k)
            if not np.array_equal(merged, classes[:, q]):
                classes[:, q] = merged
                changed = True
    return classes


def _merged_column(classes: np.ndarray, mass: np.ndarray, q: int, k: int) -> np.ndarray:
    """Question ``q``'s classes after merging every pair of classes that share at least k
    respondents' worth of identical contexts in the other questions."""
    context = _dense_ids(np.delete(classes, q, axis=1))
    column = classes[:, q]
    width = int(column.max()) + 1
    table = np.bincount(
        context.ravel() * width + column, weights=mass, minlength=(int(context.max()) + 1) * width
    ).reshape(-1, width)
    labels = np.flatnonzero(np.bincount(column))
    # each class's representative: unions in the order u < v, v joining u's (its root stays)
    root = np.arange(width)
    for i, u in enumerate(labels.tolist()):
        later = labels[i + 1 :]
        if later.size == 0:
            break
        # the respondents' worth of contexts u shares with each later class, all at once
        shared = np.minimum(table[:, [u]], table[:, later]).sum(axis=0)
        joining = root[later[shared >= k]]
        joining = joining[joining != root[u]]
        if joining.size:
            root[np.isin(root, joining)] = root[u]
    lookup = np.arange(int(column.max()) + 1)
    lookup[labels] = root[labels]
    return lookup[column]


def _solve(atoms, mass, classes, block_sets, questions, specs, k, signed=False):
    """The mixed-integer program over the remaining cells; the witness groups, or None. Each
    cell's value in the combination is a binary (``signed``: the difference of two, at most one
    of them set), and the cells it sets hold 1 … k−1 respondents. Merging classes stays exact for
    signed combinations: telling two classes apart sets one of the two cells in each of their k
    or more shared contexts."""
    # loaded here: the histogram and pool rules serve the CLI, which starts without scipy
    from scipy import sparse
    from scipy.optimize import Bounds, LinearConstraint, milp

    if all(np.unique(classes[:, i]).size == 1 for i in range(classes.shape[1])):
        return None  # only the total's constant is left: it holds every respondent
    _, first, inverse = np.unique(_row_keys(classes), return_index=True, return_inverse=True)
    cell_mass = np.bincount(inverse.ravel(), weights=mass)
    representatives = atoms[first]
    g, s = len(specs), first.size
    qpos = {q: i for i, q in enumerate(questions)}

    def membership(block_row) -> np.ndarray:
        row = np.ones(g)
        for j, (q, options) in enumerate(specs):
            if q >= 0:
                codes = block_sets[qpos[q]][block_row[qpos[q]]]
                row[j] = float(bool(codes & options))
        return row

    # each remaining cell: the combination's value there equals the cell's binary (signed:
    # the first binary minus the second)
    parts = [
        sparse.csr_matrix(np.array([membership(rep) for rep in representatives])),
        -sparse.identity(s, format="csr"),
    ]
    if signed:
        parts.append(sparse.identity(s, format="csr"))
    cell_rows = sparse.hstack(parts)
    width = g + s * (2 if signed else 1)
    rows = []
    # blocks merged into one class must weigh the same in any disclosing combination
    for i in range(atoms.shape[1]):
        for label in np.unique(classes[:, i]):
            members = np.unique(atoms[classes[:, i] == label, i])
            for a, b in zip(members[:-1], members[1:], strict=True):
                diff = np.zeros(g)
                for j, (q, options) in enumerate(specs):
                    if q >= 0 and qpos[q] == i:
                        diff[j] = float(bool(block_sets[i][a] & options)) - float(
                            bool(block_sets[i][b] & options)
                        )
                if np.any(diff):
                    rows.append(np.concatenate([diff, np.zeros(width - g)]))
    if rows:
        cell_rows = sparse.vstack([cell_rows, sparse.csr_matrix(np.array(rows))])
    constraints = [LinearConstraint(cell_rows, 0, 0)]
    binaries = np.tile(cell_mass, 2 if signed else 1)
    constraints.append(LinearConstraint(np.concatenate([np.zeros(g), binaries])[None, :], 1, k - 1))
    if signed:  # a cell is added or taken away, not both
        both = sparse.hstack([sparse.csr_matrix((s, g)), sparse.identity(s), sparse.identity(s)])
        constraints.append(LinearConstraint(both, 0, 1))
    small = np.tile(np.where(cell_mass >= k, 0, 1), 2 if signed else 1)
    upper = np.concatenate([np.full(g, np.inf), small])
    lower = np.concatenate([np.full(g, -np.inf), np.zeros(width - g)])
    result = milp(
        c=np.zeros(width),
        constraints=constraints,
        integrality=np.concatenate([np.zeros(g), np.ones(width - g)]),
        bounds=Bounds(lower, upper),
    )
    if result.status != 0 or result.x is None:
        return None  # infeasible: no combination isolates fewer than k
    return [j for j in range(g) if abs(result.x[j]) > _TOL]


def merge_small_bins(counts: Sequence[int], min_group_size: int) -> list[int]:
    """A histogram in which no bin rests on 1 … k−1 respondents: each such bin is merged into its
    neighbour toward the middle (the bins keep their number; merged ones read 0), repeatedly.

    Returns the counts as shown. When the whole histogram holds fewer than k, every bin reads 0.

    >>> merge_small_bins([1, 0, 1, 0, 0, 1, 0, 1, 0, 1], 5)
    [0, 0, 0, 0, 0, 5, 0, 0, 0, 0]
    >>> merge_small_bins([2, 30, 40, 3, 9], 5)
    [0, 32, 43, 0, 9]
    """
    shown = [int(c) for c in counts]
    if sum(shown) < min_group_size:
        _check_k(min_group_size)
        return [0] * len(shown)
    merged = [0] * len(shown)
    for source, target in enumerate(merge_targets(shown, min_group_size)):
        merged[target] += shown[source]
    return merged


def merge_targets(counts: Sequence[int], min_group_size: int) -> list[int]:
    """For each bin of a histogram, the bin its answers are shown in by :func:`merge_small_bins`
    (itself when it holds 0 or at least k): what a release recodes the answers to.

    >>> merge_targets([2, 30, 40, 3, 9], 5)
    [1, 1, 2, 2, 4]
    >>> merge_targets([1, 0, 0, 10, 0], 5)  # 0 → 1 → 2, a lone middle bin to the nearest answers
    [3, 3, 3, 3, 4]
    """
    _check_k(min_group_size)
    shown = [int(c) for c in counts]
    target_of = list(range(len(shown)))
    middle = (len(shown) - 1) / 2
    while True:
        small = [i for i, c in enumerate(shown) if 0 < c < min_group_size]
        if not small or sum(shown) < min_group_size:
            return target_of
        # the bin farthest from the middle moves first, toward the middle; a central bin (there
        # is nowhere more central to go) joins the nearest bin that holds answers
        i = max(small, key=lambda j: (abs(j - middle), -j))
        if i < middle - 0.5:
            target = i + 1
        elif i > middle + 0.5:
            target = i - 1
        else:
            target = _nearest_nonempty(shown, i, middle)
        shown[target] += shown[i]
        shown[i] = 0
        target_of = [target if t == i else t for t in target_of]


def recode_for_release(
    points: np.ndarray, blocks: Sequence[Sequence[int] | slice], span: int, min_group_size: int
) -> np.ndarray:
    """The answers as a release counts them: every answer bin of 1 … k−1 people merged, in the
    answers themselves, so that every figure computed from them agrees with the histograms shown.

    Per block of statements (a principle, or the outcome statements) and its ``span + 1`` answer
    points (``points`` holds 0 … span, and -1 for "don't know" or no answer), these rules are
    applied until none applies:

    1. People without a score on the block (fewer than half its statements answered) are a bin
       of their own: when they are 1 … k−1, their "don't know" answers on the block count as the
       middle answer, which gives them a score (``n`` minus the principle's ``n`` would otherwise
       be their number).
    2. Over the people with a score, a statement's "don't know" answers count as the middle answer
       when 1 … k−1 people gave it — or when 1 … k−1 people gave any other answer to it (those
       few answers would otherwise be a bin of their own).
    3. A statement's answer points are merged as :func:`merge_small_bins` shows them: an answer
       given by 1 … k−1 of the scored people counts as the bin it is shown in.

    Notes
    -----
    Global recoding (Hundepool et al. 2012, § 3.4.3): the published figures — counts, shares,
    means, SDs, intervals, group scores — are functions of the recoded answers alone, and in them
    every bin holds 0 or at least k people, so recoding them again changes nothing: the recoded
    answers are themselves a round that publishes exactly the same, and nothing published can
    tell a round in which 1 … k−1 people gave an answer from one in which nobody did. Every rule
    moves answers one way only — "don't know" to the middle answer, or an answer into a bin that
    holds answers already, or toward the middle — so the rules stop: each step lowers the number
    of "don't know" answers, else the number of bins in use, else the answers' distance from the
    middle.

    >>> points = np.array([[0, -1]] + [[2, -1]] * 5 + [[1, 2]] * 5, dtype=np.int8)
    >>> recode_for_release(points, [[0, 1]], 2, 5)[[0, 1, 6]].tolist()  # 5 "don't know" stay
    [[1, -1], [2, -1], [1, 2]]
    """
    _check_k(min_group_size)
    points = np.array(points, dtype=np.int8, copy=True)
    for columns in blocks:
        columns = list(range(points.shape[1])[columns] if isinstance(columns, slice) else columns)
        block = points[:, columns]
        while _recode_block(block, span, min_group_size):
            pass
        points[:, columns] = block
    return points


def _recode_block(block: np.ndarray, span: int, k: int) -> bool:
    """One pass of :func:`recode_for_release`'s rules over one block (in place); whether any
    answer changed."""
    middle = span // 2
    unscored = (block >= 0).sum(axis=1) < -(-block.shape[1] // 2)
    if 0 < unscored.sum() < k:
        block[unscored] = np.where(block[unscored] < 0, middle, block[unscored])
        return True
    scored = ~unscored
    if scored.sum() < k:
        return False  # nothing of the block is shown
    changed = False
    for j in range(block.shape[1]):
        column = block[scored, j]
        dont_know = column < 0
        if 0 < dont_know.sum() < k or 0 < (~dont_know).sum() < k:
            column[dont_know] = middle
            changed = True
        given = column >= 0
        target = np.asarray(merge_targets(np.bincount(column[given], minlength=span + 1), k))
        moved = target[column[given]].astype(np.int8)
        if np.any(moved != column[given]):
            column[given] = moved
            changed = True
        block[scored, j] = column
    return changed


def _nearest_nonempty(shown: list[int], i: int, middle: float) -> int:
    others = [j for j, c in enumerate(shown) if c and j != i]
    return min(others, key=lambda j: (abs(j - i), abs(j - middle), j))


def _owners_changed(before: Iterable, after: Iterable) -> int:
    """How many owners differ between two sets of ``(owner, entry)`` members."""
    return len({owner for owner, _entry in set(before) ^ set(after)})


def pool_version_due(
    published: set,
    candidate: set,
    min_changes: int = 3,
    shown_before: Sequence[Collection] = (),
) -> bool:
    """Whether the pool may move from the ``published`` members to the ``candidate`` members.

    A member is ``(owner, entry)``: an organisation together with the round it contributes. Only
    a change of at least ``min_changes`` owners at once — added, removed or replaced — keeps any
    one organisation's contribution from being worked out by comparing two versions.
    ``shown_before`` lists the memberships the whole pool was shown with in earlier versions: the
    candidate must differ from each of them by no owner or by at least ``min_changes`` too, so
    that the whole pool, the view every reader starts from, is never withheld. The views by
    sector and size band follow :func:`pool_views`.

    >>> pool_version_due({("a", 1), ("b", 2)}, {("a", 1), ("b", 3)})
    False
    >>> pool_version_due({("a", 1)}, {("a", 2), ("b", 1), ("c", 1)})
    True

    Three organisations left since the last version and another came, but against the version
    shown before it only one organisation changed:

    >>> earlier = {("a", 1), ("b", 1), ("c", 1), ("d", 1), ("e", 1)}
    >>> last = earlier | {("f", 1), ("g", 1), ("h", 1)}
    >>> pool_version_due(last, earlier | {("i", 1)}, shown_before=[earlier, last])
    False
    """
    if min_changes < 1:
        raise ValueError(f"min_changes must be at least 1, not {min_changes}")
    if _owners_changed(published, candidate) < min_changes:
        return False
    return not any(0 < _owners_changed(s, candidate) < min_changes for s in shown_before)


@dataclass(frozen=True)
class PoolViews:
    """Which views of a pool version a reader may select (see :func:`pool_views`)."""

    offered: frozenset
    withheld: frozenset = field(default=frozenset())  # 1 … min_changes − 1 owners changed
    too_small: frozenset = field(default=frozenset())  # fewer owners than the pool minimum


def pool_views(
    views: Mapping[Hashable, Collection],
    shown_before: Mapping[Hashable, Sequence[Collection]],
    min_changes: int = 3,
    min_organisations: int = 5,
) -> PoolViews:
    """Which views of a pool version may be offered to its readers.

    A view is one choice a reader can make of the pool — the whole pool, a sector, a size band,
    a sector and a size band together. ``views`` maps each to the members ``(owner, entry)`` it
    holds in this version; ``shown_before`` maps a view to the memberships it was offered with
    in earlier versions. A view is offered when it holds at least ``min_organisations`` owners
    and differs from *each* earlier offer of it by no owner or by at least ``min_changes``. A
    view large enough that differs from an earlier offer by 1 … ``min_changes`` − 1 owners is
    withheld in this version; it is offered again once it has moved on far enough.

    Notes
    -----
    A view's marks (median, top 25 %, top 10 %) are order statistics of its organisation means.
    When one organisation joins a view between two versions, the marks move towards its mean:
    with five organisations the median is one of the means, and the two versions' marks pin the
    newcomer's mean down to the gap between them. Every view a reader can select is such a
    comparison, whatever the whole pool did: one organisation joining a sector and size band
    while two others join elsewhere is a change of three in the whole pool and of one in that
    view. Checking against the last version alone is not enough either: a view offered with S,
    then with S + {a, b, c}, then with S + {d} differs from the second by four organisations but
    from the first by one — so the rule holds against every earlier offer, and a withheld view
    counts as never shown in the version that withheld it.

    Examples
    --------
    >>> five = {("a", 1), ("b", 1), ("c", 1), ("d", 1), ("e", 1)}
    >>> shown = {"all": [five], "care": [five]}
    >>> views = {"all": five | {("f", 1), ("g", 1), ("h", 1)}, "care": five | {("f", 1)}}
    >>> result = pool_views(views, shown)
    >>> sorted(result.offered), sorted(result.withheld)
    (['all'], ['care'])
    >>> pool_views({"bank": {("x", 1), ("y", 1)}}, {}).too_small
    frozenset({'bank'})
    """
    if min_changes < 1:
        raise ValueError(f"min_changes must be at least 1, not {min_changes}")
    if min_organisations < 1:
        raise ValueError(f"min_organisations must be at least 1, not {min_organisations}")
    offered, withheld, too_small = set(), set(), set()
    for view, members in views.items():
        if len({owner for owner, _entry in members}) < min_organisations:
            too_small.add(view)
        elif any(0 < _owners_changed(s, members) < min_changes for s in shown_before.get(view, ())):
            withheld.add(view)
        else:
            offered.add(view)
    return PoolViews(frozenset(offered), frozenset(withheld), frozenset(too_small))
