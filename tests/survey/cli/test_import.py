"""``ambassador import``: answers from elsewhere, all rows or none, into a round of their own."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from scoring.scores import encode_answers, recode_points, score_answers
from survey.models import Campaign, Response
from survey.services.campaigns import (
    add_organisation,
    campaign_instrument,
    create_campaign,
    parse_segment,
)
from survey.services.reporting import campaign_report


@pytest.fixture
def draft(session):
    organisation = add_organisation(session, "client", "Client")
    return create_campaign(
        session,
        organisation,
        "Collected elsewhere",
        segments=(parse_segment("department:Department|Afdeling=Sales|Verkoop,Care|Zorg"),),
    )


def answers_file(tmp_path, instrument, n=12, department=lambda i: "Sales", broken=None):
    rng = np.random.default_rng(3)
    raw = rng.integers(1, 6, size=(n, len(instrument.item_keys)))
    header = ",".join([*instrument.item_keys, "afdeling"])
    lines = [header]
    for i, row in enumerate(raw):
        lines.append(",".join([*(str(v) for v in row), department(i)]))
    if broken:
        lines[broken[0]] = broken[1]
    path = tmp_path / "answers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, raw


def count(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Response))


def test_imported_answers_give_the_same_scores_and_close_the_round(
    runner, session, draft, tmp_path
):
    instrument = campaign_instrument(draft)
    path, raw = answers_file(
        tmp_path, instrument, department=lambda i: "Verkoop" if i < 6 else "Care"
    )
    result = runner.invoke(args=["import", str(draft.id), str(path)])
    assert result.exit_code == 0, result.output
    session.expire_all()
    campaign = session.get(Campaign, draft.id)
    assert campaign.status == "closed" and campaign.imported_responses == 12
    report, labels = campaign_report(session, campaign, "en")
    # the answers as the release counts them (bins of 1 … k−1 people merged)
    points = recode_points(
        encode_answers(raw.astype(float), instrument), instrument, campaign.min_group_size
    )
    expected = score_answers(points, instrument)
    for mine, theirs in zip(report.dimensions, expected.dimensions, strict=True):
        assert mine.score == pytest.approx(theirs.statistic, rel=1e-12)
    groups = {g.group: g.n for g in report.breakdowns[0].groups}
    assert groups == {"Sales": 6, "Care": 6}
    assert report.links.imported == 12
    from reports.render import render_body

    assert "imported from a file (12 responses)" in render_body(report, labels)


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ((3, None), "line 3, column 'department'"),
        ((5, "9" + ",3" * 27 + ",Sales"), "line 6, column 'G1'"),  # off the 1–5 scale
    ],
)
def test_a_bad_file_imports_nothing(runner, session, draft, tmp_path, broken, message):
    instrument = campaign_instrument(draft)
    if broken[1] is None:
        path, _ = answers_file(
            tmp_path, instrument, department=lambda i: "Legal" if i == 1 else "Sales"
        )
    else:
        path, _ = answers_file(tmp_path, instrument, broken=broken)
    result = runner.invoke(args=["import", str(draft.id), str(path)])
    assert result.exit_code == 2 and message in result.output, result.output
    assert "nothing was imported" in result.output
    assert count(session) == 0 and session.get(Campaign, draft.id).status == "draft"


def test_answers_are_never_mixed_into_a_round_that_collects(runner, session, draft, tmp_path):
    """Known rows mixed with real ones could be subtracted from a group's figures: refused."""
    instrument = campaign_instrument(draft)
    path, _ = answers_file(tmp_path, instrument)
    draft.status = "open"
    session.commit()
    result = runner.invoke(args=["import", str(draft.id), str(path)])
    assert result.exit_code == 2 and "import into a new draft" in result.output
    assert count(session) == 0


def long_department(tmp_path, instrument):
    """A valid file whose last row's department is longer than Python's csv module reads."""
    path, _ = answers_file(tmp_path, instrument)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[-1] = lines[-1].rsplit(",", 1)[0] + ',"' + "x" * 140_000 + '"'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def late_bad_byte(tmp_path, instrument):
    """A valid file with a byte that is not UTF-8 after the first 64 KB (past the sniffing)."""
    path, _ = answers_file(tmp_path, instrument, n=2000)
    content = path.read_bytes()
    path.write_bytes(content[:-10] + b"\xff" + content[-9:])
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [(long_department, "line 13"), (late_bad_byte, "utf-8")],
)
def test_an_unreadable_segment_column_imports_nothing(
    runner, session, draft, tmp_path, make, message
):
    path = make(tmp_path, campaign_instrument(draft))
    result = runner.invoke(args=["import", str(draft.id), str(path)])
    assert result.exit_code == 2, (result.output, result.exception)
    assert message in result.output.lower() and "nothing was imported" in result.output
    assert count(session) == 0 and session.get(Campaign, draft.id).status == "draft"
