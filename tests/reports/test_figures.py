"""Figures that must not mislead: reverse-keyed statements charted as answered, statistics from
unrounded values, machine outputs at full precision, intervals on the scale, p-values never
``0.000``, the n of a comparison the n it was computed from, no crash on an unscored principle."""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from reports.exports import comparison_csv, report_csv
from reports.model import RoundData, Thresholds, build_report
from reports.numbers import number, p_equals, percent, pvalue
from reports.render import render_body, render_pdf
from scoring.instrument import load_instrument
from scoring.scores import points_from_offsets, respondent_scores
from survey import policy

THRESHOLDS = Thresholds(
    policy.COMMENT_MIN_GROUP_SIZE, policy.POOL_MIN_ORGANISATIONS, policy.SIGNIFICANCE_LEVEL
)


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


def a_round(instrument, n=60, seed=3, roles=None, closed=True):
    rng = np.random.default_rng(seed)
    offsets = rng.integers(0, 5, size=(n, len(instrument.item_keys))).astype(np.int8)
    roles = roles or ["Employee"] * (n - 15) + ["Manager"] * 15
    segments = [{"role_level": role} for role in roles]
    questions = [{"key": "role_level", "options": ["Employee", "Manager"]}]
    return RoundData("Spring", offsets, segments, questions, 5, closed, [])


def a_pool(instrument, means, n, sd=15.0):
    """A benchmark pool: one organisation per mean, each principle at that mean."""
    return [
        {
            "external": False,
            "dimensions": {
                d.key: {"n": n, "mean": mean, "sd": sd, "bins": []} for d in instrument.dimensions
            },
        }
        for mean in means
    ]


def report(instrument, current, **options):
    return build_report(
        instrument, current, organisation="Acme", lang="en", thresholds=THRESHOLDS, **options
    )


def test_a_reverse_keyed_statement_is_charted_as_people_answered_it(instrument):
    current = a_round(instrument)
    column = instrument.item_keys.index("G4")  # reverse-keyed: agreeing is unfavourable
    current.offsets[:, column] = 0  # everyone strongly disagrees
    built = report(instrument, current)
    guidelines = next(d for d in built.dimensions if d.key == "guidelines")
    g4 = next(item for item in guidelines.items if item.key == "G4")
    assert g4.reverse is True
    assert g4.counts[1:] == (60, 0, 0, 0, 0)  # under "Strongly disagree", as answered
    html = render_body(built, list(instrument.scale.labels["en"]))
    assert "agreeing lowers the score" in html


def test_the_benchmark_takes_unrounded_figures_against_organisations(instrument):
    current = a_round(instrument, n=80)
    scores = respondent_scores(points_from_offsets(current.offsets, instrument), instrument)
    means = np.array([48.123456 + i * 1.5 for i in range(12)])
    sizes = np.array([90, 5, 300, 40, 90, 12, 600, 90, 7, 150, 90, 25])
    pool = [
        {
            "external": False,
            "dimensions": {
                d.key: {"n": int(n), "mean": mean, "sd": 20.98765, "bins": []}
                for d in instrument.dimensions
            },
        }
        for mean, n in zip(means, sizes, strict=True)
    ]
    built = report(instrument, current, pool=pool, pool_version="1")
    row = built.benchmark.dimensions[0]
    # the organisation means shrunk by DerSimonian–Laird's fit, as statsmodels computes it
    variances = 20.98765**2 / sizes
    fit = combine_effects(means, variances, method_re="dl")
    shrunk = fit.mean_effect_re + fit.tau2 / (fit.tau2 + variances) * (means - fit.mean_effect_re)
    column = scores[:, 0][~np.isnan(scores[:, 0])]
    assert row.shrunk == 12
    assert row.between_sd == pytest.approx(np.sqrt(fit.tau2), rel=1e-12)
    assert row.percentile == stats.percentileofscore(shrunk, column.mean(), kind="mean")
    assert row.difference == pytest.approx(column.mean() - np.median(shrunk), rel=1e-12)
    assert row.top10 == pytest.approx(np.percentile(shrunk, 90), rel=1e-12)  # twelve of them
    assert row.median_ci95[0] < row.median < row.median_ci95[1]
    assert row.top25_ci95[0] < row.top25 < row.top25_ci95[1]
    low, high = built.dimensions[0].ci95
    median = np.median(shrunk)
    expected = "above" if low > median else "below" if high < median else "within"
    assert row.verdict == expected
    top25 = np.percentile(shrunk, 75)  # where to start aims at the shrunk pool's top quarter
    assert built.recommendations
    assert all(r.target == pytest.approx(top25, rel=1e-12) for r in built.recommendations)


