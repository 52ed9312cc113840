"""Files handed to the browser as downloads."""

from __future__ import annotations

from flask import Response


def download(content: str | bytes, mimetype: str, filename: str):
    """``content`` as an attachment named ``filename`` (which no cache keeps: see
    :func:`survey.web.hooks.kept_from_caches`)."""
    headers = {"Content-Disposition": f"attachment; filename={filename}"}
    return Response(content, mimetype=mimetype, headers=headers)
