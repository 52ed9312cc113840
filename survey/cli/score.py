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
    """The readable table ``ambassador score`` prints: a figure a report would not give is a
    dash, with the reason below the table."""
    from scoring.reliability import RELIABILITY_MIN_N
    from scoring.scores import LEVEL_NAMES, MIN_INTERVAL_N, SAME_ANSWERS

    instrument = result.instrument
    names = {dim.key: dim.name.get(lang, dim.key) for dim in instrument.dimensions}
    names["outcome"] = "Advocacy (outcome)" if lang == "en" else "Ambassadeurschap (uitkomst)"
    width = max(len(name) for name in names.values()) + 2
    lines = [
        f"{instrument.name.get(lang, instrument.id)} ({instrument.id} v{instrument.version}) · "
        f"{result.n_respondents:,} respondents",
        "",
        f"{'Principle':<{width}}{'n':>9}  {'Score':>5}  {'95% CI':<13} "
        f"{'Fav':>4} {'Neu':>4} {'Unf':>4} {'DK':>4}  {'Alpha':>5} {'on n':>7}  Level",
    ]
    lines += [_row(names[dim.key], dim, width) for dim in result.dimensions]
    overall = result.to_dict()["overall"]
    level = f"{overall['level']} {LEVEL_NAMES[overall['level']]}" if overall["level"] else "–"
    score = "–" if overall["score"] is None else f"{overall['score']:5.1f}"
    lines.append(
        f"{'Overall':<{width}}{'':>9}  {score:>5}  {'':<13} {'':>19}  {'':>13}  {level}"
    )
    groups = [*result.dimensions, *([result.outcome] if result.outcome is not None else [])]
    if result.outcome is not None:
        lines += ["", _row(names["outcome"], result.outcome, width)]
    notes = [
        "",
        "DK: share of \"don't know\". Alpha rests on the people who answered every statement "
        "(\"on n\"); the others are left out.",
    ]
    if any("level" in dim.withheld() for dim in groups):
        notes.append(
            f"No interval and no level for fewer than {MIN_INTERVAL_N} scored respondents."
        )
    same = [names[dim.key] for dim in groups if dim.withheld().get("ci95") == SAME_ANSWERS]
    if same:
        notes.append(f"No interval where everyone gave the same answers: {', '.join(same)}.")
    if any("alpha" in dim.withheld() and "fewer" in dim.withheld()["alpha"] for dim in groups):
        notes.append(
            f"No alpha from fewer than {RELIABILITY_MIN_N} people who answered every statement."
        )
    flat = [names[dim.key] for dim in groups if "same total" in dim.withheld().get("alpha", "")]
    if flat:
        notes.append(f"No alpha where those answering every statement agree: {', '.join(flat)}.")
    return "\n".join(lines + notes)


def _row(name: str, dim: DimensionResult, width: int) -> str:
    from scoring.scores import LEVEL_NAMES, SAME_ANSWERS

    def pct(share: float) -> str:
        return "  –" if share != share else f"{share:4.0%}"

    withheld = dim.withheld()
    low, high = dim.confidence_interval()
    if "ci95" in withheld:
        ci = "no spread" if withheld["ci95"] == SAME_ANSWERS else "n too small"
    else:
        ci = "–" if low != low else f"{low:.1f}–{high:.1f}"
    score = "–" if dim.n == 0 else f"{dim.statistic:5.1f}"
    shown = dim.alpha is not None and dim.n and "alpha" not in withheld
    alpha_text = f"{dim.alpha.statistic:.2f}" if shown else "–"
    alpha_n = f"{dim.alpha.n:,}" if dim.alpha is not None and dim.n else "–"
    level = "–"
    if dim.level and "level" not in withheld:
        level = f"{dim.level} {LEVEL_NAMES[dim.level]}"
    return (
        f"{name:<{width}}{dim.n:>9,}  {score:>5}  {ci:<13} "
        f"{pct(dim.favourable)} {pct(dim.neutral)} {pct(dim.unfavourable)} {pct(dim.dont_know)}"
        f"  {alpha_text:>5} {alpha_n:>7}  {level}"
    )
