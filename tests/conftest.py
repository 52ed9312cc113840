"""Fixtures shared by every test package."""

from __future__ import annotations

import tomllib
from functools import cache

import pytest

from scoring.instrument import Instrument, parse_instrument


def instrument_toml(
    dimensions: int = 3, items: int = 4, scale: tuple[int, int] = (1, 7), outcomes: int = 2
) -> str:
    """TOML of a small valid instrument of any shape (en and nl texts)."""
    low, high = scale
    points = high - low + 1
    labels_en = ", ".join(f'"p{v}"' for v in range(points))
    labels_nl = ", ".join(f'"n{v}"' for v in range(points))
    parts = [
        "[instrument]",
        'id = "test-shape"',
        'version = "2"',
        f"scale = {{ min = {low}, max = {high} }}",
        f"labels.en = [{labels_en}]",
        f"labels.nl = [{labels_nl}]",
    ]
    for d in range(dimensions):
        parts += [
            "[[dimensions]]",
            f'key = "dim{d}"',
            f'name = {{ en = "Dim {d}", nl = "Dim {d} nl" }}',
        ]
        for i in range(items):
            parts += [
                "[[dimensions.items]]",
                f'key = "D{d}I{i}"',
                f"reverse = {'true' if i == items - 1 else 'false'}",
                f'text = {{ en = "Item {d}.{i}", nl = "Vraag {d}.{i}" }}',
            ]
    for o in range(outcomes):
        parts += [
            "[[outcomes]]",
            f'key = "OUT{o}"',
            f'text = {{ en = "Outcome {o}", nl = "Uitkomst {o}" }}',
        ]
    parts += [
        "[[recommendations]]",
        'dimension = "dim0"',
        "levels = [1, 2, 3]",
        'text = { en = "Do something", nl = "Doe iets" }',
    ]
    return "\n".join(parts) + "\n"


@pytest.fixture
def make_instrument_file(tmp_path):
    """Write an instrument file of a given shape and return its path."""

    def make(name: str = "shape.toml", text: str | None = None, **shape) -> str:
        path = tmp_path / name
        path.write_text(text if text is not None else instrument_toml(**shape), encoding="utf-8")
        return str(path)

    return make


@pytest.fixture
def instrument_text():
    """The :func:`instrument_toml` builder, for tests that edit a valid instrument."""
    return instrument_toml


@cache
def _shaped(dimensions: int, items: int, scale: tuple[int, int], outcomes: int) -> Instrument:
    text = instrument_toml(dimensions, items, scale, outcomes)
    return parse_instrument(tomllib.loads(text), source=f"<shape {dimensions}x{items} {scale}>")


@pytest.fixture(scope="session")
def shaped_instrument():
    """An in-memory instrument of a given shape (cached; safe inside hypothesis tests)."""

    def make(dimensions: int = 3, items: int = 4, scale=(1, 7), outcomes: int = 2) -> Instrument:
        return _shaped(dimensions, items, tuple(scale), outcomes)

    return make
