"""``ambassador score``: output formats and every kind of bad input (exit code 2)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from scoring.instrument import load_instrument
from scoring.scores import encode_answers, score_answers
from survey.cli import main


@pytest.fixture(scope="module")
def bundled():
    return load_instrument("social-culture-v2")  # what `score` uses by default


@pytest.fixture
def runner():
    return CliRunner()


def write_answers(path, keys, rows, delimiter=",", extra=("department",)):
    lines = [delimiter.join([*extra, *keys])]
    for i, row in enumerate(rows):
        cells = ["" if v is None else str(v) for v in row]
        lines.append(delimiter.join([*(f"Dept{i % 3}" for _ in extra), *cells]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def random_rows(instrument, n=60, seed=3):
    rng = np.random.default_rng(seed)
    low, high = instrument.scale.min, instrument.scale.max
    return [
        [
            None if rng.random() < 0.05 else int(rng.integers(low, high + 1))
            for _ in instrument.item_keys
        ]
        for _ in range(n)
    ]


def score(runner, *args):
    return runner.invoke(main, ["score", *map(str, args)])


def test_json_equals_scoring_the_same_answers(runner, tmp_path, bundled):
    rows = random_rows(bundled)
    path = write_answers(tmp_path / "a.csv", bundled.item_keys, rows)
    result = score(runner, path, "--json")
    assert result.exit_code == 0, result.output
    raw = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)
    expected = score_answers(encode_answers(raw, bundled), bundled).to_dict()
    assert json.loads(result.output) == expected
    assert json.loads(result.output)["n_respondents"] == 60


def test_table_names_every_principle(runner, tmp_path, bundled):
    path = write_answers(tmp_path / "a.csv", bundled.item_keys, random_rows(bundled))
    result = score(runner, path)
    assert result.exit_code == 0, result.output
    for dim in bundled.dimensions:
        assert dim.name["en"] in result.output
    assert "Overall" in result.output and "Advocacy" in result.output
    dutch = score(runner, path, "--lang", "nl")
    assert "Duidelijke richtlijnen" in dutch.output


def test_semicolon_csv_with_bom_and_without_outcomes(runner, tmp_path, bundled):
    keys = [item.key for dim in bundled.dimensions for item in dim.items]
    path = tmp_path / "excel.csv"
    write_answers(path, keys, [[3] * len(keys), [4] * len(keys)], delimiter=";")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = score(runner, path, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["n_respondents"] == 2 and data["outcome"]["n"] == 0
    # all 3s score 50; all 4s score 75 on an item and 25 on a reverse-keyed one
    expected = [
        (50 + (75 * (5 - r) + 25 * r) / 5) / 2
        for r in (sum(i.reverse for i in dim.items) for dim in bundled.dimensions)
    ]
    assert [d["score"] for d in data["dimensions"]] == expected == [57.5, 52.5, 57.5, 57.5, 57.5]


def test_other_instrument_shape(runner, tmp_path, make_instrument_file):
    instrument_path = make_instrument_file(dimensions=3, items=4, scale=(1, 7), outcomes=2)
    instrument = load_instrument(instrument_path)
    path = write_answers(tmp_path / "a.csv", instrument.item_keys, random_rows(instrument, 30))
    result = score(runner, path, "--instrument", instrument_path, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["instrument"] == "test-shape" and data["version"] == "2"
    assert [d["key"] for d in data["dimensions"]] == ["dim0", "dim1", "dim2"]


BAD_CELLS = [
    (9, r"line 4, column 'G3': value 9 is not a whole number from 1 to 5"),
    (0, r"line 4, column 'G3': value 0 is not"),
    ("2.5", r"line 4, column 'G3': value 2.5 is not"),
    ("often", r"line 4, column 'G3': 'often' is not a number"),
]


@pytest.mark.parametrize(("cell", "message"), BAD_CELLS)
def test_bad_value_names_line_and_column(runner, tmp_path, bundled, cell, message):
    rows = [[3] * len(bundled.item_keys) for _ in range(5)]
    rows[2][bundled.item_keys.index("G3")] = cell
    path = write_answers(tmp_path / "a.csv", bundled.item_keys, rows)
    result = score(runner, path)
    assert result.exit_code == 2
    assert "Error: " in result.output and path in result.output
    assert any(__import__("re").search(message, line) for line in result.output.splitlines())


def test_bad_value_in_a_later_chunk_names_the_right_line(runner, tmp_path, bundled, monkeypatch):
    monkeypatch.setattr("survey.cli.answers_csv.CHUNK_ROWS", 7)
    rows = [[3] * len(bundled.item_keys) for _ in range(30)]
    rows[22][bundled.item_keys.index("L4")] = 6
    path = write_answers(tmp_path / "a.csv", bundled.item_keys, rows)
    result = score(runner, path)
    assert result.exit_code == 2
    assert "line 24, column 'L4': value 6" in result.output


def test_missing_item_column(runner, tmp_path, bundled):
    keys = [k for k in bundled.item_keys if k != "P4"]
    path = write_answers(tmp_path / "a.csv", keys, [[3] * len(keys)])
    result = score(runner, path)
    assert result.exit_code == 2
    assert "line 1: column 'P4' is missing" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file (it contains binary data)"),
        (b"naam,leeftijd\nJan,40\n", "column 'G1' is missing"),
        ("G1\xe9,G2\n".encode("latin-1"), "not a UTF-8 text file"),
    ],
)
def test_not_a_csv_of_answers(runner, tmp_path, content, message):
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    result = score(runner, path)
    assert result.exit_code == 2
    assert message in result.output


def test_header_without_rows(runner, tmp_path, bundled):
    path = write_answers(tmp_path / "a.csv", bundled.item_keys, [])
    result = score(runner, path)
    assert result.exit_code == 2 and "no answers" in result.output


def test_ragged_rows(runner, tmp_path, bundled):
    path = write_answers(tmp_path / "a.csv", bundled.item_keys, [[3] * len(bundled.item_keys)] * 3)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("x," + ",".join(["3"] * 40) + "\n")
    result = score(runner, path)
    assert result.exit_code == 2 and "not a readable CSV file" in result.output


def test_missing_file(runner, tmp_path):
    result = score(runner, tmp_path / "nope.csv")
    assert result.exit_code == 2 and "nope.csv: no such file" in result.output


def test_unknown_instrument(runner, tmp_path, bundled):
    path = write_answers(tmp_path / "a.csv", bundled.item_keys, [[3] * len(bundled.item_keys)])
    result = score(runner, path, "--instrument", "nonsense")
    assert result.exit_code == 2 and "nonsense: no such instrument" in result.output


def test_broken_instrument_file(runner, tmp_path, bundled, make_instrument_file):
    path = write_answers(tmp_path / "a.csv", bundled.item_keys, [[3] * len(bundled.item_keys)])
    broken = make_instrument_file("broken.toml", "[instrument]\nid = 1\n")
    result = score(runner, path, "--instrument", broken)
    assert (
        result.exit_code == 2
        and "broken.toml: top level: missing field 'dimensions'" in result.output
    )


def test_the_table_applies_the_reports_thresholds(runner, tmp_path, bundled):
    """Three people: no interval, no level, no alpha (the report's thresholds), each said below
    the table; everyone giving the same answers: "no spread", not an interval of zero width."""
    rows = random_rows(bundled, n=3, seed=5)
    result = score(runner, write_answers(tmp_path / "few.csv", bundled.item_keys, rows))
    assert result.exit_code == 0, result.output
    first = next(line for line in result.output.splitlines() if line.startswith("Clear"))
    assert "n too small" in first and first.rstrip().endswith("–")
    assert "Defined" not in result.output and "Initial" not in result.output
    assert "No interval and no level for fewer than 5 scored respondents." in result.output
    assert "No alpha from fewer than 30 people who answered every statement." in result.output
    data = json.loads(score(runner, tmp_path / "few.csv", "--json").output)
    assert data["dimensions"][0]["level"] is None and data["dimensions"][0]["alpha"] is None
    same = [[3] * len(bundled.item_keys) for _ in range(40)]
    result = score(runner, write_answers(tmp_path / "same.csv", bundled.item_keys, same))
    assert "no spread" in result.output and "50.0–50.0" not in result.output
    assert "No interval where everyone gave the same answers: Clear guidelines" in result.output
