"""``ambassador validate``: the structure check on pooled closed rounds, and per language."""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa

from survey.models import Response
from survey.services.campaigns import add_organisation, campaign_instrument, create_campaign
from survey.services.imports import offsets_from_points
from survey.services.lifecycle import set_status

from ...scoring.test_structure import structured_points


def closed_round_in_two_languages(session, shifted=None):
    """A round of 900 respondents (a third English), closed; ``shifted`` names a statement
    that the Dutch respondents answer one point higher at the same level of its principle."""
    organisation = add_organisation(session, "pool", "Pool")
    campaign = create_campaign(session, organisation, "Big round", status="open")
    instrument = campaign_instrument(campaign)
    points = structured_points(instrument, 900, seed=3)
    if shifted:
        column = instrument.item_keys.index(shifted)
        dutch = np.arange(900) % 3 != 0
        points[dutch, column] = np.minimum(points[dutch, column] + 1, 4)
    offsets = offsets_from_points(points, instrument)
    session.execute(
        sa.insert(Response),
        [
            {
                "campaign_id": campaign.id,
                "language": "nl" if i % 3 else "en",
                "segments": {},
                "answers": row.tobytes(),
            }
            for i, row in enumerate(offsets)
        ],
    )
    session.commit()
    return campaign, offsets


def test_validate_reports_fit_per_language(runner, session):
    campaign, offsets = closed_round_in_two_languages(session)
    refused = runner.invoke(args=["validate", str(campaign.id)])
    assert refused.exit_code == 2 and "only closed rounds" in refused.output
    set_status(session, campaign, "closed")
    result = runner.invoke(args=["validate", str(campaign.id)])
    assert result.exit_code == 0, result.output
    assert "all respondents (n = 900)" in result.output and "fits well" in result.output
    assert "maximum likelihood on the answers as numbers" in result.output
    assert "language en (n = 300)" in result.output and "language nl (n = 600)" in result.output
    assert "holds in every language" in result.output
    assert "Languages en and nl compared" in result.output
    assert "metric: " in result.output and "scalar: " in result.output
    assert "The language versions measure the same thing" in result.output
    assert np.all(offsets >= 0)


def test_a_statement_read_differently_in_one_language_is_named(runner, session):
    campaign, _ = closed_round_in_two_languages(session, shifted="L2")
    set_status(session, campaign, "closed")
    result = runner.invoke(args=["validate", str(campaign.id)])
    assert result.exit_code == 0, result.output
    assert "scalar: " in result.output and "does not hold" in result.output
    assert "Statement L2 is answered differently" in result.output
    assert "measure the same thing" not in result.output


def test_the_consultant_page_shows_the_check(client, session, runner):
    from survey.models import Campaign
    from survey.services.users import add_user

    from ..conftest import PASSWORD, AuthActions

    test_validate_reports_fit_per_language(runner, session)
    campaign = session.scalars(sa.select(Campaign)).one()
    add_user(
        session,
        "advisor@example.org",
        PASSWORD,
        memberships=((campaign.organisation, "consultant"),),
    )
    AuthActions(client).login("advisor@example.org")
    page = client.get(f"/validate?campaign={campaign.id}&lang=nl").get_data(as_text=True)
    assert "Nederlandse versie" in page and "meten hetzelfde" in page
    assert "gelijke ladingen" in page and "gelijke intercepten" in page
    # the estimator and why it is not an ordinal one, in the page's language
    assert "maximum likelihood" in page and "polychorische correlaties" in page
    assert "gelijke drempels" in page and "Xia en Yang 2019" in page
    assert "van 1 gesloten ronde." in page and "ronde(s)" not in page  # one round, said so
    assert '<a href="/validate">Andere rondes controleren</a>' in page  # back to the choice
    add_user(session, "hr@pool.example", PASSWORD, memberships=((campaign.organisation, "hr"),))
    hr = AuthActions(client.application.test_client())
    hr.login("hr@pool.example")
    assert hr.client.get(f"/validate?campaign={campaign.id}").status_code == 403


def test_the_check_reads_what_the_round_kept_not_its_answers(runner, session):
    """The check pools the moments each round kept when it closed: it gives the same answer once
    the round's answers are deleted, and its module reads no answer."""
    import survey.services.validation as validation
    from survey.services.lifecycle import purge

    campaign, _ = closed_round_in_two_languages(session)
    set_status(session, campaign, "closed")
    before = runner.invoke(args=["validate", str(campaign.id)])
    assert before.exit_code == 0, before.output
    purge(session, [campaign])
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
    after = runner.invoke(args=["validate", str(campaign.id)])
    assert after.exit_code == 0 and after.output == before.output
    assert "Response" not in vars(validation)


def test_a_round_that_kept_nothing_is_named(runner, session):
    """A round whose aggregates were not kept (an imported past, or fewer than k with a score on
    a principle) is refused by name, not silently left out of the pool."""
    from survey.models import RoundAggregate

    campaign, _ = closed_round_in_two_languages(session)
    set_status(session, campaign, "closed")
    session.execute(sa.update(RoundAggregate).values(structure=None))
    session.commit()
    result = runner.invoke(args=["validate", str(campaign.id)])
    assert result.exit_code == 2 and "Big round" in result.output


def test_housekeeping_keeps_it_for_rounds_closed_before(runner, session):
    """A round closed before rounds kept what the check pools gets it from its answers."""
    from survey.models import RoundAggregate
    from survey.services.lifecycle import keep_missing_structures

    campaign, _ = closed_round_in_two_languages(session)
    set_status(session, campaign, "closed")
    session.execute(sa.update(RoundAggregate).values(structure=None))
    session.commit()
    assert keep_missing_structures(session) == 1
    assert keep_missing_structures(session) == 0
    result = runner.invoke(args=["validate", str(campaign.id)])
    assert result.exit_code == 0 and "all respondents (n = 900)" in result.output
