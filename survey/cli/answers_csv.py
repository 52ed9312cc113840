"""Read a CSV of survey answers (one row per respondent, one column per item) into a points matrix.

Files come from other survey tools and from spreadsheets, so the reader is forgiving where it can be
(comma, semicolon or tab; a UTF-8 byte-order mark; blank or NA for a missing answer; outcome columns
may be absent) and exact where it must be: any other problem is an :class:`AnswerFileError` naming
the line and column. Large files are parsed in chunks by pandas' C parser, so a million rows need no
more memory than the int8 matrix they end up in.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from scoring.instrument import Instrument
from scoring.scores import InvalidAnswer, encode_answers

__all__ = ["AnswerFileError", "read_answers_csv"]

CHUNK_ROWS = 200_000
_SNIFF_BYTES = 64 * 1024


class AnswerFileError(ValueError):
    """A CSV of answers that cannot be scored; the message names the file, line and column."""


def read_answers_csv(
    path: str | Path,
    instrument: Instrument,
    *,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Return the int8 points matrix (respondents × ``instrument.item_keys``) of a CSV file.

    ``progress`` is called with the number of bytes read so far after every chunk.
    """
    path = Path(path)
    if not path.exists():
        raise AnswerFileError(f"{path}: no such file")
    if not path.is_file():
        raise AnswerFileError(f"{path}: not a file")
    header, delimiter = _read_header(path)
    _check_item_columns(path, header, instrument)
    points = []
    rows_done = 0
    with path.open("rb") as fh:
        try:
            reader = pd.read_csv(
                fh,
                sep=delimiter,
                encoding="utf-8-sig",
                skipinitialspace=True,
                chunksize=CHUNK_ROWS,
                engine="c",
            )
            for chunk in reader:
                chunk.columns = [str(c).strip() for c in chunk.columns]
                points.append(_encode_chunk(path, chunk, instrument, rows_done))
                rows_done += len(chunk)
                if progress is not None:
                    progress(fh.tell())
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            if isinstance(exc, AnswerFileError):
                raise
            raise AnswerFileError(f"{path}: not a readable CSV file: {exc}") from None
    if not rows_done:
        raise AnswerFileError(f"{path}: the file has a header but no answers")
    matrix = points[0] if len(points) == 1 else np.concatenate(points)
    return np.asfortranarray(matrix)


def _read_header(path: Path) -> tuple[list[str], str]:
    with path.open("rb") as fh:
        sample = fh.read(_SNIFF_BYTES)
    if not sample.strip():
        raise AnswerFileError(f"{path}: the file is empty")
    if b"\x00" in sample:
        raise AnswerFileError(f"{path}: not a CSV file (it contains binary data)")
    try:
        text = sample.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # not just a character cut in half at the end of a sample shorter than the file
        if exc.start < len(sample) - 4 or len(sample) < _SNIFF_BYTES:
            raise AnswerFileError(
                f"{path}: not a UTF-8 text file (byte {exc.start}); save it as 'CSV UTF-8'"
            ) from None
        text = sample[: exc.start].decode("utf-8-sig")
    if not text.strip():
        raise AnswerFileError(f"{path}: the file is empty")
    first_line = text.splitlines()[0]
    # Spreadsheets in Dutch (and many other) locales write semicolons: pick the separator that
    # splits the header into the most columns.
    delimiter = max(",;\t", key=first_line.count)
    header = [name.strip() for name in next(csv.reader([first_line], delimiter=delimiter))]
    return header, delimiter


def _check_item_columns(path: Path, header: list[str], instrument: Instrument) -> None:
    duplicates = sorted({name for name in header if header.count(name) > 1 and name})
    if duplicates:
        raise AnswerFileError(f"{path}: line 1: column {duplicates[0]!r} appears more than once")
    dimension_items = [item.key for dim in instrument.dimensions for item in dim.items]
    missing = [key for key in dimension_items if key not in header]
    if missing:
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        found = "none of them" if len(missing) == len(dimension_items) else f"missing: {shown}"
        raise AnswerFileError(
            f"{path}: line 1: column {missing[0]!r} is missing; instrument "
            f"{instrument.id} v{instrument.version} needs a column per item ({found})"
        )


def _encode_chunk(path: Path, chunk: pd.DataFrame, instrument: Instrument, first_row: int):
    values = np.full((len(chunk), len(instrument.item_keys)), np.nan)
    for col, key in enumerate(instrument.item_keys):
        if key not in chunk.columns:
            continue  # an outcome item the file does not have: missing for everyone
        column = chunk[key]
        if not (pd.api.types.is_float_dtype(column) or pd.api.types.is_integer_dtype(column)):
            column = _numeric_column(path, column, key, first_row)
        values[:, col] = column.to_numpy(dtype=np.float64, na_value=np.nan)
    try:
        return encode_answers(values, instrument, row_offset=first_row)
    except InvalidAnswer as exc:
        raise AnswerFileError(
            f"{path}: line {exc.row + 2}, column {exc.column!r}: {exc.reason}"
        ) from None


def _numeric_column(path: Path, column: pd.Series, key: str, first_row: int) -> pd.Series:
    text = column.astype("string").str.strip()
    numbers = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    bad = text.notna() & (text != "") & numbers.isna()
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise AnswerFileError(
            f"{path}: line {first_row + position + 2}, column {key!r}: "
            f"{text.iloc[position]!r} is not a number"
        )
    return numbers
