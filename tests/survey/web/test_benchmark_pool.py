"""The benchmark pool by view, attacked through the consultant's real benchmark page: pool
versions, the views they offer, the marks' rule, and reads that never write.

The attacker is a consultant who reads the page for every filter after every round that closes,
and knows which organisation closed when. Comparing two versions of one view that differ by one
or two organisations would narrow their means down to the gap between two marks.
"""

from __future__ import annotations

import re
from itertools import combinations

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from reports.numbers import number
from scoring.benchmark import pool_spread
from scoring.shrinkage import shrunken_means
from survey.models import Campaign, Organisation, PoolVersion, RoundAggregate
from survey.policy import POOL_MIN_ORGANISATIONS
from survey.services import pool
from survey.services.campaigns import (
    DEFAULT_INSTRUMENT,
    add_organisation,
    campaign_instrument,
    create_campaign,
    instrument_named,
)
from survey.services.exchange import export_pool, import_pool
from survey.services.lifecycle import publish_pools, set_status
from survey.services.users import add_user

from ..conftest import PASSWORD, AuthActions, fill_round

CARE, SHOP = "Healthcare", "Retail"
LARGE, MID = "1000+", "50-249"
SIZES = (LARGE, MID, "1-49")  # one band nobody is in
# the first organisations, then the six whose rounds close later: sector and size band each
# change by three, Healthcare × 1000+ by one (care6)
FIRST = [(f"care{i}", CARE, LARGE) for i in range(1, 6)] + [
    (f"shop{i}", SHOP, MID) for i in range(1, 5)
]
LATER = [
    ("care6", CARE, LARGE),
    ("care7", CARE, MID),
    ("care8", CARE, MID),
    ("shop5", SHOP, LARGE),
    ("shop6", SHOP, LARGE),
    ("shop7", SHOP, MID),
]
WITHHELD = "This view is not shown in this pool version"
ROW = re.compile(r'<tr><th scope="row">([^<]+)</th>' + r"<td>([^<]+)</td>" * 5 + "</tr>")


def close_round(session, slug: str, sector: str, size_band: str, seed: int):
    """An organisation whose one round of six respondents closes (and publishes when due)."""
    organisation = add_organisation(session, slug, slug.title(), sector=sector, size_band=size_band)
    campaign = create_campaign(session, organisation, "2026", status="open")
    answers = np.random.default_rng(seed).integers(1, 6, size=(6, 40))
    fill_round(session, campaign, 6, answer=lambda i, j: int(answers[i, j]))
    set_status(session, campaign, "closed")
    return organisation


def views() -> list[dict]:
    """Every choice of the page's filters (sector, size band, both, neither)."""
    return [
        {k: v for k, v in (("sector", s), ("size_band", b)) if v}
        for s in (None, CARE, SHOP)
        for b in (None, *SIZES)
    ]


def seen(client, view: dict) -> tuple[str, ...] | None:
    """What the page shows of a view: its marks table as text, None when withheld, () when it
    shows no marks."""
    page = client.get("/benchmark", query_string=view).get_data(as_text=True)
    if WITHHELD in page:
        assert "<table" not in page and "The pool holds" not in page
        return None
    return tuple(cell for row in ROW.findall(page) for cell in row)


def kept(session):
    """Each organisation's kept aggregate with its organisation, by aggregate id."""
    rows = session.execute(
        sa.select(RoundAggregate, Organisation)
        .join(Campaign, Campaign.id == RoundAggregate.campaign_id)
        .join(Organisation, Organisation.id == Campaign.organisation_id)
    )
    return {aggregate.id: (aggregate, organisation) for aggregate, organisation in rows}


def shown_members(session, view: dict) -> frozenset[str]:
    """The organisations (slugs) the latest published version holds in a view, by what the test
    itself knows of their sector and size band."""
    version = session.scalar(sa.select(PoolVersion).order_by(PoolVersion.number.desc()).limit(1))
    aggregates = kept(session)
    organisations = [aggregates[aggregate][1] for _owner, aggregate, _labels in version.members]
    return frozenset(
        o.slug
        for o in organisations
        if view.get("sector") in (None, o.sector) and view.get("size_band") in (None, o.size_band)
    )