def test_machine_outputs_carry_full_precision(instrument):
    current = a_round(instrument)
    built = report(instrument, current)
    scores = respondent_scores(points_from_offsets(current.offsets, instrument), instrument)
    exact = float(np.nanmean(scores[:, 0]))
    data = json.loads(json.dumps(built.to_dict()))
    assert data["dimensions"][0]["score"] == pytest.approx(exact, rel=1e-12)
    assert data["dimensions"][0]["score"] != round(exact, 2)
    rows = list(csv.DictReader(io.StringIO(report_csv(built))))
    assert float(rows[0]["score"]) == pytest.approx(exact, rel=1e-12)
    first = built.dimensions[0]
    assert float(rows[0]["dont_know"]) == pytest.approx(first.dont_know, rel=1e-12)
    assert rows[0]["alpha_n"] == ("" if first.alpha_n is None else str(first.alpha_n))
    assert rows[0]["omega_method"] == (first.omega_method or "")
    assert data["dimensions"][0]["omega_method"] == first.omega_method
    page = render_body(built, list(instrument.scale.labels["en"]))
    assert f"{exact:.1f}" in page and f"{exact:.4f}" not in page  # the page rounds


def test_an_interval_near_the_top_stays_on_the_scale(instrument):
    current = a_round(instrument, n=5, roles=["Employee"] * 5)
    current.offsets[:] = 4
    current.offsets[0, :3] = 3
    built = report(instrument, current)
    for dim in built.dimensions:
        if dim.shown and dim.ci95:
            assert 0 <= dim.ci95[0] <= dim.score <= dim.ci95[1] <= 100


def test_p_values_read_as_people_expect():
    assert pvalue(0.0) == "< 0.001" and pvalue(3e-12, "nl") == "< 0,001"
    assert pvalue(0.05126) == "0.051" and p_equals(0.0004) == "p < 0.001"
    assert p_equals(0.2) == "p = 0.200" and pvalue(float("nan")) == "–"
    assert number(61.25, 1, "nl") == "61,2" or number(61.25, 1, "nl") == "61,3"
    assert number(-0.04, 1, sign=True) == "0.0" and percent(0.125, "nl") in ("12%", "13%")


def test_a_tiny_p_value_is_shown_as_below_one_in_a_thousand(instrument):
    current = a_round(instrument, n=200)
    leadership = [i for i, key in enumerate(instrument.item_keys) if key.startswith("L")]
    reverse = {item.key for item in instrument.items if item.reverse}
    rng = np.random.default_rng(8)
    for column in leadership:  # managers answer leadership far more favourably
        high, low = rng.integers(3, 5, size=15), rng.integers(0, 2, size=185)
        flip = instrument.item_keys[column] in reverse
        current.offsets[-15:, column] = 4 - high if flip else high
        current.offsets[:-15, column] = 4 - low if flip else low
    built = report(instrument, current)
    assert built.leaders.pvalue < 0.001
    html = render_body(built, list(instrument.scale.labels["en"]))
    assert "p &lt; 0.001" in html and "0.0000" not in html and "p = 0.0)" not in html


