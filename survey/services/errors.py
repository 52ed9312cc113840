"""Domain errors shared by the services; the web layer and the CLI map them to answers."""

from __future__ import annotations


class InvalidInput(ValueError):
    """Input a person typed that cannot be used; the message says why (HTTP 400, CLI exit 2)."""


class NotFound(LookupError):
    """Nothing by that id, or nothing this user may see (HTTP 404: nobody learns which exists)."""


class Forbidden(PermissionError):
    """Something the user may see but whose role does not allow this (HTTP 403)."""
