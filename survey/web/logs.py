"""Keep survey tokens out of every log line, whoever writes it (the dev server, gunicorn)."""

from __future__ import annotations

import logging
import re

_TOKEN_IN_PATH = re.compile(r"/s/[A-Za-z0-9_\-]+")


def redact(text: str) -> str:
    return _TOKEN_IN_PATH.sub("/s/…", text)


class RedactTokens(logging.Filter):
    """Rewrite ``/s/<token>`` to ``/s/…`` in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True
