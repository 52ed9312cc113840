"""The organisation's hierarchy: teams as paths (``Care/Ward 3/Nights``), read from a list's
``team`` column or built from its ``manager`` column, and stored no finer than k.

A round's tree is one segment question of kind ``"tree"`` (key :data:`TEAM`) whose options are the
paths people are recorded in. Each node of the tree — every path and every prefix of one — is
published as its *subtree*: the people recorded in it or below it. A manager reads their node's
subtree and each unit directly under it; HR reads every node. What one node's subtree minus its
children's gives away (its own people), and every other combination, is for the disclosure audit
(:mod:`scoring.disclosure`) to decide: these are just more groups of one question.

A team with fewer than k people invited is merged into its parent before anything is stored
(:func:`merge_small_teams`), so that no stored path names fewer than k people: the tree's own
k-anonymous storage, as a list's other attributes are coarsened
(:func:`scoring.disclosure.generalise_attributes`).

>>> sorted(merge_small_teams({("Care",): 1, ("Care", "Ward 3"): 2, ("Shop",): 4}, 3).items())
[(('Care',), ('Care',)), (('Care', 'Ward 3'), ('Care',)), (('Shop',), ('Shop',))]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

TEAM = "team"
MANAGER = "manager"
SEPARATOR = "/"
MAX_DEPTH = 12
MAX_PART = 100  # characters in one level's name
MAX_PATH = 500  # characters in a whole path (what a membership and an action can hold)

Path = tuple[str, ...]


class TeamError(ValueError):
    """A team path or manager chain that cannot be read; the message says why."""


def parse_path(value: str) -> Path:
    """A team cell (``Care/Ward 3/Nights``) as a path; blank: the empty path (not known).

    >>> parse_path(" Care / Ward 3 /Nights ")
    ('Care', 'Ward 3', 'Nights')
    >>> parse_path("")
    ()
    """
    if not value.strip():
        return ()
    parts = tuple(part.strip() for part in value.split(SEPARATOR))
    if any(not part for part in parts):
        raise TeamError(f"'{value}' has an empty level: write levels as Care/Ward 3/Nights")
    if len(parts) > MAX_DEPTH:
        raise TeamError(f"'{value}' is {len(parts)} levels deep; at most {MAX_DEPTH}")
    if any(len(part) > MAX_PART for part in parts):
        raise TeamError(f"'{value}' has a level longer than {MAX_PART} characters")
    if len(path_text(parts)) > MAX_PATH:
        raise TeamError(f"'{value[:40]}…' is longer than {MAX_PATH} characters")
    return parts


def path_text(path: Path) -> str:
    """A path as stored and shown: its levels joined by ``/``."""
    return SEPARATOR.join(path)


def paths_from_managers(managers: Mapping[str, str]) -> dict[str, Path]:
    """Each person's team from a ``manager`` column: the unit of their manager, named by the
    chain of managers above it (top first). ``managers`` maps each person's address to their
    manager's ('' for nobody). A person without a manager heads a unit of their own; a manager
    who is not on the list heads a unit at the top.

    >>> paths_from_managers({"ceo@x.nl": "", "ann@x.nl": "ceo@x.nl", "bo@x.nl": "ann@x.nl"})
    {'ceo@x.nl': ('ceo@x.nl',), 'ann@x.nl': ('ceo@x.nl',), 'bo@x.nl': ('ceo@x.nl', 'ann@x.nl')}
    """
    for person in [*managers, *managers.values()]:
        if SEPARATOR in person:
            raise TeamError(f"{person}: an address with '{SEPARATOR}' cannot name a team")
        if len(person) > MAX_PART:
            raise TeamError(f"{person[:40]}…: an address longer than {MAX_PART} characters")

    def chain(person: str) -> Path:
        """The managers from the top down to ``person`` (included), walked upwards."""
        upwards: list[str] = []
        while person:
            if person in upwards:
                loop = " → ".join((*upwards[upwards.index(person) :], person))
                raise TeamError(f"the managers go round in a circle: {loop}")
            upwards.append(person)
            if len(upwards) > MAX_DEPTH:
                raise TeamError(f"{upwards[0]} is more than {MAX_DEPTH} managers deep")
            person = managers.get(person, "")
        path = tuple(reversed(upwards))
        if len(path_text(path)) > MAX_PATH:
            raise TeamError(f"{upwards[0]}: its chain of managers is over {MAX_PATH} characters")
        return path

    return {person: chain(boss) if boss else (person,) for person, boss in managers.items()}


def ancestors(path: Path) -> list[Path]:
    """Every node above ``path`` and the path itself, the top first."""
    return [path[:depth] for depth in range(1, len(path) + 1)]


def merge_small_teams(invited: Mapping[Path, int], min_group_size: int) -> dict[Path, Path | None]:
    """Where each team's people are recorded: its own path when at least ``min_group_size``
    people are invited there, else its parent's — the deepest teams first, so a parent that
    takes in small children may reach k itself. A team at the top with fewer than k (after
    taking in its children) is not recorded (None).

    ``invited`` counts the people invited per path (the empty path: team not known, left as
    it is). Every path recorded holds at least ``min_group_size`` people.
    """
    if min_group_size < 1:
        raise ValueError(f"min_group_size must be at least 1, not {min_group_size}")
    people: Counter[Path] = Counter({path: n for path, n in invited.items() if path and n > 0})
    home: dict[Path, Path | None] = {path: path for path in people}
    nodes = {node for path in people for node in ancestors(path)}
    for node in sorted(nodes, key=len, reverse=True):
        own = people.get(node, 0)
        if own == 0 or own >= min_group_size:
            continue
        target = node[:-1] or None
        if target is not None:
            people[target] += own
        del people[node]
        for path, where in home.items():
            if where == node:
                home[path] = target
    return home


def tree_options(recorded: Iterable[Path]) -> list[str]:
    """The tree question's options: every path people are recorded in, in tree order."""
    return [path_text(path) for path in sorted(set(recorded)) if path]


def nodes_of(options: Iterable[str]) -> list[str]:
    """Every node of the tree the options make: each option and each of its prefixes, in tree
    order (a parent before its children)."""
    found = set()
    for option in options:
        path = tuple(option.split(SEPARATOR))
        found.update(path_text(node) for node in ancestors(path))
    return sorted(found, key=lambda text: tuple(text.split(SEPARATOR)))


def subtree(node: str, options: Iterable[str]) -> frozenset[str]:
    """The options at ``node`` or below it.

    >>> sorted(subtree("Care", ["Care", "Care/Ward 3", "Careers", "Shop"]))
    ['Care', 'Care/Ward 3']
    """
    prefix = node + SEPARATOR
    return frozenset(o for o in options if o == node or o.startswith(prefix))


def parent_of(node: str) -> str | None:
    return node.rsplit(SEPARATOR, 1)[0] if SEPARATOR in node else None


def depth_of(node: str) -> int:
    return node.count(SEPARATOR)


def tree_question(options: list[str]) -> dict:
    """The round's segment question of the organisation's tree (never asked: from the list)."""
    return {"key": TEAM, "kind": "tree", "options": options, "label": {"en": "Team", "nl": "Team"}}


def is_tree(question: Mapping) -> bool:
    return question.get("kind") == "tree"
