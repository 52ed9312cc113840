"""A bare endpoint for ``bench/submit.py``: one INSERT, nothing else. Registered only when
``AMBASSADOR_BENCH_ENDPOINTS=1``; it never exists in a normal deployment."""

from __future__ import annotations

from flask import Blueprint

from survey.extensions import csrf, db
from survey.models import Response

blueprint = Blueprint("bench", __name__, url_prefix="/bench")


@blueprint.post("/insert/<int:campaign_id>")
@csrf.exempt
def insert(campaign_id: int):
    """Store one fixed response: the baseline a survey submission is measured against."""
    db.session.add(Response(campaign_id=campaign_id, language="en", segments={}, answers=bytes(28)))
    db.session.commit()
    return "", 204
