"""Sector names in the reader's language.

An organisation's sector is stored as the English text it was given (``ambassador org add
--sector``) and travels in that form into the benchmark pool and its exchange files, where it
groups organisations. Only its display is translated: a known sector gets its label, any other
text is shown as stored.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SECTOR_LABELS = {
    "agriculture": _l("Agriculture"),
    "construction": _l("Construction"),
    "consulting": _l("Consulting"),
    "education": _l("Education"),
    "energy": _l("Energy"),
    "financial services": _l("Financial services"),
    "government": _l("Government"),
    "healthcare": _l("Healthcare"),
    "hospitality": _l("Hospitality"),
    "housing": _l("Housing"),
    "insurance": _l("Insurance"),
    "legal services": _l("Legal services"),
    "logistics": _l("Logistics"),
    "manufacturing": _l("Manufacturing"),
    "media": _l("Media"),
    "non-profit": _l("Non-profit"),
    "professional services": _l("Professional services"),
    "public sector": _l("Public sector"),
    "retail": _l("Retail"),
    "technology": _l("Technology"),
    "telecommunications": _l("Telecommunications"),
    "transport": _l("Transport"),
}


def sector_label(sector: str | None) -> str:
    """The sector as the reader's language names it; an unknown sector as it was stored."""
    if not sector:
        return ""
    label = SECTOR_LABELS.get(sector.strip().lower())
    return str(label) if label is not None else sector


def sector_options(sectors: list[str]) -> list[tuple[str, str]]:
    """A filter's options: (stored value, label), in the order of their labels."""
    return sorted(((s, sector_label(s)) for s in sectors), key=lambda option: option[1].lower())
