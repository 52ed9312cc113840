"""The release: one immutable, typed value per round and language, the only thing renderers read."""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from reports.model import RoundData, Thresholds, build_report
from reports.release import Release
from scoring.instrument import load_instrument

RENDERERS = ("render", "exports", "workbook", "slides", "charts", "texts", "numbers")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def release() -> Release:
    instrument = load_instrument()
    rng = np.random.default_rng(11)
    offsets = rng.integers(0, 5, size=(60, len(instrument.item_keys))).astype(np.int8)
    offsets[rng.random(offsets.shape) < 0.1] = -1
    segments = [
        {"department": "Sales" if i % 3 else "IT", "role_level": "Employee" if i % 4 else "Manager"}
        for i in range(60)
    ]
    questions = [
        {"key": "department", "options": ["Sales", "IT"]},
        {"key": "role_level", "options": ["Employee", "Manager"]},
    ]
    current = RoundData("Spring", offsets, segments, questions, 5, True, ["one", "two"] * 6)
    previous = RoundData("Autumn", offsets[::-1].copy(), segments, questions, 5, True)
    return build_report(
        instrument,
        current,
        organisation="Acme",
        lang="en",
        previous=previous,
        thresholds=Thresholds(10, 5, 0.05),
    )


def test_renderers_read_a_release_and_never_the_answers_or_the_statistics():
    """Every output is produced from a release: no renderer imports ``scoring``, the builder or
    anything of the app (the answers live there)."""
    for name in RENDERERS:
        tree = ast.parse((ROOT / "reports" / f"{name}.py").read_text(encoding="utf-8"))
        imported = {
            node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        builders = ("reports.model", "reports.groups", "reports.principles", "reports.against")
        forbidden = {
            module
            for module in imported
            if module and (module.split(".")[0] in ("scoring", "survey") or module in builders)
        }
        assert not forbidden, f"reports/{name}.py imports {sorted(forbidden)}"


def _walk(value, path="release"):
    if dataclasses.is_dataclass(value):
        assert type(value).__dataclass_params__.frozen, f"{path} is not frozen"
        for item in dataclasses.fields(value):
            yield from _walk(getattr(value, item.name), f"{path}.{item.name}")
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")
    else:
        yield path, value


def test_a_release_is_frozen_and_typed_all_the_way_down(release):
    leaves = dict(_walk(release))
    assert len(leaves) > 500  # statements, groups, trend, drivers: a full release
    for path, value in leaves.items():
        assert not isinstance(value, dict | list | set | np.ndarray | np.generic), path
        assert value is None or isinstance(value, str | int | float | bool), path
    with pytest.raises(dataclasses.FrozenInstanceError):
        release.dimensions[0].score = 100.0  # type: ignore[misc]


def test_a_kept_release_reads_back_as_the_same_value(release):
    kept = json.loads(json.dumps(release.kept()))
    assert Release.from_dict(kept) == release
    assert Release.from_dict(kept).to_dict() == release.to_dict()


def test_a_benchmark_kept_before_its_intervals_still_reads_back():
    instrument = load_instrument()
    rng = np.random.default_rng(5)
    offsets = rng.integers(0, 5, size=(60, len(instrument.item_keys))).astype(np.int8)
    pool = [
        {
            "external": False,
            "dimensions": {
                d.key: {"n": n, "mean": float(rng.uniform(40, 70)), "sd": 18.0, "bins": []}
                for d in instrument.dimensions
            },
        }
        for n in (5, 40, 90, 200, 12, 60, 30, 150, 8, 75)
    ]
    current = RoundData("Spring", offsets, [{}] * 60, [], 5, True, [])
    built = build_report(
        instrument,
        current,
        organisation="Acme",
        lang="en",
        thresholds=Thresholds(10, 5, 0.05),
        pool=pool,
    )
    kept = json.loads(json.dumps(built.kept()))
    assert Release.from_dict(kept) == built
    row = kept["benchmark"]["dimensions"][0]
    assert row["shrunk"] == 10 and len(row["top25_ci95"]) == 2
    for row in kept["benchmark"]["dimensions"]:  # as releases were kept before
        for key in ("percentile_ci95", "median_ci95", "top25_ci95", "shrunk", "between_sd"):
            del row[key]
    older = Release.from_dict(kept).benchmark.dimensions[0]
    assert (older.top25_ci95, older.shrunk) == (None, 0)


def test_the_json_edge_publishes_no_statement_texts_and_no_comments(release):
    published = release.to_dict()
    assert release.comments and "comments" not in published
    assert release.dimensions[0].items and all("items" not in d for d in published["dimensions"])