def test_csv_cells_of_missing_numbers_are_empty():
    nan = float("nan")
    untested = SimpleNamespace(  # two rounds in which nobody's score differs from the others'
        key="guidelines", test="welch", statistic=nan, df=(nan,), pvalue=nan, pvalue_bh=nan,
        effect_name="hedges-g", effect_size=nan, effect_size_ci95=(nan, nan), difference=20.0,
        difference_ci95=(nan, nan), statistically_significant=False, important=False,
        tested=False, pairs=(), verdict="untested", mid=nan,
    )  # fmt: skip
    entry = SimpleNamespace(label="A", n=3, shown=False, dimensions={})
    comparison = SimpleNamespace(instrument=load_instrument(), rounds=[entry], tests=[untested])
    text = comparison_csv(comparison)
    # a round without a test has as many cells as the header
    assert {len(row) for row in csv.reader(io.StringIO(text))} == {
        len(text.splitlines()[0].split(","))
    }
    assert "nan" not in text.lower()
    first = list(csv.DictReader(io.StringIO(text)))[0]
    assert first["pvalue_bh"] == "" and first["effect_size"] == "" and first["important"] == ""
    assert first["score"] == "" and first["sd"] == "" and first["difference"] == "20.0"


def test_leaders_and_employees_count_those_with_a_leadership_score(instrument):
    current = a_round(instrument, n=60)
    leadership = [i for i, key in enumerate(instrument.item_keys) if key.startswith("L")]
    current.offsets[np.ix_(range(5), leadership)] = -1  # five employees: "don't know" throughout
    built = report(instrument, current)
    assert built.leaders.n_employees == 40 and built.leaders.n_leaders == 15
    # two would be fewer than k: their "don't know" counts as the middle answer, so they have a
    # score (the round's n minus the leadership n would otherwise be those two)
    current.offsets[np.ix_(range(2, 5), leadership)] = 2
    built = report(instrument, current)
    assert built.leaders.n_employees == 45
    assert next(d for d in built.dimensions if d.key == "leadership").n == 60


def test_leaders_against_employees_are_judged_like_every_difference(instrument):
    """Welch's test with the difference's interval and Hedges' g with its interval (scipy's
    ``ttest_ind(equal_var=False)`` on the same scores), the minimal important difference a fifth
    of everyone's SD, and the verdict of the one rule."""
    from scoring.differences import judge

    current = a_round(instrument, n=80)
    built = report(instrument, current)
    leaders = built.leaders
    points = points_from_offsets(current.offsets, instrument)
    column = respondent_scores(points, instrument)[:, 3]  # leadership
    roles = np.array([s["role_level"] for s in current.segments])
    employees = column[roles == "Employee"]
    others = column[roles != "Employee"]
    employees, others = employees[~np.isnan(employees)], others[~np.isnan(others)]
    test = stats.ttest_ind(others, employees, equal_var=False)
    interval = test.confidence_interval()
    assert leaders.difference == pytest.approx(others.mean() - employees.mean(), rel=1e-12)
    assert leaders.pvalue == pytest.approx(test.pvalue, rel=1e-10)
    assert leaders.difference_ci95 == pytest.approx((interval.low, interval.high), rel=1e-10)
    everyone = column[~np.isnan(column)]
    assert leaders.minimal_important_difference == pytest.approx(0.2 * everyone.std(ddof=1))
    expected = judge(leaders.difference, *leaders.difference_ci95, leaders.pvalue,
                     leaders.minimal_important_difference)  # fmt: skip
    assert (leaders.verdict, leaders.important) == (expected.verdict, expected.important)
    assert leaders.effect_size_ci95[0] < leaders.effect_size < leaders.effect_size_ci95[1]
    data = json.loads(json.dumps(built.to_dict()))["leaders_vs_employees"]
    assert {"statistically_significant", "important", "verdict"} <= set(data)
    assert "significant" not in data


def test_an_unscored_principle_with_a_full_pool_does_not_crash(instrument):
    current = a_round(instrument, n=30)
    dialogue = [i for i, key in enumerate(instrument.item_keys) if key.startswith("D")]
    current.offsets[:, dialogue] = -1  # nobody scored dialogue
    pool = [
        {
            "external": False,
            "dimensions": {
                d.key: {"n": 50, "mean": 50.0 + i, "sd": 15.0, "bins": []}
                for d in instrument.dimensions
            },
        }
        for i in range(6)
    ]
    built = report(instrument, current, pool=pool, pool_version="1")
    assert [row.key for row in built.benchmark.dimensions] == [
        "guidelines",
        "error_tolerance",
        "patience",
        "leadership",
    ]
    json.dumps(built.to_dict())
    assert "dialogue" not in report_csv(built).split("\n", 1)[1].split(",")[2:3]
    labels = list(instrument.scale.labels["en"])
    assert "Open dialogue" in render_body(built, labels)
    assert render_pdf(built, labels)[:4] == b"%PDF"


