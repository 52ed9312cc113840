"""Files handed to the browser as downloads."""

from __future__ import annotations

from flask import Response


def download(content: str | bytes, mimetype: str, filename: str, *, private: bool = False):
    """``content`` as an attachment named ``filename``; ``private`` keeps it out of every cache."""
    headers = {"Content-Disposition": f"attachment; filename={filename}"}
    if private:
        headers["Cache-Control"] = "no-store"
    return Response(content, mimetype=mimetype, headers=headers)
