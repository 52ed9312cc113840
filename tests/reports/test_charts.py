"""Charts whose words fit: labels and legends inside the figure, clear of the plot and of each
other."""

from __future__ import annotations

import itertools

import matplotlib.colors
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from reports import charts

PRINCIPLES = {
    "en": ["Clear guidelines", "Room for mistakes", "Patience", "Leaders as role models",
           "Open dialogue"],
    "nl": ["Duidelijke richtlijnen", "Ruimte voor fouten", "Lange adem", "Leiders als rolmodel",
           "Open dialoog"],
}  # fmt: skip


def laid_out(ax):
    figure = ax.figure
    FigureCanvasAgg(figure)
    figure.draw_without_rendering()
    return figure.canvas.get_renderer()


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("count", [2, 6])
def test_score_interval_labels_and_legend_fit(lang, count):
    """Six rounds of organisations with long names: the scores and intervals keep most of the
    width, no tick label overlaps another, and the legend stays clear of the plot and inside the
    figure. A principle a round does not show, or shows without an interval, is drawn as such."""
    figures = [(55.0, 48.0, 62.0)] * 3 + [(60.0, np.nan, np.nan), (np.nan,) * 3]
    rounds = [
        (f"Stichting Ziekenhuizen Noord-Holland Zuid — Medewerkersonderzoek voorjaar 202{i}",
         figures)
        for i in range(count)
    ]  # fmt: skip
    ax = charts.score_intervals(PRINCIPLES[lang], rounds)
    markers = [line for line in ax.lines if line.get_marker() not in ("None", "_")]
    assert sum(len(line.get_ydata()) for line in markers) == 4 * count  # no fifth: not shown
    caps = [line for line in ax.lines if line.get_marker() == "_"]
    assert sum(len(line.get_ydata()) for line in caps) == 2 * 3 * count  # three intervals each
    renderer = laid_out(ax)
    figure_box = ax.figure.bbox
    plot = ax.get_window_extent(renderer)
    assert plot.width > 0.75 * figure_box.width and plot.height > 0.4 * figure_box.height
    ticks = [label.get_window_extent(renderer) for label in ax.get_xticklabels()]
    for first, second in itertools.pairwise(ticks):
        assert first.x1 < second.x0, (first, second)
    legend = ax.figure.legends[0].get_window_extent(renderer)
    assert not legend.overlaps(plot)
    assert all(not legend.overlaps(tick) for tick in ticks)
    for part in [legend, plot, *ticks]:
        assert figure_box.x0 <= part.x0 and part.x1 <= figure_box.x1, part
        assert figure_box.y0 <= part.y0 and part.y1 <= figure_box.y1, part
    texts = [text.get_text() for text in ax.figure.legends[0].get_texts()]
    assert len(texts) == count and all(len(line) <= 44 for t in texts for line in t.split("\n"))


def test_statement_bars_colour_a_reverse_keyed_statement_in_the_favourable_direction():
    """The answers stand in the scale's order for every statement, but agreeing with a
    reverse-keyed statement is drawn in the unfavourable colour; each part of 8 % or more carries
    its percentage and "don't know" is written beside its bar."""
    counts = np.array([[0, 1, 1, 2, 6, 10], [4, 1, 1, 2, 6, 10]])  # don't know, then 1 … 5
    labels = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]
    ax = charts.likert_bars(["Plain", "Reversed"], counts, labels, reverse=[False, True])
    bars = [patch for patch in ax.patches if patch.get_width() > 0]
    plain = sorted((p for p in bars if p.get_y() > 0.5), key=lambda p: p.get_x())
    turned = sorted((p for p in bars if p.get_y() < 0.5), key=lambda p: p.get_x())
    hexes = [[matplotlib.colors.to_hex(p.get_facecolor()) for p in row] for row in (plain, turned)]
    assert hexes[0] == charts.LIKERT and hexes[1] == charts.LIKERT[::-1]
    # the same answers in the same places: "Strongly agree" (half of them) on the right
    assert [p.get_width() for p in plain] == pytest.approx([p.get_width() for p in turned])
    assert hexes[1][-1] == charts.UNFAVOURABLE and hexes[0][-1] == charts.FAVOURABLE
    written = [t.get_text() for t in ax.texts]
    assert written.count("50%") == 2 and written.count("30%") == 2
    assert "Don't know: 17%" in written
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == labels
    assert [matplotlib.colors.to_hex(h.get_facecolor()) for h in legend.legend_handles] == (
        charts.LIKERT
    )


