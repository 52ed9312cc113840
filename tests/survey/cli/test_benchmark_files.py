"""``ambassador benchmark import`` on malformed and hostile exchange files: one clear message, exit
code 2, nothing stored — and the instrument is named by id and version only, never by a path."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.instrument import BUNDLED_DIR
from survey.models import RoundAggregate
from survey.services import exchange

KEYS = ["guidelines", "error_tolerance", "patience", "leadership", "dialogue"]


def figures(n: int = 12) -> dict:
    return {"n": n, "mean": 55.5, "sd": 12.25, "bins": [0, 0, 1, 2, 3, 3, 2, 1, 0, n - 12]}


def valid_document() -> dict:
    return {
        "format": exchange.FORMAT,
        "version": exchange.FORMAT_VERSION,
        "pools": [
            {
                "instrument": {"id": "social-culture", "version": "1"},
                "rounds": [
                    {
                        "sector": "Retail",
                        "size_band": "1000+",
                        "n": 12,
                        "dimensions": {key: figures() for key in KEYS},
                    }
                ],
            }
        ],
    }


def external_rows(session) -> int:
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(RoundAggregate)
        .where(RoundAggregate.external.is_(True))
    )


def changed(path: str, value):
    """The valid document with the field at ``path`` (dotted; digits index lists) set to value,
    or removed when value is ``...``."""
    document = valid_document()
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    holder = document
    for part in parents:
        holder = holder[part]
    if value is ...:
        del holder[last]
    else:
        holder[last] = value
    return document


ROUND = "pools.0.rounds.0"
DIMENSION = f"{ROUND}.dimensions.patience"
MALFORMED = {
    "truncated": b'{"format": "ambassador-scan-benchmark", "version": 1, "pools": [{"instr',
    "not utf-8": b'{"format": "ambassador-scan-\xff\xfe"}',
    "a list at the top": b"[1, 2, 3]",
    "deeply nested": b"[" * 100_000 + b"]" * 100_000,
    "a number of 5,000 digits": b'{"format": ' + b"9" * 5000 + b"}",
    "empty": b"",
    "pools an object": changed("pools", {"instrument": "social-culture"}),
    "pool a list": changed("pools.0", [1, 2]),
    "rounds a number": changed("pools.0.rounds", 7),
    "rounds an object": changed("pools.0.rounds", {"n": 12}),
    "instrument missing": changed("pools.0.instrument", ...),
    "instrument id a list": changed("pools.0.instrument.id", ["social-culture"]),
    "instrument version a number": changed("pools.0.instrument.version", 1.5),
    "instrument id with a NUL": changed("pools.0.instrument.id", "social\x00culture"),
    "round a list": changed(ROUND, [12]),
    "n missing": changed(f"{ROUND}.n", ...),
    "n negative": changed(f"{ROUND}.n", -12),
    "n huge": changed(f"{ROUND}.n", 10**30),
    "n a float": changed(f"{ROUND}.n", 12.0),
    "n true": changed(f"{ROUND}.n", True),
    "n a string": changed(f"{ROUND}.n", "12"),
    "sector a list": changed(f"{ROUND}.sector", ["Retail"]),
    "sector an object": changed(f"{ROUND}.sector", {"en": "Retail"}),
    "sector too long": changed(f"{ROUND}.sector", "x" * 10_000),
    "size band a number": changed(f"{ROUND}.size_band", 1000),
    "name a number": changed(f"{ROUND}.name", 3),
    "name too long": changed(f"{ROUND}.name", "x" * 10_000),
    "dimensions a list": changed(f"{ROUND}.dimensions", [figures()] * 5),
    "figures a list": changed(DIMENSION, [12, 50, 10, []]),
    "mean NaN": changed(f"{DIMENSION}.mean", float("nan")),
    "mean Infinity": changed(f"{DIMENSION}.mean", float("inf")),
    "mean true": changed(f"{DIMENSION}.mean", True),
    "mean a string": changed(f"{DIMENSION}.mean", "55"),
    "sd negative": changed(f"{DIMENSION}.sd", -1),
    "dimension n true": changed(f"{DIMENSION}.n", True),
    "dimension n huge": changed(f"{DIMENSION}.n", 10**30),
    "bins of booleans": changed(f"{DIMENSION}.bins", [True] * 5 + [7, 0, 0, 0, 0]),
    "bins an object": changed(f"{DIMENSION}.bins", {"0": 12}),
    "bins negative": changed(f"{DIMENSION}.bins", [-1, 13, 0, 0, 0, 0, 0, 0, 0, 0]),
}


def write(tmp_path: Path, content) -> Path:
    path = tmp_path / "pool.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_file_is_one_message_and_exit_code_2(runner, session, tmp_path, case):
    result = runner.invoke(args=["benchmark", "import", str(write(tmp_path, MALFORMED[case]))])
    assert result.exit_code == 2, (result.output, result.exception)
    assert "nothing was imported" in result.output and "Traceback" not in result.output
    assert external_rows(session) == 0


def test_the_valid_file_imports(runner, session, tmp_path):
    result = runner.invoke(args=["benchmark", "import", str(write(tmp_path, valid_document()))])
    assert result.exit_code == 0, result.output
    assert external_rows(session) == 1


@pytest.mark.parametrize("where", ["absolute", "relative"])
def test_an_exchange_file_cannot_name_an_instrument_file(runner, session, tmp_path, where):
    """A copy of a bundled instrument elsewhere on disk, named by its path: refused unread."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "x-v1.toml").write_text(
        (BUNDLED_DIR / "social-culture-v1.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    base = str(folder / "x") if where == "absolute" else f"../../../../../../..{folder}/x"
    document = changed("pools.0.instrument", {"id": base, "version": "1.toml"})
    result = runner.invoke(args=["benchmark", "import", str(write(tmp_path, document))])
    assert result.exit_code == 2 and "is not known here" in result.output, result.output
    assert external_rows(session) == 0


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats()
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))


def places(document, prefix=()):
    """Every path to a value in the document."""
    yield prefix
    if isinstance(document, dict):
        for key, value in document.items():
            yield from places(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from places(value, (*prefix, index))


PLACES = list(places(valid_document()))[1:]


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(PLACES), json_values), min_size=1, max_size=3))
def test_a_valid_document_with_random_values_is_checked_or_refused(replacements):
    document = valid_document()
    for path, value in replacements:
        holder = document
        try:
            for part in path[:-1]:
                holder = holder[part]
            holder[path[-1]] = copy.deepcopy(value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement took this place away
    try:
        exchange.validated_rounds(document)
    except exchange.ExchangeError:
        pass


@FUZZ
@given(json_values)
def test_any_json_is_checked_or_refused(document):
    try:
        exchange.validated_rounds(document)
    except exchange.ExchangeError:
        pass


@FUZZ
@given(st.binary(max_size=500))
def test_any_bytes_are_read_or_refused(content):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pool.json"
        path.write_bytes(content)
        try:
            document = exchange.read_exchange_file(path)
        except exchange.ExchangeError:
            return
        try:
            exchange.validated_rounds(document)
        except exchange.ExchangeError:
            pass
