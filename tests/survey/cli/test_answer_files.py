"""The readers of ``ambassador import`` and ``score`` on hostile files: whatever the bytes, they
return answers or raise their own error (exit code 2) — never another exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.instrument import load_instrument
from survey.cli.answers_csv import AnswerFileError, read_answers_csv
from survey.models import Campaign
from survey.services.campaigns import parse_segment
from survey.services.errors import InvalidInput
from survey.services.imports import read_segment_columns

INSTRUMENT = load_instrument("social-culture-v1")
CAMPAIGN = Campaign(segments=[parse_segment("department:Department|Afdeling=Sales,Care|Zorg")])
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


def read_both(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "answers.csv"
        path.write_bytes(content)
        try:
            points = read_answers_csv(path, INSTRUMENT)
        except AnswerFileError:
            return
        try:
            read_segment_columns(path, CAMPAIGN, points.shape[0])
        except InvalidInput:
            pass


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes(content):
    read_both(content)


cells = st.one_of(
    st.sampled_from(["1", "5", "3", "", "NA", "3,5", "Sales", "Zorg", '"', "\r", "\x00", "1e9"]),
    st.text(max_size=12),
)


@FUZZ
@given(
    st.lists(st.lists(cells, min_size=1, max_size=30), max_size=8),
    st.sampled_from([",", ";", "\t"]),
)
def test_random_csv_under_a_valid_header(rows, delimiter):
    header = delimiter.join([*INSTRUMENT.item_keys, "department"])
    text = "\n".join([header, *(delimiter.join(row) for row in rows)])
    read_both(text.encode("utf-8", "surrogatepass"))
