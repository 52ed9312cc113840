"""``ambassador score``: score a CSV of answers from any survey tool, without a database.

The statistics libraries are imported when the command runs, not when the CLI starts.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

import click

from survey.cli.errors import InputError
from survey.services.campaigns import DEFAULT_INSTRUMENT

if TYPE_CHECKING:
    from scoring.instrument import Instrument
    from scoring.scores import DimensionResult, ScoringResult

PROGRESS_MIN_BYTES = 20 * 1024 * 1024


@click.command("score")
@click.argument("csv_file", metavar="FILE.csv", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--instrument",
    "instrument_name",
    default=DEFAULT_INSTRUMENT,
    show_default=True,
    metavar="FILE.toml",
    help="Instrument file, or the name of a bundled instrument.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON contract instead of a table.")
@click.option(
    "--lang",
    type=click.Choice(["en", "nl"]),
    default="en",
    show_default=True,
    help="Language of the dimension names in the table.",
)
def score(csv_file: str, instrument_name: str, as_json: bool, lang: str) -> None:
    """Score a CSV of answers: one row per respondent, one column per item key."""
    from scoring.instrument import InstrumentError, load_instrument
    from scoring.scores import score_answers
    from survey.cli.answers_csv import AnswerFileError

    try:
        instrument = load_instrument(instrument_name)
    except InstrumentError as exc:
        raise InputError(str(exc)) from None
    try:
        points = _read_with_progress(csv_file, instrument)
    except AnswerFileError as exc:
        raise InputError(str(exc)) from None
    result = score_answers(points, instrument)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        click.echo(format_table(result, lang))


def _read_with_progress(path: str, instrument: Instrument):
    from survey.cli.answers_csv import read_answers_csv

    size = os.path.getsize(path) if os.path.isfile(path) else 0
    if not (sys.stderr.isatty() and size >= PROGRESS_MIN_BYTES):
        return read_answers_csv(path, instrument)
    with click.progressbar(length=size, label="Reading answers", file=sys.stderr) as bar:
        done = 0

        def advance(position: int) -> None:
            nonlocal done
            bar.update(position - done)
            done = position

        return read_answers_csv(path, instrument, progress=advance)


def format_table(result: ScoringResult, lang: str = "en") -> str:
    """The readable table ``ambassador score`` prints."""
    from scoring.scores import LEVEL_NAMES, MIN_INTERVAL_N

    instrument = result.instrument
    names = {dim.key: dim.name.get(lang, dim.key) for dim in instrument.dimensions}
    names["outcome"] = "Advocacy (outcome)" if lang == "en" else "Ambassadeurschap (uitkomst)"
    width = max(len(name) for name in names.values()) + 2
    lines = [
        f"{instrument.name.get(lang, instrument.id)} ({instrument.id} v{instrument.version}) · "
        f"{result.n_respondents:,} respondents",
        "",
        f"{'Principle':<{width}}{'n':>9}  {'Score':>5}  {'95% CI':<13} "
        f"{'Fav':>4} {'Neu':>4} {'Unf':>4}  {'Alpha':>5}  Level",
    ]
    lines += [_row(names[dim.key], dim, width) for dim in result.dimensions]
    overall = result.overall
    level = f"{overall.level} {LEVEL_NAMES[overall.level]}" if overall.level else "–"
    score = "–" if overall.level is None else f"{overall.statistic:5.1f}"
    lines.append(f"{'Overall':<{width}}{'':>9}  {score:>5}  {'':<13} {'':>14}  {'':>5}  {level}")
    if result.outcome is not None:
        lines += ["", _row(names["outcome"], result.outcome, width)]
    if any(0 < dim.n < MIN_INTERVAL_N for dim in result.dimensions):
        lines += ["", f"No interval is given for fewer than {MIN_INTERVAL_N} scored respondents."]
    return "\n".join(lines)


def _row(name: str, dim: DimensionResult, width: int) -> str:
    from scoring.scores import LEVEL_NAMES

    def pct(share: float) -> str:
        return "  –" if share != share else f"{share:4.0%}"

    low, high = dim.confidence_interval()
    ci = ("n too small" if 0 < dim.n else "–") if low != low else f"{low:.1f}–{high:.1f}"
    score = "–" if dim.n == 0 else f"{dim.statistic:5.1f}"
    alpha = dim.alpha.statistic if dim.alpha is not None else float("nan")
    alpha_text = "–" if alpha != alpha else f"{alpha:.2f}"
    level = f"{dim.level} {LEVEL_NAMES[dim.level]}" if dim.level else "–"
    return (
        f"{name:<{width}}{dim.n:>9,}  {score:>5}  {ci:<13} "
        f"{pct(dim.favourable)} {pct(dim.neutral)} {pct(dim.unfavourable)}"
        f"  {alpha_text:>5}  {level}"
    )
