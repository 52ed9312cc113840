"""The participant-list readers on hostile files: whatever the bytes, they return a checked list or
raise :class:`ParticipantFileError` — never another exception (a 500 on the upload page)."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.models import Campaign
from survey.services import participants
from survey.services.campaigns import parse_segment

HEADER = "email,language,department,team\n"


@pytest.fixture(scope="module")
def campaign() -> Campaign:
    """A round as the readers see it: its languages and questions (no database needed)."""
    return Campaign(
        languages=["en", "nl"],
        segments=[parse_segment("department:Department|Afdeling=Sales|Verkoop,IT")],
        min_group_size=3,
    )


def read(content: bytes, campaign: Campaign, name: str = "list.csv"):
    """The reader's answer: a checked list, or the module's own error — anything else fails."""
    try:
        return participants.read_participant_file(content, name, campaign)
    except participants.ParticipantFileError as exc:
        assert "nothing was imported" in str(exc)
        return exc


def xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite_sheet(content: bytes, change) -> bytes:
    """The workbook with its first sheet's XML passed through ``change`` (as a broken exporter,
    or an attacker, may write it)."""
    source, target = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode()).encode()
            out.writestr(item, data)
    return target.getvalue()


INLINE_A2 = '<c r="A2" t="inlineStr"><is><t>a@acme.example</t></is></c>'
SHARED_A2 = '<c r="A2" t="s"><v>99999</v></c>'


def test_a_field_over_the_csv_limit_is_a_problem_of_its_line(campaign):
    content = (HEADER + "a@acme.example,en,Sales,\n" + '"' + "x" * 140_000 + '",en,IT,\n').encode()
    error = read(content, campaign)
    assert isinstance(error, participants.ParticipantFileError)
    assert "line 3" in str(error) and "too long" in str(error)


def test_an_xlsx_cell_holding_nan_is_a_problem_not_a_crash(campaign):
    content = xlsx([["email", "language"], ["a@acme.example", 1.5]])
    broken = rewrite_sheet(content, lambda xml: xml.replace("<v>1.5</v>", "<v>NaN</v>"))
    error = read(broken, campaign, "list.xlsx")
    assert isinstance(error, participants.ParticipantFileError)
    assert "not a readable XLSX file" in str(error)


def test_an_xlsx_shared_string_out_of_range_is_a_problem_not_a_crash(campaign):
    content = xlsx([["email", "language"], ["a@acme.example", "en"]])
    # row 2's address becomes a shared string far past the workbook's table of strings
    broken = rewrite_sheet(content, lambda xml: xml.replace(INLINE_A2, SHARED_A2))
    assert broken != content
    error = read(broken, campaign, "list.xlsx")
    assert isinstance(error, participants.ParticipantFileError)
    assert "not a readable XLSX file" in str(error)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(campaign, content):
    read(content, campaign)


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_that_look_like_a_zip(campaign, content):
    read(b"PK\x03\x04" + content, campaign, "list.xlsx")


cells = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["a@acme.example", "A@ACME.example", "en", "nl", "Sales", "Verkoop", "IT", "a/b/c", "//"]
    ),
    st.sampled_from(['"', '""', "\r", "\n", ";", "\t", "\ufeff", "\x00", "=1+1", "\u2028"]),
)


@FUZZ
@given(
    st.lists(st.lists(cells, max_size=6), max_size=12),
    st.sampled_from([",", ";", "\t"]),
    st.booleans(),
)
def test_random_csv_text(campaign, rows, delimiter, with_header):
    lines = [delimiter.join(row) for row in rows]
    text = (HEADER.replace(",", delimiter) if with_header else "") + "\n".join(lines)
    read(text.encode("utf-8", "surrogatepass"), campaign)


odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    # openpyxl refuses control characters when writing
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40),
    st.datetimes(),
    st.dates(),
    st.sampled_from(["a@acme.example", "nl", "Sales", "IT", "=A1", "#N/A", "Care/Ward 3"]),
)


@FUZZ
@given(st.lists(st.lists(odd_values, max_size=6), max_size=10), st.booleans())
def test_random_xlsx_with_odd_cells(campaign, rows, with_header):
    header = [["email", "language", "department"]] if with_header else []
    read(xlsx(header + rows), campaign, "list.xlsx")


@FUZZ
@given(
    st.lists(st.lists(odd_values, max_size=5), max_size=8),
    st.sampled_from(["NaN", "inf", "-inf", "1e999", "x", "", "99999999999999999999999"]),
)
def test_random_xlsx_from_xlsxwriter_with_broken_numbers(campaign, rows, number):
    """XlsxWriter writes the workbook; a number cell's text is then replaced by one no reader
    expects."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["email", "language", "department"])
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            sheet.write(r, c, str(value) if not isinstance(value, int | float) else value)
    sheet.write_number(len(rows) + 1, 0, 12345)
    workbook.close()
    broken = rewrite_sheet(
        buffer.getvalue(), lambda xml: xml.replace("<v>12345</v>", f"<v>{number}</v>")
    )
    read(broken, campaign, "list.xlsx")
