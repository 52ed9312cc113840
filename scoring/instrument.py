"""Load and validate instrument files.

An instrument is a TOML file holding its id and version, the answer scale, the dimensions with their
items, the outcome items and the recommendations; every text in every language the instrument lists.
Validation is strict: a typo in a field name is an error, not a silently ignored setting, and every
error names the file and the place in it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "BUNDLED_DIR",
    "Dimension",
    "Instrument",
    "InstrumentError",
    "Item",
    "MISSING",
    "Recommendation",
    "Scale",
    "bundled_instruments",
    "load_instrument",
    "measure_versions",
]

BUNDLED_DIR = Path(__file__).parent / "instruments"
MAX_SCALE_POINTS = 101  # answers are held as int8 points; 0..100 leaves room for the missing code
MISSING = -1  # the int8 code of a missing answer ("don't know", blank)
MATURITY_LEVELS = (1, 2, 3, 4, 5)


class InstrumentError(ValueError):
    """An instrument file that cannot be used; the message names the file and the place."""


@dataclass(frozen=True)
class Scale:
    min: int
    max: int
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def points(self) -> int:
        return self.max - self.min + 1

    @property
    def span(self) -> int:
        return self.max - self.min


@dataclass(frozen=True)
class Item:
    key: str
    text: dict[str, str]
    reverse: bool = False
    dimension: str | None = None  # None for outcome items


@dataclass(frozen=True)
class Dimension:
    key: str
    name: dict[str, str]
    items: tuple[Item, ...]
    description: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Recommendation:
    key: str
    dimension: str
    levels: tuple[int, ...]
    text: dict[str, str]


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: loaded once, cached
class Instrument:
    id: str
    version: str
    name: dict[str, str]
    languages: tuple[str, ...]
    scale: Scale
    dimensions: tuple[Dimension, ...]
    outcomes: tuple[Item, ...]
    recommendations: tuple[Recommendation, ...]
    source: str = "<memory>"
    # the smallest change in a 0–100 principle score that matters in practice, when the
    # instrument's authors have one (anchor-based); None: a fifth of the pooled SD of the scores
    # compared (:mod:`scoring.differences`)
    minimal_important_difference: float | None = None
    # earlier versions whose answers mean the same (the same statements by key, scale, reverse
    # keys and principles; only wording improved): their rounds are compared, trended and pooled
    # with this version's
    same_measure_as: tuple[str, ...] = ()

    @cached_property
    def measure(self) -> tuple:
        """What answers mean, without the words: the scale, and every principle's statements by
        key and direction. Two versions are one measure only if this is equal."""
        return (
            (self.scale.min, self.scale.max),
            tuple((d.key, tuple((i.key, i.reverse) for i in d.items)) for d in self.dimensions),
            tuple((i.key, i.reverse) for i in self.outcomes),
        )

    @cached_property
    def items(self) -> tuple[Item, ...]:
        """Every item in answer-matrix column order: dimension items first, then outcomes."""
        return tuple(item for dim in self.dimensions for item in dim.items) + self.outcomes

    @cached_property
    def item_keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)

    @cached_property
    def reverse_mask(self) -> np.ndarray:
        return np.array([item.reverse for item in self.items], dtype=bool)

    @cached_property
    def dimension_columns(self) -> dict[str, slice]:
        """Each dimension's columns in the answer matrix (contiguous, so slicing gives a view)."""
        columns, start = {}, 0
        for dim in self.dimensions:
            columns[dim.key] = slice(start, start + len(dim.items))
            start += len(dim.items)
        return columns

    @cached_property
    def outcome_columns(self) -> slice:
        first = sum(len(dim.items) for dim in self.dimensions)
        return slice(first, first + len(self.outcomes))

    def dimension(self, key: str) -> Dimension:
        for dim in self.dimensions:
            if dim.key == key:
                return dim
        raise KeyError(key)

    def recommendations_for(self, dimension: str, level: int) -> tuple[Recommendation, ...]:
        return tuple(
            rec
            for rec in self.recommendations
            if rec.dimension == dimension and level in rec.levels
        )