def test_a_level_says_when_the_interval_spans_two_bands(instrument):
    built = report(instrument, a_round(instrument, n=30))
    html = render_body(built, list(instrument.scale.labels["en"]))
    for dim in built.dimensions:
        low, high = dim.ci95
        spans = int(low // 20) != int(high // 20)
        assert (dim.levels[0] != dim.levels[-1]) == spans
        if spans:
            assert f"Level {dim.levels[0]}–{dim.levels[-1]}" in html
    assert any(d.levels[0] != d.levels[-1] for d in built.dimensions)  # n = 30: wide


def test_reliability_needs_thirty_people_and_warns_on_its_interval(instrument):
    few = report(instrument, a_round(instrument, n=20))
    assert all(d.alpha is None and d.alpha_n is None for d in few.dimensions)
    html = render_body(few, list(instrument.scale.labels["en"]))
    assert "Reliability is shown from 30 people" in html
    rng = np.random.default_rng(4)
    current = a_round(instrument, n=400)
    reverse = instrument.reverse_mask[: current.offsets.shape[1]]
    trait = rng.normal(size=(400, 1))
    coherent = np.clip(np.rint(2 + 1.2 * trait + rng.normal(0, 0.6, (400, 28))), 0, 4)
    current.offsets = np.where(reverse, 4 - coherent, coherent).astype(np.int8)
    column = instrument.item_keys.index("G2")
    current.offsets[:, column] = rng.integers(0, 5, 400)  # one statement unrelated to the rest
    built = report(instrument, current)
    guidelines = built.dimensions[0]
    assert guidelines.alpha_ci95[0] >= 0.7 or guidelines.alpha_warning
    weak = [item.key for item in guidelines.items if item.weak]
    assert weak == ["G2"]
    # omega beside alpha, from the principle's complete answers, with its bootstrap interval
    from scoring.reliability import mcdonald_omega

    block = current.offsets[:, instrument.dimension_columns["guidelines"]]
    block = np.where(reverse[instrument.dimension_columns["guidelines"]], 4 - block, block)
    expected = mcdonald_omega(block)
    assert guidelines.omega == pytest.approx(expected.statistic, rel=1e-12)
    low, high = guidelines.omega_ci95
    assert low < guidelines.omega < high and guidelines.omega >= guidelines.alpha
    html = render_body(built, list(instrument.scale.labels["en"]))
    assert guidelines.omega_method == "omega-u"
    assert "omega (of the scores as given, one common factor): " in html
    # the n behind alpha and omega, in words: everyone answered every statement here
    assert guidelines.alpha_n == guidelines.n == 400
    assert "Reliability, from all 400 people, who each answered every statement" in html
    assert all(d.omega is None for d in few.dimensions)
    noisy = report(instrument, a_round(instrument, n=60))  # random answers: alpha near 0
    assert all(d.alpha_warning for d in noisy.dimensions)


def test_a_significant_change_below_the_minimal_important_difference_is_not_real(instrument):
    """With 3,000 people a change of a point or two is significant; the minimal important
    difference (a fifth of the pooled SD) says it is too small to matter."""
    before = a_round(instrument, n=3000, seed=21)
    now = a_round(instrument, n=3000, seed=22)
    rng = np.random.default_rng(5)
    bump = (rng.random(now.offsets.shape) < 0.08) & (now.offsets >= 0) & (now.offsets < 4)
    reverse = instrument.reverse_mask[: now.offsets.shape[1]]
    now.offsets = (now.offsets + np.where(reverse, -1, 1) * bump).clip(-1, 4).astype(np.int8)
    built = report(instrument, now, previous=before)
    rows = built.trend.dimensions
    assert built.trend.minimal_important_difference is None  # the instrument sets none
    for row, dim in zip(rows, built.dimensions, strict=True):
        assert 0.15 * dim.sd < row.minimal_important_difference < 0.25 * dim.sd
    small = [r for r in rows if r.statistically_significant and r.verdict == "small"]
    assert small, [(r.difference, r.difference_ci95) for r in rows]
    assert not any(r.important for r in small)
    for row in rows:
        low, high = row.difference_ci95
        assert low < row.difference < high
    html = render_body(built, list(instrument.scale.labels["en"]))
    assert "too small to matter" in html
    data = json.loads(json.dumps(built.to_dict()))
    assert {"statistically_significant", "important", "verdict"} <= set(
        data["trend"]["dimensions"][0]
    )
    assert "significant" not in data["trend"]["dimensions"][0]


def test_a_principle_of_fewer_than_five_people_says_it_has_no_interval(instrument):
    current = a_round(instrument, n=4, roles=["Employee"] * 4)
    current.min_group_size = 3
    built = report(instrument, current)
    assert all(d.ci95 is None for d in built.dimensions if d.shown)
    html = render_body(built, list(instrument.scale.labels["en"]))
    assert "no interval: too few people (fewer than 5)" in html


def test_the_page_says_how_many_answered_every_statement_behind_alpha(instrument):
    """With a fifth of the answers "don't know" at random, alpha and omega rest on the few who
    answered every statement of a principle: the page says how many, of how many scored."""
    rng = np.random.default_rng(6)
    current = a_round(instrument, n=400)
    trait = rng.normal(size=(400, 1))
    reverse = instrument.reverse_mask[: current.offsets.shape[1]]
    coherent = np.clip(np.rint(2 + 1.2 * trait + rng.normal(0, 0.6, (400, 28))), 0, 4)
    offsets = np.where(reverse, 4 - coherent, coherent)
    offsets[rng.random(offsets.shape) < 0.2] = -1
    current.offsets = offsets.astype(np.int8)
    built = report(instrument, current)
    html = render_body(built, list(instrument.scale.labels["en"]))
    for d in built.dimensions:
        columns = instrument.dimension_columns[d.key]
        complete = int((current.offsets[:, columns] >= 0).all(axis=1).sum())
        assert 0.1 < d.dont_know < 0.2  # among the scored: those with fewer answers drop out
        if d.alpha_n is not None:
            assert d.alpha_n == complete < d.n
            assert f"from the {complete} of the {d.n} people who answered every" in html
    assert any(d.alpha_n is not None for d in built.dimensions)


def test_no_interval_when_everyone_gave_the_same_answers(instrument):
    """Zero spread gives a zero-width t interval: the release drops it and the page says why,
    instead of showing it as certainty."""
    current = a_round(instrument, n=40)
    current.offsets = np.full(current.offsets.shape, 2, dtype=np.int8)  # the middle: also reversed
    built = report(instrument, current)
    html = render_body(built, list(instrument.scale.labels["en"]))
    assert all(d.sd == 0 and d.ci95 is None for d in built.dimensions)
    assert built.overall.ci95 == (None, None)
    shown = 1 + len(built.dimensions) + 1  # the overall, each principle, advocacy
    assert html.count("no interval: everyone gave the same answers") == shown
    assert "Everyone with a score gave the same answers to this principle" in html
    # against a pool, the round is not called above or within: it says why it cannot be judged
    pool = a_pool(instrument, [30.0 + 1 * i for i in range(6)], n=50)
    built = report(instrument, current, pool=pool, pool_version="1")
    assert {b.verdict for b in built.benchmark.dimensions} == {"no_spread"}
    html = render_body(built, list(instrument.scale.labels["en"]))
    assert "but everyone gave the same answers: no interval to judge by" in html


def test_a_pool_whose_organisations_differ_no_more_than_chance_says_so(instrument):
    pool = a_pool(instrument, [55.0 + 1 * i for i in range(5)], n=20)
    built = report(instrument, a_round(instrument, n=60), pool=pool, pool_version="1")
    assert all(b.shrunk == 0 and b.between_sd == 0 for b in built.benchmark.dimensions)
    assert [b.median for b in built.benchmark.dimensions] == [57.0] * 5  # as published
    html = render_body(built, list(instrument.scale.labels["en"]))
    assert "differ no more than chance would explain" in html


def test_the_report_opens_with_participation_change_and_benchmark(instrument):
    """The overall score comes with its change since the last round, the participation rate
    (personal links only) and where the principles stand against the benchmark; the principle
    table carries each principle's change and its verdict."""
    from reports.release import Links

    before = a_round(instrument, n=60, seed=8)
    now = a_round(instrument, n=60, seed=9)
    now.links = Links(distributed_by="organisation", personal=80)
    pool = a_pool(instrument, [30.0 + 4 * i for i in range(6)], n=60)
    built = report(instrument, now, previous=before, pool=pool, pool_version="1")
    html = render_body(built, list(instrument.scale.labels["en"]))
    head = html[: html.index('class="summary"')]
    change = sum(r.now - r.before for r in built.trend.dimensions) / 5
    assert f"{change:+.1f} points since Spring" in head.replace("−", "-")
    assert "Participation 75%: 60 of 80 invited" in head
    above = sum(b.verdict == "above" for b in built.benchmark.dimensions)
    assert f"Against the benchmark: {above} of 5 principles above its median" in head
    table = html[html.index('class="summary"') : html.index("</table>")]
    assert ">Change</th>" in table
    for row in built.trend.dimensions:
        assert (
            f"{row.difference:+.1f}".replace("-", "−") in table or f"{row.difference:+.1f}" in table
        )
    # with an open link the invited are not known: no rate
    now.links = Links(distributed_by="organisation", personal=80, open_link=True)
    html = render_body(report(instrument, now), list(instrument.scale.labels["en"]))
    assert "Participation" not in html and ">Change</th>" not in html


def test_the_drivers_come_with_a_priority_map(instrument):
    built = report(instrument, a_round(instrument, n=80))
    assert built.drivers is not None
    html = render_body(built, list(instrument.scale.labels["en"]))
    chart = html[html.index('class="chart impact"') :]
    chart = chart[: chart.index("</figure>")]
    assert "work on these first" in chart
    for d in built.dimensions:
        assert d.name.split()[0] in chart


def test_the_technical_detail_is_said_once_in_an_appendix(instrument):
    """The merged answers and each principle's reliability are explained once, in "How we
    calculated this", not in each of the five principle sections."""
    built = report(instrument, a_round(instrument, n=80))
    html = render_body(built, list(instrument.scale.labels["en"]))
    appendix = html[html.index('id="method-title"') :]
    assert html.count("is counted with the neighbouring answer towards the middle") == 1
    assert "is counted with the neighbouring answer towards the middle" in appendix
    shown = [d for d in built.dimensions if d.shown]
    assert html.count("Cronbach's alpha") == appendix.count("Cronbach's alpha")
    for d in shown:
        assert f"<strong>{d.name}</strong>:" in appendix


def test_a_group_in_which_everyone_scored_the_same_is_not_shown(instrument):
    """A group whose people all have one score on a principle: its mean would be each one's own
    score, and a test of it would say that the scores do not vary. The cell is hidden like any
    the audit hides; leaders and employees are not compared when either group does not vary."""
    current = a_round(instrument, n=60)
    leadership = [i for i, key in enumerate(instrument.item_keys) if key.startswith("L")]
    current.offsets[np.ix_(range(45, 60), leadership)] = 3  # the 15 managers: one answer each
    built = report(instrument, current)
    roles = next(b for b in built.breakdowns if b.key == "role_level")
    managers = next(g for g in roles.groups if g.group == "Manager")
    employees = next(g for g in roles.groups if g.group == "Employee")
    assert managers.score_of("leadership").score is None
    assert managers.score_of("leadership").n is None
    assert managers.score_of("guidelines").score is not None  # their other principles vary
    assert employees.score_of("leadership").score is not None
    assert built.leaders is not None and not built.leaders.shown
    # one manager answering otherwise is enough for the group to vary
    current.offsets[45, leadership[0]] = 1
    built = report(instrument, current)
    roles = next(b for b in built.breakdowns if b.key == "role_level")
    managers = next(g for g in roles.groups if g.group == "Manager")
    assert managers.score_of("leadership").score is not None and built.leaders.shown
