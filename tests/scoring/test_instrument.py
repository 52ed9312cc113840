"""Loading and validating instrument files."""

from __future__ import annotations

import pathlib

import pytest

from scoring.instrument import InstrumentError, load_instrument, measure_versions


@pytest.fixture(scope="module")
def bundled():
    return load_instrument("social-culture-v1")


def test_bundled_instrument_has_the_five_principles(bundled):
    assert bundled.id == "social-culture" and bundled.version == "1"
    assert [d.key for d in bundled.dimensions] == [
        "guidelines",
        "error_tolerance",
        "patience",
        "leadership",
        "dialogue",
    ]
    assert (bundled.scale.min, bundled.scale.max) == (1, 5)
    for dim in bundled.dimensions:
        assert len(dim.items) == 5
        assert any(item.reverse for item in dim.items), dim.key
    assert 2 <= len(bundled.outcomes) <= 3


def test_bundled_texts_are_translated_not_copied(bundled):
    texts = [item.text for item in bundled.items] + [r.text for r in bundled.recommendations]
    for text in texts:
        assert set(text) == {"en", "nl"}
        assert text["en"] != text["nl"]
    assert len({item.text["nl"] for item in bundled.items}) == len(bundled.items)


@pytest.mark.parametrize("level_group", [(1, 2), (3,), (4, 5)])
def test_bundled_recommendations_cover_every_dimension_and_level(bundled, level_group):
    for dim in bundled.dimensions:
        for level in level_group:
            assert len(bundled.recommendations_for(dim.key, level)) >= 2, (dim.key, level)


def test_load_by_id_and_by_path(bundled):
    assert load_instrument("social-culture").item_keys == bundled.item_keys
    assert load_instrument(bundled.source).item_keys == bundled.item_keys
    assert bundled.item_keys[:5] == ("G1", "G2", "G3", "G4", "G5")
    assert bundled.item_keys[-len(bundled.outcomes) :] == tuple(o.key for o in bundled.outcomes)


def test_unknown_instrument_names_the_bundled_ones():
    with pytest.raises(InstrumentError, match=r"no-such-thing.*bundled: social-culture-v1"):
        load_instrument("no-such-thing")


def test_other_shapes_load(make_instrument_file):
    path = make_instrument_file(dimensions=2, items=3, scale=(0, 10), outcomes=0)
    instrument = load_instrument(path)
    assert instrument.scale.points == 11
    assert [len(d.items) for d in instrument.dimensions] == [3, 3]
    assert instrument.dimension_columns["dim1"] == slice(3, 6)
    assert instrument.reverse_mask.tolist() == [False, False, True] * 2


BROKEN = [
    # (replace this, with that, the message must match)
    (
        'key = "D0I1"',
        'key = "D0I0"',
        r"dimensions\]\] #1 \('dim0'\)\.items #2 \('D0I0'\): duplicate item key",
    ),
    ('key = "dim1"', 'key = "dim0"', r"#2 \('dim0'\): duplicate dimension key"),
    (
        'key = "OUT0"',
        'key = "D1I2"',
        r"\[\[outcomes\]\] #1 \('D1I2'\): duplicate item key 'D1I2' \(also in dimension 'dim1'\)",
    ),
    (
        'text = { en = "Item 1.2", nl = "Vraag 1.2" }',
        'text = { en = "Item 1.2" }',
        r"#2 \('dim1'\)\.items #3 \('D1I2'\)\.text: missing translation 'nl'",
    ),
    (
        'name = { en = "Dim 2", nl = "Dim 2 nl" }',
        'name = { en = "Dim 2", nl = "" }',
        r"#3 \('dim2'\)\.name\.nl: must be a non-empty string",
    ),
    (
        "scale = { min = 1, max = 7 }",
        "scale = { min = 7, max = 1 }",
        r"\[instrument\]\.scale: min \(7\) must be below max \(1\)",
    ),
    (
        "scale = { min = 1, max = 7 }",
        "scale = { min = 1.5, max = 7 }",
        r"\[instrument\]\.scale\.min: must be a whole number",
    ),
    (
        "scale = { min = 1, max = 7 }",
        "scale = { min = 1, max = 5 }",
        r"\[instrument\]\.labels\.en: must list 5 labels",
    ),
    (
        "scale = { min = 1, max = 7 }",
        "scale = { min = 1, max = 7, step = 1 }",
        r"\[instrument\]\.scale: unknown field 'step'",
    ),
    ("reverse = false", "reversed = false", r"items #1 \('D0I0'\)|unknown field 'reversed'"),
    ('version = "2"', 'version = "2"\ncolour = "blue"', r"\[instrument\]: unknown field 'colour'"),
    (
        "levels = [1, 2, 3]",
        "levels = [0, 6]",
        r"\[\[recommendations\]\] #1\.levels: must list maturity levels",
    ),
    ('dimension = "dim0"', 'dimension = "nope"', r"#1\.dimension: unknown dimension 'nope'"),
]