def expected_table(session, slugs: frozenset[str]) -> tuple[str, ...]:
    """The marks table of these organisations' means, as the page writes it."""
    dimensions = [
        aggregate.dimensions
        for aggregate, organisation in kept(session).values()
        if organisation.slug in slugs
    ]
    cells = []
    for dim in instrument_named(DEFAULT_INSTRUMENT).dimensions:
        figures = [d[dim.key] for d in dimensions]
        shrunk = shrunken_means(*([f[k] for f in figures] for k in ("mean", "n", "sd")))
        marks = pool_spread(shrunk.means, POOL_MIN_ORGANISATIONS)
        cells += [dim.name["en"], *(number(m, 1, "en") for m in marks)]
    return tuple(cells)


@pytest.fixture
def consultant(client, session):
    first = close_round(session, *FIRST[0], seed=0)
    add_user(session, "consultant@example.org", PASSWORD, memberships=((first, "consultant"),))
    assert AuthActions(client).login("consultant@example.org").status_code == 302
    return client


def test_attack_a_sector_and_size_view_that_changed_by_one_organisation_shows_no_new_marks(
    consultant, session
):
    for seed, spec in enumerate(FIRST[1:], start=1):
        close_round(session, *spec, seed=seed)
    care_large = {"sector": CARE, "size_band": LARGE}
    before = seen(consultant, care_large)
    assert before and shown_members(session, care_large) == {f"care{i}" for i in range(1, 6)}
    versions = {session.scalar(sa.select(sa.func.max(PoolVersion.number)))}
    for seed, spec in enumerate(LATER, start=20):
        close_round(session, *spec, seed=seed)
        versions.add(session.scalar(sa.select(sa.func.max(PoolVersion.number))))
        # the view's marks stay those of the five it showed, or the page withholds the view
        assert seen(consultant, care_large) in (before, None)
    assert len(versions) >= 3  # the pool moved on twice meanwhile
    assert seen(consultant, care_large) is None
    assert WITHHELD in consultant.get("/benchmark", query_string=care_large).get_data(as_text=True)
    # what the page would have given away: care6's arrival moves the marks of the view
    assert before == expected_table(session, frozenset(f"care{i}" for i in range(1, 6)))
    assert expected_table(session, frozenset(f"care{i}" for i in range(1, 7))) != before
    # the whole pool, the sector and the size band did move by three: they are shown
    for view in ({}, {"sector": CARE}, {"size_band": LARGE}):
        assert seen(consultant, view), view


def test_every_view_the_page_offers_moves_by_three_organisations_or_not_at_all(consultant, session):
    observed: dict[tuple, list[tuple[frozenset, tuple]]] = {}
    for seed, spec in enumerate(FIRST[1:] + LATER, start=1):
        close_round(session, *spec, seed=seed)
        for view in views():
            marks = seen(consultant, view)
            if marks:
                members = shown_members(session, view)
                # the marks are those of the version's members in the view, by the one rule
                assert marks == expected_table(session, members)
                assert len(members) >= POOL_MIN_ORGANISATIONS
                observed.setdefault(tuple(view.items()), []).append((members, marks))
    assert len(observed) >= 6  # views by sector, size band and both were shown
    for view, shown in observed.items():
        for (one, marks_one), (other, marks_other) in combinations(shown, 2):
            assert len(one ^ other) == 0 or len(one ^ other) >= 3, (view, one ^ other)
            if one == other:
                assert marks_one == marks_other


