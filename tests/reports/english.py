"""The product's own English words, which a Dutch reader must not meet in a Dutch page, file or
e-mail, and a finder for them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

ENGLISH = [
    "Initial", "Emerging", "Defined", "Managed", "Leading", "Principle", "Statement",
    "error_tolerance", "role_level", "planned", "in progress", "done", "Employee", "Manager",
    "Overall", "Level", "Don't know", "Favourable", "Change", "Advocacy", "Comment", "Share",
    "Organisations", "Purple", "Department", "Actions", "Owner", "Due", "above", "below",
    "Round", "closed", "Responses", "participation", "invited", "Anonymity", "figures", "people",
    "the", "and", "survey", "results", "report", "Dear", "answer",
]  # fmt: skip


def english_in(texts: Iterable[str]) -> set[str]:
    """Each of :data:`ENGLISH` found as a word in ``texts``, with where it was found."""
    found = set()
    for text in texts:
        for term in ENGLISH:
            if re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text):
                found.add(f"{term!r} in {text[:60]!r}")
    return found


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs) -> None:
        self._skip += tag in ("style", "script")
        self.texts += [value for name, value in attrs if name in ("aria-label", "title") and value]

    def handle_endtag(self, tag) -> None:
        self._skip -= tag in ("style", "script")

    def handle_data(self, data) -> None:
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def visible_texts(html: str) -> list[str]:
    """What a reader of an HTML page (or an e-mail) reads: its text, charts' included, and the
    labels a screen reader says; no markup, styles or scripts."""
    parser = _Text()
    parser.feed(html)
    return parser.texts
