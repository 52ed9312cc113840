"""Benchmark: importing a participant list of 100,000 people, against a plain bulk INSERT of the
same rows, on SQLite and PostgreSQL.

The list has a department, a role level and a team path per person (so the coarsening and the
team tree do their work). The run times (a) checking the file as the preview does
(``read_participant_file``), (b) the import as HR's *Import* button runs it
(``import_participants``: the coarsening, the teams, the custody step, the insert, the commit)
and (c) one ``INSERT`` executemany of the same 100,000 rows into another round. The import must
finish well within a proxy's 60-second timeout: target (b) ≤ 20 s; the ratio (b) / (c) is
printed with it. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

sys.path.append(str(Path(__file__).resolve().parent.parent / "deploy"))
import sqlalchemy as sa  # noqa: E402
from harness import on_both_databases  # noqa: E402

PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PEOPLE = 100_000
TARGET_S = 20.0
DEPARTMENTS = ("Sales", "IT", "Care", "Finance")
TEAMS = ("North", "South", "East", "West")


def participant_list(people: int) -> bytes:
    lines = ["email,language,department,role_level,team"]
    for i in range(people):
        department = DEPARTMENTS[i % len(DEPARTMENTS)]
        team = f"{department}/{TEAMS[(i // 4) % len(TEAMS)]}/Unit {i % 37}"
        role = "Manager" if i % 11 == 0 else "Employee"
        lines.append(f"person{i}@example.org,{'nl' if i % 3 else 'en'},{department},{role},{team}")
    return ("\n".join(lines) + "\n").encode()


def bench(db_name: str, url: str, people: int) -> dict:
    from survey import create_app, schema
    from survey.extensions import db
    from survey.models import Participant
    from survey.services import participants
    from survey.services.campaigns import add_organisation, create_campaign, parse_segment

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    content = participant_list(people)
    with app.app_context():
        schema.upgrade()
        organisation = add_organisation(db.session, "bench", "Bench")
        rounds = [
            create_campaign(
                db.session,
                organisation,
                name,
                segments=(
                    parse_segment("department=" + ",".join(DEPARTMENTS)),
                    parse_segment("role_level=Employee,Manager"),
                ),
            )
            for name in ("Imported", "Plain INSERT")
        ]
        campaign_id, plain_id = (r.id for r in rounds)

        start = time.perf_counter()
        checked = participants.read_participant_file(content, "list.csv", rounds[0])
        check_s = time.perf_counter() - start

        start = time.perf_counter()
        ids = participants.import_participants(db.session, rounds[0], checked)
        import_s = time.perf_counter() - start
        assert len(ids) == people

        rows = [
            {
                "campaign_id": plain_id,
                "email": row.email,
                "mailbox": row.email,
                "language": row.language,
                "attributes": row.attributes,
                "added_after_open": False,
                "answered": False,
                "state": "waiting",
                "mails_sent": 0,
                "failures": 0,
            }
            for row in checked.rows
        ]
        start = time.perf_counter()
        db.session.execute(sa.insert(Participant.__table__), rows)
        db.session.commit()
        insert_s = time.perf_counter() - start
        stored = db.session.scalar(
            sa.select(sa.func.count()).where(Participant.campaign_id == campaign_id)
        )
        assert stored == people
        db.session.remove()
        db.engine.dispose()
    ratio = import_s / insert_s
    print(
        f"{db_name:<10} {people:,} participants: check {check_s:.1f} s, import {import_s:.1f} s "
        f"(target ≤ {TARGET_S:.0f} s), plain INSERT {insert_s:.1f} s: {ratio:.1f}×"
    )
    return {
        "db": db_name,
        "people": people,
        "check_s": round(check_s, 2),
        "import_s": round(import_s, 2),
        "insert_s": round(insert_s, 2),
        "ratio": round(ratio, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=PEOPLE)
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "bench")
    results = on_both_databases(bench, args.people, url=PG_URL)
    slowest = max(r["import_s"] for r in results)
    print(
        json.dumps(
            {
                "results": results,
                "import_s": slowest,
                "import_ratio": max(r["ratio"] for r in results),
                "target_s": TARGET_S,
                "within_target": slowest <= TARGET_S,
            }
        )
    )


if __name__ == "__main__":
    main()
