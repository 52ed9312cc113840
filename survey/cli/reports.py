"""``ambassador report``: a round's maturity report as PDF, HTML or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from survey.cli.errors import InputError, fail_on_invalid
from survey.extensions import db
from survey.services import campaigns


@click.command("report")
@click.argument("campaign_id", type=int)
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--lang", type=click.Choice(["en", "nl"]), default="en", show_default=True)
@with_appcontext
@fail_on_invalid
def report(campaign_id: int, pdf_path, html_path, as_json: bool, lang: str) -> None:
    """Write a campaign's maturity report as PDF or HTML, or print it as JSON."""
    from reports.render import render_body, render_document, render_pdf
    from survey.services.report_files import report_page

    if sum(bool(x) for x in (pdf_path, html_path, as_json)) != 1:
        raise InputError("choose one of --pdf FILE, --html FILE or --json")
    target = pdf_path or html_path
    if target is not None and not target.parent.is_dir():
        raise InputError(f"{target}: the folder {target.parent} does not exist")
    campaign = campaigns.campaign_by_id(db.session, campaign_id)
    # the release the page shows (a closed round's kept one), under the app's settings
    built, labels, _body = report_page(
        db.session, campaign, lang, current_app.config["COMMENT_MIN_GROUP_SIZE"], render_body
    )
    if as_json:
        click.echo(json.dumps(built.to_dict(), ensure_ascii=False, indent=2))
        return
    from survey.services.actions import plan_rows

    if pdf_path:
        plan = plan_rows(db.session, campaign.id)
        content = render_pdf(built, labels, closed_on=campaign.closed_on, plan=plan)
    else:
        content = render_document(built, labels).encode()
    target.write_bytes(content)
    click.echo(f"Wrote {target}")


@click.command("import")
@click.argument("campaign_id", type=int)
@click.argument("csv_file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
@fail_on_invalid
def import_answers(campaign_id: int, csv_file: Path) -> None:
    """Bring answers collected elsewhere into a new draft round (the `score` CSV format, plus a
    column per segment question) and close it; all rows or none."""
    from survey.cli.answers_csv import AnswerFileError, read_answers_csv
    from survey.services import imports

    campaign = campaigns.campaign_by_id(db.session, campaign_id)
    instrument = campaigns.campaign_instrument(campaign)
    try:
        points = read_answers_csv(csv_file, instrument)
    except AnswerFileError as exc:
        raise InputError(f"{exc}; nothing was imported") from None
    segments = imports.read_segment_columns(csv_file, campaign, points.shape[0])
    count = imports.import_answers(db.session, campaign, instrument, points, segments)
    click.echo(
        f"Imported {count:,} responses into campaign {campaign.id} ({campaign.name}) and closed "
        "it; its report says the answers were imported"
    )


@click.command("validate")
@click.argument("campaign_ids", type=int, nargs=-1, required=True)
@with_appcontext
@fail_on_invalid
def validate(campaign_ids: tuple[int, ...]) -> None:
    """Check the instrument's factor structure on the pooled answers of closed rounds (CFA),
    overall and per language."""
    from scoring.structure import CUTOFFS, MIN_RESPONDENTS
    from survey.services.validation import validate as check

    try:
        import semopy  # noqa: F401
    except ImportError:
        raise click.ClickException(
            "the instrument check needs semopy: pip install 'ambassador-scan[validate]'"
        ) from None

    rounds = [campaigns.campaign_by_id(db.session, i) for i in campaign_ids]
    result = check(db.session, rounds)
    click.echo(f"{result.instrument}, {result.rounds} round(s)")
    click.echo(
        "maximum likelihood on the answers as numbers; the cut-offs were made for continuous "
        "data (README, 'Ordered answers')"
    )
    for label, fit in [("all respondents", result.overall)] + [
        (f"language {lang}", fit) for lang, fit in result.languages.items()
    ]:
        if label.removeprefix("language ") in result.withheld:
            click.echo(
                f"{label}: not shown: with the other figures its number of complete answers "
                "would single out fewer than the minimum group size"
            )
            continue
        if fit is None:
            click.echo(f"{label}: fewer than {MIN_RESPONDENTS} complete answers, not checked")
            continue
        verdict = "fits well" if fit.good else "does not fit well"
        click.echo(
            f"{label} (n = {fit.n:,}): CFI {fit.cfi:.3f} (≥ {CUTOFFS['cfi']}), TLI {fit.tli:.3f} "
            f"(≥ {CUTOFFS['tli']}), RMSEA {fit.rmsea:.3f} (≤ {CUTOFFS['rmsea']}), SRMR "
            f"{fit.srmr:.3f} (≤ {CUTOFFS['srmr']}): the five-principle structure {verdict}"
        )
        for key in fit.weak:
            click.echo(
                f"  statement {key} measures its principle weakly (loading {fit.loadings[key]:.2f})"
            )
    fitted = [fit for fit in result.languages.values() if fit is not None]
    if len(fitted) > 1:
        same = all(fit.good for fit in fitted)
        click.echo(
            "The same structure holds in every language (configural invariance)."
            if same
            else "The structure does not hold equally well in every language."
        )
    _echo_invariance(result)


def _echo_invariance(result) -> None:
    from scoring.invariance import DELTA_CFI

    check = result.invariance
    if check is None:
        click.echo(
            "Languages not compared: measurement invariance needs two languages with "
            "enough complete answers each"
        )
        return
    click.echo(f"Languages {' and '.join(result.compared)} compared (ΔCFI ≤ {DELTA_CFI}):")
    configural, metric, scalar = check.steps
    click.echo(
        f"  configural: CFI {configural.cfi:.3f}, χ² {configural.chisq:.1f}, df {configural.df}"
    )
    for step in (metric, scalar):
        state = "holds" if check.holds_at(step.level) else "does not hold"
        click.echo(
            f"  {step.level}: CFI {step.cfi:.3f}, χ² {step.chisq:.1f}, df {step.df}, "
            f"ΔCFI {check.delta_cfi(step.level):.3f}: {state}"
        )
    if check.holds:
        click.echo("The language versions measure the same thing: scores can be compared.")
    for key in result.named(check.differing_loadings):
        click.echo(f"Statement {key} weighs differently in the language versions (its loading).")
    for key in result.named(check.differing_intercepts):
        click.echo(
            f"Statement {key} is answered differently at the same level of the principle in the "
            "language versions (its intercept): compare its principle's means with care."
        )