@pytest.mark.parametrize(("old", "new", "message"), BROKEN)
def test_broken_instrument_is_refused_naming_file_and_place(
    make_instrument_file, instrument_text, old, new, message
):
    text = instrument_text()
    assert old in text
    path = make_instrument_file("broken.toml", text.replace(old, new, 1))
    with pytest.raises(InstrumentError, match=message) as caught:
        load_instrument(path)
    assert str(caught.value).startswith(path + ": ")


def test_empty_dimension_is_refused(make_instrument_file):
    text = (
        '[instrument]\nid = "x"\nversion = "1"\nscale = { min = 1, max = 5 }\n'
        '[[dimensions]]\nkey = "lonely"\nname = { en = "L", nl = "L" }\nitems = []\n'
    )
    path = make_instrument_file("empty.toml", text)
    with pytest.raises(
        InstrumentError,
        match=r"empty\.toml: \[\[dimensions\]\] #1 \('lonely'\): a dimension needs at least one",
    ):
        load_instrument(path)


def test_invalid_toml_is_refused(make_instrument_file):
    path = make_instrument_file("bad.toml", "[instrument\nid = ")
    with pytest.raises(InstrumentError, match=r"bad\.toml: not valid TOML"):
        load_instrument(path)


def test_version_two_is_version_one_in_natural_dutch():
    """v2 asks the same statements on the same scale (one measure with v1); only Dutch words
    changed: natural scale labels and no anglicisms."""
    first, second = load_instrument("social-culture-v1"), load_instrument("social-culture-v2")
    assert measure_versions("social-culture", "2") == ("1", "2")
    assert measure_versions("social-culture", "1") == ("1", "2")
    assert first.measure == second.measure and second.same_measure_as == ("1",)
    assert second.scale.labels["nl"] == (
        "Helemaal mee oneens", "Mee oneens", "Neutraal", "Mee eens", "Helemaal mee eens",
    )  # fmt: skip
    assert [i.text["en"] for i in first.items] == [i.text["en"] for i in second.items]
    dutch = " ".join(
        [i.text["nl"] for i in second.items] + [r.text["nl"] for r in second.recommendations]
    )
    for anglicism in ("in relatie tot", "thought leadership", "reverse mentoring", "don'ts"):
        assert anglicism not in dutch
    assert load_instrument("social-culture").version == "2"  # the id names the newest


def test_versions_declared_one_measure_must_ask_the_same(tmp_path, monkeypatch):
    """A version that says it is the same measure but reverses a statement is refused."""
    from scoring import instrument as module

    text = (module.BUNDLED_DIR / "social-culture-v2.toml").read_text(encoding="utf-8")
    (tmp_path / "social-culture-v1.toml").write_text(
        (module.BUNDLED_DIR / "social-culture-v1.toml").read_text(encoding="utf-8")
    )
    changed = text.replace('key = "G1"\n', 'key = "G1"\n  reverse = true\n', 1)
    assert changed != text
    (tmp_path / "social-culture-v2.toml").write_text(changed, encoding="utf-8")
    monkeypatch.setattr(module, "BUNDLED_DIR", tmp_path)
    module.measure_versions.cache_clear()
    try:
        with pytest.raises(InstrumentError, match="declared one measure but differ"):
            measure_versions("social-culture", "2")
        assert measure_versions("other", "1") == ("1",)  # not bundled: a measure of its own
    finally:
        module.measure_versions.cache_clear()


def test_same_measure_as_must_name_other_versions(make_instrument_file):
    path = make_instrument_file(dimensions=2, items=3, scale=(1, 5), outcomes=0)
    source = pathlib.Path(path)
    text = source.read_text().replace("[instrument]\n", '[instrument]\nsame_measure_as = "0"\n', 1)
    source.write_text(text)
    with pytest.raises(InstrumentError, match="same_measure_as"):
        load_instrument(path)
