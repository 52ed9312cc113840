"""How the commands report bad input: one clear message and exit code 2, nothing changed."""

from __future__ import annotations

from functools import wraps

import click

from survey.extensions import db
from survey.services.errors import InvalidInput


class InputError(click.ClickException):
    """Bad input from the user: one clear message, exit code 2."""

    exit_code = 2


def fail_on_invalid(func):
    """Turn the services' InvalidInput into a CLI error with exit code 2, after a rollback."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        from survey.jobs import QueueUnavailable

        try:
            return func(*args, **kwargs)
        except InvalidInput as exc:
            db.session.rollback()
            raise InputError(str(exc)) from None
        except QueueUnavailable as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def read_password(from_stdin: bool, prompt: str = "Password") -> str:
    """A password from standard input or a hidden prompt, never from an argument."""
    import sys

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True)
