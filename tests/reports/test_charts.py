"""Charts whose words fit: labels and legends inside the figure, clear of the plot and of each
other."""

from __future__ import annotations

import itertools

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
