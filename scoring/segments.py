"""Segment questions (department, role level, tenure, location …) and their names per language.

A segment question is a dict, stored with its round::

    {"key": "department", "options": ["Sales", "Care"],
     "label": {"en": "Department", "nl": "Afdeling"},
     "option_labels": {"en": ["Sales", "Care"], "nl": ["Verkoop", "Zorg"]}}

``options`` are the stored values (responses and participant lists hold these); ``label`` and
``option_labels`` are optional names per language. Where a name is missing the option itself is
shown, so a round created before names existed reads as it always did.
"""

from __future__ import annotations

LANGUAGES = ("en", "nl")  # the order in which names are written: ``English|Dutch``


def question_label(question: dict, lang: str) -> str | None:
    """The question's name in ``lang``, or None when the round gave it none."""
    return (question.get("label") or {}).get(lang) or None


def option_label(question: dict, option: str, lang: str) -> str:
    """An option's name in ``lang``: its translation when the round has one, else the option."""
    labels = (question.get("option_labels") or {}).get(lang)
    if labels:
        try:
            return labels[question["options"].index(option)]
        except ValueError:
            return option
    return option


def stored_option(question: dict, value: str) -> str | None:
    """The stored option that ``value`` names — the option itself or its name in any language,
    compared without regard to case and surrounding spaces — or None."""
    wanted = value.strip().casefold()
    names = [question["options"], *(question.get("option_labels") or {}).values()]
    for labels in names:
        for option, label in zip(question["options"], labels, strict=False):
            if label.strip().casefold() == wanted:
                return option
    return None


def all_names(question: dict, option: str) -> list[str]:
    """The option and each of its names, without repeats (for messages that list what is valid)."""
    names = [option] + [
        option_label(question, option, lang) for lang in (question.get("option_labels") or {})
    ]
    return list(dict.fromkeys(names))


def read_option(question: dict, value: str, where: str) -> tuple[str | None, str | None]:
    """A cell of a file that answers ``question``: (stored option, None), or (None, a problem
    naming ``where`` — e.g. "line 4, column 'department'" — and the valid names)."""
    option = stored_option(question, value)
    if option is not None:
        return option, None
    valid = ", ".join("/".join(all_names(question, o)) for o in question["options"])
    return None, f"{where}: '{value}' is not one of {valid}"