def test_the_top_ten_percent_mark_needs_ten_organisations(consultant, session):
    for seed, spec in enumerate(FIRST[1:], start=1):
        close_round(session, *spec, seed=seed)
    nine = consultant.get("/benchmark").get_data(as_text=True)  # nine organisations
    rows = ROW.findall(nine)
    assert rows and all(
        bottom10 == top10 == "–" and "–" not in (bottom25, median, top25)
        for _n, bottom10, bottom25, median, top25, top10 in rows
    )
    assert "The 10% marks are shown from 10 organisations." in nine
    assert "the band holds the middle half of the organisations" in nine
    for seed, spec in enumerate(LATER[:3], start=20):
        close_round(session, *spec, seed=seed)  # twelve
    twelve = consultant.get("/benchmark").get_data(as_text=True)
    rows = ROW.findall(twelve)
    assert rows and all("–" not in row[1:] for row in rows)
    assert "the light band runs from the bottom-10% to the top-10% mark" in twelve


def record_writes(engine):
    """A list that collects every INSERT, UPDATE and DELETE sent on ``engine``, and the listener
    to remove afterwards."""
    writes: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return writes, record


def test_reading_the_pool_never_publishes_a_version_the_explicit_step_does(consultant, session):
    for seed, spec in enumerate(FIRST[1:], start=1):
        close_round(session, *spec, seed=seed)
    import_pool(session, export_pool(session), source="other.json")  # nine more: a version is due
    versions = session.scalar(sa.select(sa.func.count()).select_from(PoolVersion))
    campaign = session.scalars(sa.select(Campaign).where(Campaign.status == "closed")).first()
    instrument = campaign_instrument(campaign)
    engine = session.get_bind()
    writes, record = record_writes(engine)
    try:
        pool.published_pool(session, instrument.id, instrument.version)
        pool.pool_for(session, campaign)
        for view in views():
            pool.pool_overview(session, instrument, "en", **view)
        session.commit()  # were anything pending, it would be sent now
        for view in views():
            assert consultant.get("/benchmark", query_string=view).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert writes == []
    assert session.scalar(sa.select(sa.func.count()).select_from(PoolVersion)) == versions
    assert "round of 9 organisations" in consultant.get("/benchmark").get_data(as_text=True)
    published = publish_pools(session)  # the lifecycle's step
    assert [len(v.members) for v in published] == [18]
    assert "The pool holds the latest closed round of 18 organisations" in consultant.get(
        "/benchmark"
    ).get_data(as_text=True)
    assert publish_pools(session) == []  # nothing changed since: no version


def test_benchmark_publish_command(runner, session):
    for seed, spec in enumerate(FIRST[:2]):
        close_round(session, *spec, seed=seed)  # two organisations: no version yet
    assert session.scalar(sa.select(sa.func.count()).select_from(PoolVersion)) == 0
    result = runner.invoke(args=["benchmark", "publish"])
    assert result.exit_code == 0 and "No pool version is due" in result.output
    close_round(session, *FIRST[2], seed=2)  # the third closes: its close publishes
    assert session.scalar(sa.select(sa.func.count()).select_from(PoolVersion)) == 1
    import_pool(session, export_pool(session), source="other.json")
    result = runner.invoke(args=["benchmark", "publish"])
    assert result.exit_code == 0 and "Published version 2" in result.output, result.output
    assert "(6 organisations)" in result.output


def test_an_erased_organisation_takes_the_version_off_the_page_until_the_next(consultant, session):
    from survey.services.lifecycle import delete_organisation

    for seed, spec in enumerate(FIRST[1:6], start=1):
        close_round(session, *spec, seed=seed)  # six organisations: versions of three and six
    assert ROW.findall(consultant.get("/benchmark").get_data(as_text=True))
    delete_organisation(session, session.scalar(sa.select(Organisation).filter_by(slug="care2")))
    page = consultant.get("/benchmark").get_data(as_text=True)
    assert "An organisation's entry was erased from this pool version" in page
    assert "<table>" not in page and "Figures appear once" not in page
    for seed, spec in enumerate(LATER[:2], start=20):
        close_round(session, *spec, seed=seed)  # one gone and two new: the next version
    page = consultant.get("/benchmark").get_data(as_text=True)
    assert "erased" not in page
    assert "The pool holds the latest closed round of 7 organisations" in page