def bundled_instruments() -> dict[str, Path]:
    """The instrument files shipped with the package, by file stem (``social-culture-v1``)."""
    return {path.stem: path for path in sorted(BUNDLED_DIR.glob("*.toml"))}


def _version_order(version: str) -> tuple:
    return (0, int(version), "") if version.isdigit() else (1, 0, version)


@lru_cache(maxsize=64)
def measure_versions(instrument_id: str, version: str) -> tuple[str, ...]:
    """The versions of a bundled instrument that are one measure with ``version`` (itself
    included), oldest first: each linked to another by ``same_measure_as``, and all with the
    same :attr:`Instrument.measure`. A version that is not bundled is a measure of its own."""
    bundled = {}
    for path in bundled_instruments().values():
        loaded = instrument_with_text(path)[0]
        if loaded.id == instrument_id:
            bundled[loaded.version] = loaded
    if version not in bundled:
        return (version,)
    linked = {version}
    while True:
        grown = linked | {
            v
            for v, inst in bundled.items()
            for w in linked
            if w in inst.same_measure_as or v in bundled[w].same_measure_as
        }
        grown &= set(bundled)
        if grown == linked:
            break
        linked = grown
    for other in linked:
        if bundled[other].measure != bundled[version].measure:
            raise InstrumentError(
                f"{instrument_id} v{other} and v{version} are declared one measure but differ "
                "in their scale, statements or principles"
            )
    return tuple(sorted(linked, key=_version_order))


def load_instrument(name_or_path: str | Path = "social-culture-v1") -> Instrument:
    """Load an instrument by path or by bundled name (``social-culture-v1``, ``social-culture``)."""
    return instrument_with_text(name_or_path)[0]


def instrument_with_text(name_or_path: str | Path) -> tuple[Instrument, str]:
    """An instrument (by path or bundled name) and the exact TOML text it was read from."""
    path = Path(name_or_path)
    if not path.is_file():
        bundled = bundled_instruments()
        by_id = {stem.rsplit("-v", 1)[0]: p for stem, p in bundled.items()}
        match = bundled.get(str(name_or_path)) or by_id.get(str(name_or_path))
        if match is None:
            known = ", ".join(bundled) or "none"
            raise InstrumentError(
                f"{name_or_path}: no such instrument file or bundled instrument (bundled: {known})"
            )
        path = match
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstrumentError(f"{path}: cannot be read: {exc}") from None
    return instrument_from_text(text, source=str(path)), text


