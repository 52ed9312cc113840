"""The ``ambassador`` command line, one module per noun.

Commands that work on the database are registered on the app (so they also run as
``flask --app survey …``); ``score`` needs no database and belongs to the group itself. The CLI
builds the app without its pages, and each command imports the statistics it needs when it runs,
so that ``ambassador --help`` and the everyday commands start quickly.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from survey.cli.score import score


def _create_app():
    from survey import create_app

    return create_app(web=False)


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    set_debug_flag=False,
    load_dotenv=False,
)
@click.version_option(package_name="ambassador-scan")
def main() -> None:
    """Ambassador Scan: measure and improve an organisation's social media culture.

    The database commands work on DATABASE_URL (default: SQLite under instance/).
    """


def commands() -> list[click.Command]:
    """The commands that need the app and its database."""
    from survey.cli.benchmark import benchmark_group
    from survey.cli.campaigns import campaign_group, invite
    from survey.cli.database import db_group, serve
    from survey.cli.demo import demo
    from survey.cli.lifecycle import close_due, purge
    from survey.cli.organisations import org_group
    from survey.cli.participants import outbox, participants_group, remind, worker
    from survey.cli.reports import import_answers, report, validate
    from survey.cli.signin import (
        audit_group,
        org_second_factor,
        sso_group,
        user_second_factor_reset,
    )
    from survey.cli.users import user_group

    org_group.add_command(org_second_factor)
    user_group.add_command(user_second_factor_reset)
    return [
        db_group,
        serve,
        demo,
        org_group,
        user_group,
        campaign_group,
        invite,
        report,
        import_answers,
        validate,
        benchmark_group,
        purge,
        close_due,
        participants_group,
        remind,
        outbox,
        worker,
        sso_group,
        audit_group,
    ]


main.add_command(score)
