"""The app ``bench/submit.py`` serves: the real app plus one bare endpoint (one INSERT, nothing
else) that a survey submission is measured against. It never exists in an installed app.

gunicorn serves it as ``bench.app:create_bench_app()`` from the checkout's root.
"""

from __future__ import annotations

from flask import Blueprint

from survey import create_app
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


def create_bench_app():
    app = create_app()
    app.register_blueprint(blueprint)
    return app
