"""``ambassador benchmark export|import|publish``: exchange pool aggregates with other
installations, and publish the pool's next version."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from survey.cli.errors import InputError
from survey.extensions import db
from survey.services import exchange


@click.group("benchmark")
def benchmark_group() -> None:
    """Exchange benchmark aggregates with other installations; publish pool versions."""


@benchmark_group.command("export")
@click.argument("path", metavar="FILE.json", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--with-names", is_flag=True, help="Include organisation and round names.")
@with_appcontext
def benchmark_export(path: Path, with_names: bool) -> None:
    """Write the closed rounds' aggregates (no rows, no round below its minimum group size)."""
    if not path.parent.is_dir():
        raise InputError(f"{path}: the folder {path.parent} does not exist")
    document = exchange.export_pool(db.session, with_names=with_names)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    rounds = sum(len(pool["rounds"]) for pool in document["pools"])
    click.echo(f"Wrote {rounds} rounds to {path}")


@benchmark_group.command("import")
@click.argument("path", metavar="FILE.json", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def benchmark_import(path: Path) -> None:
    """Add another pool's rounds as external entries (all or nothing); publish the next pool
    version when it is due."""
    try:
        document = exchange.read_exchange_file(path)
        count = exchange.import_pool(db.session, document, source=path.name)
    except exchange.ExchangeError as exc:
        db.session.rollback()
        raise InputError(f"{path}: {exc}; nothing was imported") from None
    click.echo(f"Imported {count} external rounds from {path}")
    _publish()


@benchmark_group.command("publish")
@with_appcontext
def benchmark_publish() -> None:
    """Publish the next version of every pool whose members changed enough since the last."""
    _publish()


def _publish() -> None:
    from survey.services.lifecycle import publish_pools  # loads the statistics: only when run

    versions = publish_pools(db.session)
    for version in versions:
        click.echo(
            f"Published version {version.number} of the {version.instrument_id} "
            f"{version.instrument_version} pool ({len(version.members)} organisations)"
        )
    if not versions:
        click.echo("No pool version is due")