def instrument_from_text(text: str, source: str = "<memory>") -> Instrument:
    """An instrument from its TOML text (as a round stores it)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InstrumentError(f"{source}: not valid TOML: {exc}") from None
    return parse_instrument(document, source=source)


def parse_instrument(document: dict[str, Any], source: str = "<memory>") -> Instrument:
    """Build an :class:`Instrument` from a parsed TOML document, validating every field."""
    return _Parser(source).instrument(document)


class _Parser:
    def __init__(self, source: str):
        self.source = source
        self.languages: tuple[str, ...] = ()
        self.seen_items: dict[str, str] = {}  # item key -> where it was defined

    def fail(self, where: str, message: str) -> InstrumentError:
        return InstrumentError(f"{self.source}: {where}: {message}")

    def table(self, value: Any, where: str, required: set[str], optional: set[str] = frozenset()):
        if not isinstance(value, dict):
            raise self.fail(where, "must be a table")
        unknown = sorted(set(value) - required - set(optional))
        if unknown:
            allowed = ", ".join(sorted(required | set(optional)))
            raise self.fail(where, f"unknown field {unknown[0]!r} (allowed: {allowed})")
        missing = sorted(required - set(value))
        if missing:
            raise self.fail(where, f"missing field {missing[0]!r}")
        return value

    def text(self, value: Any, where: str) -> dict[str, str]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be a table of translations, e.g. { en = '…', nl = '…' }")
        for lang in self.languages:
            if lang not in value:
                raise self.fail(where, f"missing translation {lang!r}")
            if not isinstance(value[lang], str) or not value[lang].strip():
                raise self.fail(f"{where}.{lang}", "must be a non-empty string")
        extra = sorted(set(value) - set(self.languages))
        if extra:
            raise self.fail(where, f"language {extra[0]!r} is not in instrument.languages")
        return {lang: value[lang].strip() for lang in self.languages}

    def key(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip() or value != value.strip():
            raise self.fail(where, "must be a non-empty string without surrounding spaces")
        return value

    def instrument(self, doc: dict[str, Any]) -> Instrument:
        self.table(doc, "top level", {"instrument", "dimensions"}, {"outcomes", "recommendations"})
        head = self.table(
            doc["instrument"],
            "[instrument]",
            {"id", "version", "scale"},
            {"name", "languages", "labels", "minimal_important_difference", "same_measure_as"},
        )
        languages = head.get("languages", ["en", "nl"])
        if (
            not isinstance(languages, list)
            or not languages
            or not all(isinstance(lang, str) and lang for lang in languages)
            or len(set(languages)) != len(languages)
        ):
            raise self.fail("[instrument].languages", "must be a non-empty list of distinct codes")
        self.languages = tuple(languages)
        instrument_id = self.key(head["id"], "[instrument].id")
        version = head["version"]
        if isinstance(version, int) and not isinstance(version, bool):
            version = str(version)
        version = self.key(version, "[instrument].version")
        name = (
            self.text(head["name"], "[instrument].name")
            if "name" in head
            else {lang: instrument_id for lang in self.languages}
        )
        scale = self.scale(head)
        dimensions = self.dimensions(doc["dimensions"])
        outcomes = self.items(doc.get("outcomes", []), "[[outcomes]]", None, self.seen_items)
        recommendations = self.recommendations(doc.get("recommendations", []), dimensions)
        mid = head.get("minimal_important_difference")
        if mid is not None and (
            isinstance(mid, bool) or not isinstance(mid, int | float) or not 0 < mid <= 100
        ):
            raise self.fail(
                "[instrument].minimal_important_difference", "must be a number above 0, at most 100"
            )
        same = head.get("same_measure_as", [])
        if not isinstance(same, list) or not all(
            isinstance(v, str) and v.strip() and v != version for v in same
        ):
            raise self.fail(
                "[instrument].same_measure_as", "must be a list of other versions of this id"
            )
        return Instrument(
            same_measure_as=tuple(same),
            id=instrument_id,
            version=version,
            name=name,
            languages=self.languages,
            scale=scale,
            dimensions=dimensions,
            outcomes=outcomes,
            recommendations=recommendations,
            source=self.source,
            minimal_important_difference=None if mid is None else float(mid),
        )

    def scale(self, head: dict[str, Any]) -> Scale:
        where = "[instrument].scale"
        raw = self.table(head["scale"], where, {"min", "max"})
        low, high = raw["min"], raw["max"]
        for name, value in (("min", low), ("max", high)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise self.fail(f"{where}.{name}", f"must be a whole number, not {value!r}")
        if low >= high:
            raise self.fail(where, f"min ({low}) must be below max ({high})")
        if high - low + 1 > MAX_SCALE_POINTS:
            raise self.fail(where, f"at most {MAX_SCALE_POINTS} points are supported")
        labels: dict[str, tuple[str, ...]] = {}
        raw_labels = head.get("labels", {})
        if not isinstance(raw_labels, dict):
            raise self.fail("[instrument].labels", "must be a table of lists per language")
        extra = sorted(set(raw_labels) - set(self.languages))
        if extra:
            raise self.fail("[instrument].labels", f"language {extra[0]!r} is not in languages")
        if raw_labels:
            for lang in self.languages:
                values = raw_labels.get(lang)
                if values is None:
                    raise self.fail("[instrument].labels", f"missing translation {lang!r}")
                if not isinstance(values, list) or len(values) != high - low + 1:
                    raise self.fail(
                        f"[instrument].labels.{lang}",
                        f"must list {high - low + 1} labels, one per scale point {low}..{high}",
                    )
                if not all(isinstance(v, str) and v.strip() for v in values):
                    raise self.fail(
                        f"[instrument].labels.{lang}", "labels must be non-empty strings"
                    )
                labels[lang] = tuple(v.strip() for v in values)
        return Scale(min=low, max=high, labels=labels)

    def dimensions(self, raw: Any) -> tuple[Dimension, ...]:
        if not isinstance(raw, list) or not raw:
            raise self.fail("[[dimensions]]", "at least one dimension is required")
        dimensions: list[Dimension] = []
        seen_keys: set[str] = set()
        for i, entry in enumerate(raw, start=1):
            where = f"[[dimensions]] #{i}"
            entry = self.table(entry, where, {"key", "name", "items"}, {"description"})
            key = self.key(entry["key"], f"{where}.key")
            where = f"[[dimensions]] #{i} ({key!r})"
            if key in seen_keys:
                raise self.fail(where, f"duplicate dimension key {key!r}")
            seen_keys.add(key)
            if not isinstance(entry["items"], list) or not entry["items"]:
                raise self.fail(where, "a dimension needs at least one item")
            items = self.items(entry["items"], f"{where}.items", key, self.seen_items)
            dimensions.append(
                Dimension(
                    key=key,
                    name=self.text(entry["name"], f"{where}.name"),
                    items=items,
                    description=(
                        self.text(entry["description"], f"{where}.description")
                        if "description" in entry
                        else {}
                    ),
                )
            )
        return tuple(dimensions)

    def items(self, raw: Any, where: str, dimension: str | None, seen: dict[str, str]):
        if not isinstance(raw, list):
            raise self.fail(where, "must be a list of tables")
        items = []
        for j, entry in enumerate(raw, start=1):
            here = f"{where} #{j}"
            entry = self.table(entry, here, {"key", "text"}, {"reverse"})
            key = self.key(entry["key"], f"{here}.key")
            here = f"{where} #{j} ({key!r})"
            if key in seen:
                raise self.fail(here, f"duplicate item key {key!r} (also in {seen[key]})")
            seen[key] = f"dimension {dimension!r}" if dimension else "outcomes"
            reverse = entry.get("reverse", False)
            if not isinstance(reverse, bool):
                raise self.fail(f"{here}.reverse", "must be true or false")
            items.append(Item(key, self.text(entry["text"], f"{here}.text"), reverse, dimension))
        return tuple(items)

    def recommendations(self, raw: Any, dimensions: tuple[Dimension, ...]):
        if not isinstance(raw, list):
            raise self.fail("[[recommendations]]", "must be a list of tables")
        known = {dim.key for dim in dimensions}
        result, seen = [], set()
        for i, entry in enumerate(raw, start=1):
            where = f"[[recommendations]] #{i}"
            entry = self.table(entry, where, {"dimension", "levels", "text"}, {"key"})
            dimension = entry["dimension"]
            if dimension not in known:
                raise self.fail(f"{where}.dimension", f"unknown dimension {dimension!r}")
            levels = entry["levels"]
            if (
                not isinstance(levels, list)
                or not levels
                or not all(isinstance(v, int) and v in MATURITY_LEVELS for v in levels)
            ):
                raise self.fail(f"{where}.levels", "must list maturity levels between 1 and 5")
            key = self.key(entry.get("key", f"{dimension}-{i}"), f"{where}.key")
            if key in seen:
                raise self.fail(where, f"duplicate recommendation key {key!r}")
            seen.add(key)
            text = self.text(entry["text"], f"{where}.text")
            result.append(Recommendation(key, dimension, tuple(sorted(set(levels))), text))
        return tuple(result)
