"""Benchmark: the consultant's portfolio of 200 organisations, against one SELECT of their kept
aggregates, on SQLite and PostgreSQL.

Each organisation has two closed rounds whose aggregates were kept at closing (as
``store_aggregate`` keeps them), in one pool. The run times, best of five, (a) building the
portfolio as its page does (``survey.services.portfolio.portfolio``: latest round, figures,
percentile in the published pool, change since the round before) and (b) one plain SELECT of
the 400 kept aggregates. Target: (a) ≤ 3 × (b) (``portfolio_ratio``). The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

sys.path.append(str(Path(__file__).resolve().parent.parent / "deploy"))
import numpy as np  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from harness import best_of, on_both_databases  # noqa: E402

PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ORGANISATIONS = 200
TARGET = 3.0



def store_world(session):
    """200 organisations, each with two closed rounds and their kept aggregates."""
    from scoring.instrument import load_instrument
    from survey.models import Campaign, Organisation, RoundAggregate

    instrument = load_instrument()
    rng = np.random.default_rng(3)
    organisations = [
        Organisation(slug=f"org-{i}-{secrets.token_hex(2)}", name=f"Organisation {i}",
                     sector=("Care", "Retail", "Public")[i % 3], size_band="250-999")
        for i in range(ORGANISATIONS)
    ]
    session.add_all(organisations)
    session.flush()
    for organisation in organisations:
        for number in range(2):
            campaign = Campaign(
                organisation_id=organisation.id, name=f"Round {number + 1}",
                instrument_id=instrument.id, instrument_version=instrument.version,
                status="closed", segments=[], languages=["en", "nl"],
            )
            session.add(campaign)
            session.flush()
            n = int(rng.integers(40, 400))
            dimensions = {
                dim.key: {"n": n, "mean": float(rng.uniform(30, 80)), "sd": 15.0, "bins": []}
                for dim in instrument.dimensions
            }
            session.add(RoundAggregate(
                campaign_id=campaign.id, sector=organisation.sector, size_band="250-999",
                instrument_id=instrument.id, instrument_version=instrument.version, n=n,
                dimensions=dimensions,
            ))
    session.commit()
    return organisations


def bench(db_name: str, url: str, repeats: int) -> dict:
    from survey import create_app, schema
    from survey.extensions import db
    from survey.models import Organisation, RoundAggregate
    from survey.services.lifecycle import publish_pools
    from survey.services.portfolio import portfolio

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        schema.upgrade()
        organisations = store_world(db.session)
        publish_pools(db.session)  # the pool's first version
        rows = portfolio(db.session, organisations)
        assert sum(row.shown for row in rows) == ORGANISATIONS

        def build():
            db.session.expire_all()  # as a new request: the organisations loaded by one query
            portfolio(db.session, db.session.scalars(sa.select(Organisation)).all())

        def select():
            db.session.expire_all()
            db.session.execute(sa.select(RoundAggregate)).all()

        build_s = best_of(repeats, build)
        select_s = best_of(repeats, select)
        db.engine.dispose()
    ratio = build_s / select_s
    print(
        f"{db_name:<10} portfolio of {ORGANISATIONS}: {build_s * 1e3:.1f} ms, SELECT of their "
        f"aggregates {select_s * 1e3:.1f} ms: {ratio:.2f} (target ≤ {TARGET})"
    )
    return {"db": db_name, "build_s": round(build_s, 4), "select_s": round(select_s, 4),
            "ratio": round(ratio, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "bench")
    results = on_both_databases(bench, args.repeats, url=PG_URL)
    worst = max(r["ratio"] for r in results)
    print(json.dumps({"results": results, "portfolio_ratio": worst, "target": TARGET}))


if __name__ == "__main__":
    main()