def test_heatmap_colours_follow_the_difference_and_hidden_groups_are_grey():
    """Purple above the organisation's score, orange below, a colour bar saying so, and one grey
    column per hidden group named only "not shown"."""
    values = np.array([[60.0, 40.0], [50.0, np.nan]])
    ax = charts.heatmap(["Guidelines", "Patience"], ["Sales", "IT"], values,
                        reference=[50.0, 50.0], counts=[[20, 12], [20, None]], hidden=2,
                        legend=("below", "above"), name="dept")  # fmt: skip
    cells = {p.get_gid(): matplotlib.colors.to_rgb(p.get_facecolor()) for p in ax.patches}
    red, _, blue = cells["dept-cell-0-0"]
    assert blue > red  # 10 points above: purple
    red, _, blue = cells["dept-cell-0-1"]
    assert red > blue  # 10 points below: orange
    assert cells["dept-cell-1-1"] == (1.0, 1.0, 1.0)  # a hidden score: an empty cell
    grey = matplotlib.colors.to_rgb(charts.HIDDEN)
    assert cells["dept-hidden-0"] == cells["dept-hidden-1"] == grey
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["Sales", "IT", "not shown", "not shown"]
    bar = ax.figure.axes[1]
    assert [t.get_text().split("\n")[0] for t in bar.get_xticklabels()] == ["below", "0", "above"]
    svg = charts.to_svg(ax.figure)
    assert 'id="dept-cell-0-0"' in svg and 'id="dept-hidden-1"' in svg


def test_the_impact_chart_places_each_principle_by_score_and_share():
    from reports import charts

    ax = charts.impact_chart(
        ["Guidelines", "Dialogue", "Patience"], [40.0, 70.0, 55.0], [0.5, 0.3, 0.2],
        [True, True, False], overall=55.0,
    )  # fmt: skip
    points = [(line.get_xdata()[0], line.get_ydata()[0], line.get_markerfacecolor())
              for line in ax.lines if line.get_marker() == "o"]  # fmt: skip
    assert [(x, round(y, 6)) for x, y, _ in points] == [(40.0, 50.0), (70.0, 30.0), (55.0, 20.0)]
    assert points[2][2] == "white" and points[0][2] != "white"  # not beyond chance: hollow
    guides = [line for line in ax.lines if line.get_marker() != "o"]
    assert any(line.get_xdata()[0] == 55.0 for line in guides)  # the overall score
    assert any(abs(line.get_ydata()[0] - 100 / 3) < 1e-9 for line in guides)  # an equal share
    words = {t.get_text() for t in ax.texts}
    assert {"work on these first", "keep these strong"} <= words


def test_the_impact_charts_labels_do_not_cover_each_other():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from reports import charts

    names = ["Clear guidelines", "Open dialogue", "Leaders as role models", "Long-term view"]
    ax = charts.impact_chart(names, [53.8, 53.9, 53.7, 52.9], [0.22, 0.21, 0.24, 0.27],
                             [True] * 4, overall=53.3)  # fmt: skip
    canvas = FigureCanvasAgg(ax.figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = [
        t.get_window_extent(renderer) for t in ax.texts if t.get_text().replace("\n", " ") in names
    ]
    assert len(boxes) == 4
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)


def test_the_pool_chart_draws_the_whole_spread_and_only_the_marks():
    scores = np.array([31.0, 38.0, 42.0, 47.0, 50.0, 52.0, 55.0, 61.0, 66.0, 72.0, 80.0])
    from scoring.benchmark import pool_spread

    spread = pool_spread(scores, 5)
    few = pool_spread(scores[:6], 5)  # six organisations: no 10 % marks
    ax = charts.pool_marks_chart(["Guidelines", "Dialogue"], [spread, few], [58.0, 44.0])
    bands = {}
    for line in ax.lines:
        if len(line.get_xdata()) == 2 and line.get_linewidth() == 10:
            bands.setdefault(line.get_color(), []).append(
                (float(line.get_ydata()[0]), tuple(float(x) for x in line.get_xdata()))
            )
    row_guidelines, row_dialogue = 1.0, 0.0
    assert bands[charts.OUTER_BAND] == [(row_guidelines, (spread[0], spread[4]))]
    assert sorted(bands[charts.INNER_BAND]) == sorted(
        [(row_guidelines, (spread[1], spread[3])), (row_dialogue, (few[1], few[3]))]
    )
    medians = [line.get_xdata()[0] for line in ax.lines if line.get_marker() == "|"
               and len(line.get_xdata())]  # fmt: skip
    assert medians == [spread[2], few[2]]
    # every point drawn is a mark or the chosen round: no organisation's own score
    drawn = {float(x) for line in ax.lines for x in line.get_xdata()}
    assert drawn <= {*spread, *few, 58.0, 44.0}
    assert scores.min() not in drawn and scores.max() not in drawn
    assert spread[0] == pytest.approx(np.percentile(scores, 10))
