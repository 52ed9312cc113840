"""Charts for the report: ``matplotlib.figure.Figure`` (never pyplot), rendered to SVG text.

Colours come from ColorBrewer's purple–orange scheme, which readers with the common forms of
colour blindness can tell apart; every chart also carries its numbers as text.
"""

from __future__ import annotations

import io

import matplotlib
import matplotlib.cm
import matplotlib.colors
import matplotlib.patches
import numpy as np
from matplotlib.figure import Figure

UNFAVOURABLE, NEUTRAL, FAVOURABLE = "#e66101", "#bababa", "#5e3c99"
LIKERT = ["#e66101", "#fdb863", "#d9d9d9", "#b2abd2", "#5e3c99"]
INK = "#1b1f24"
# the benchmark pool's spread: the bottom-to-top 10 % band and the middle half
OUTER_BAND, INNER_BAND = "#e5e1f0", "#b2abd2"


def to_svg(figure: Figure) -> str:
    buffer = io.StringIO()
    # text stays text: readable by screen readers and searchable in the PDF, and smaller
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prologue: the SVG goes inline in HTML


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=96)
    figure.set_layout_engine("constrained")
    return figure


def radar(
    names: list[str],
    scores: list[float],
    pool_median: list[float] | None = None,
    ax=None,
    labels: tuple[str, str] = ("Score", "Benchmark median"),
):
    """The principles on a 0-100 radar."""
    if ax is None:
        ax = _figure(4.6, 4.2).add_subplot(projection="polar")
    angles = np.linspace(0, 2 * np.pi, len(names), endpoint=False)
    closed = np.append(angles, angles[0])
    ax.set_ylim(0, 100)
    ax.set_yticks([20, 40, 60, 80])
    ax.set_yticklabels(["20", "40", "60", "80"], fontsize=7, color="#4a525c")
    ax.set_xticks(angles)
    ax.set_xticklabels([_wrap(name, 16) for name in names], fontsize=8, color=INK)
    ax.tick_params(axis="x", pad=12)  # the principles' names clear of the ring
    ax.set_rlabel_position(180 / len(names))  # the scale between the first two axes
    values = np.append(scores, scores[0])
    ax.plot(closed, values, color=FAVOURABLE, linewidth=2, label=labels[0])
    ax.fill(closed, values, color=FAVOURABLE, alpha=0.2)
    if pool_median is not None:
        ax.plot(
            closed,
            np.append(pool_median, pool_median[0]),
            color=UNFAVOURABLE,
            linewidth=1.5,
            linestyle="--",
            label=labels[1],
        )
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.25), fontsize=7, frameon=False)
    return ax


def diverging_bar(shares: tuple[float, float, float], ax=None, labels=("", "", "")):
    """One row: unfavourable to the left of zero, favourable to the right, neutral split."""
    if ax is None:
        ax = _figure(4.6, 0.55).add_subplot()
    unfavourable, neutral, favourable = (0.0 if v is None else v for v in shares)
    ax.barh(0, 2, left=-1, color="#f2f2f2", height=0.6)  # the full -100 %…100 % track
    left = -unfavourable - neutral / 2
    for width, colour in (
        (unfavourable, UNFAVOURABLE),
        (neutral, NEUTRAL),
        (favourable, FAVOURABLE),
    ):
        ax.barh(0, width, left=left, color=colour, height=0.6)
        if width >= 0.08:
            ax.text(
                left + width / 2,
                0,
                f"{width:.0%}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if colour != NEUTRAL else INK,
            )
        left += width
    ax.axvline(0, color=INK, linewidth=0.8)
    ax.set_xlim(-1, 1)
    ax.set_axis_off()
    return ax


def _likert_parts(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per statement the share of "don't know" (column 0 of ``counts``), the shares of the
    scale's answers among the rest, and where each bar starts, centred on neutral."""
    counts = np.asarray(counts, dtype=float)
    unknown = np.divide(
        counts[:, 0], counts.sum(axis=1), out=np.zeros(len(counts)), where=counts.sum(axis=1) > 0
    )
    counts = counts[:, 1:]
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    points = shares.shape[1]
    middle = points // 2
    start = -shares[:, :middle].sum(axis=1) - (shares[:, middle] / 2 if points % 2 else 0)
    return unknown, shares, start


def likert_bars(
    texts: list[str],
    counts: np.ndarray,
    scale_labels: list[str],
    ax=None,
    dont_know: str = "Don't know",
    percent=lambda share: f"{share:.0%}",
    reverse: list[bool] | None = None,
    narrow: bool = False,
):
    """Diverging stacked bars of every item's answers, centred on neutral, the answers in the
    scale's order as people gave them (column 0 of ``counts`` is "don't know", written beside each
    bar that has one). Colours run from unfavourable (orange) to favourable (purple): for a
    statement with ``reverse`` set, where agreeing is unfavourable, they run the other way. Every
    part of 8 % or more carries its percentage. ``narrow``: laid out for a phone's width, each
    statement's whole text above its bar, in letters as large as the page's small print."""
    if narrow:
        return _likert_narrow(texts, counts, scale_labels, dont_know, percent, reverse)
    reverse = [False] * len(texts) if reverse is None else list(reverse)
    unknown, shares, start = _likert_parts(counts)
    points = shares.shape[1]
    if ax is None:
        ax = _figure(6.2, 0.42 * len(texts) + 0.6).add_subplot()
    palette = likert_palette(points)
    y = np.arange(len(texts))[::-1]
    for p in range(points):
        colours = [palette[points - 1 - p] if turned else palette[p] for turned in reverse]
        ax.barh(y, shares[:, p], left=start, color=colours, height=0.65)
        for row, left, share, colour in zip(y, start, shares[:, p], colours, strict=True):
            if share >= 0.08:
                ax.text(left + share / 2, row, percent(share), ha="center", va="center",
                        fontsize=6, color="white" if colour in (FAVOURABLE, UNFAVOURABLE)
                        else INK)  # fmt: skip
        start = start + shares[:, p]
    ax.axvline(0, color=INK, linewidth=0.8)
    for row, share in zip(y, unknown, strict=True):
        if share > 0:
            ax.text(1.02, row, f"{dont_know}: {percent(share)}", fontsize=6, va="center",
                    color=INK, clip_on=False)  # fmt: skip
    ax.set_yticks(y)
    ax.set_yticklabels([_wrap(t) for t in texts], fontsize=7)
    ax.set_xlim(-1, 1)
    ax.set_xticks([-1, -0.5, 0, 0.5, 1])
    ax.set_xticklabels(["100%", "50%", "0", "50%", "100%"], fontsize=7)
    # the legend: the answers in the scale's order, in a favourable statement's colours
    ax.legend(
        handles=[
            matplotlib.patches.Patch(
                color=palette[p], label=scale_labels[p] if p < len(scale_labels) else str(p)
            )
            for p in range(points)
        ],
        ncols=points, loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=6, frameon=False,
    )  # fmt: skip
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    return ax


NARROW_WIDTH = 3.6  # inches: a phone's column at about the page's own size
NARROW_TEXT = 9  # points: the statement's text
LINE = 0.16  # inches per line of NARROW_TEXT


def _likert_narrow(texts, counts, scale_labels, dont_know, percent, reverse):
    """:func:`likert_bars` for a phone: top to bottom, each statement's text (wrapped, never cut
    short), its bar across the whole width, and its "don't know" share under it."""
    reverse = [False] * len(texts) if reverse is None else list(reverse)
    unknown, shares, start = _likert_parts(counts)
    points = shares.shape[1]
    palette = likert_palette(points)
    wrapped = [_wrap(t, 44, lines=None) for t in texts]
    bar = 0.26  # inches
    blocks, top = [], 0.0
    for text, share in zip(wrapped, unknown, strict=True):
        lines = text.count("\n") + 1
        bar_y = top + lines * LINE + 0.05 + bar / 2
        below = bar_y + bar / 2 + (0.2 if share > 0 else 0.0)
        blocks.append((top, bar_y))
        top = below + 0.18
    legend_rows = -(-points // 2)
    legend = 0.19 * legend_rows + 0.12
    figure = Figure(figsize=(NARROW_WIDTH, top + legend), dpi=96)
    ax = figure.add_axes((0.01, 0.0, 0.98, top / (top + legend)))  # the key above, in its band
    ax.set_xlim(-1, 1)
    ax.set_ylim(top, 0)
    ax.axis("off")
    for i, (text, (text_y, bar_y)) in enumerate(zip(wrapped, blocks, strict=True)):
        ax.text(-1, text_y, text, fontsize=NARROW_TEXT, va="top", ha="left", color=INK,
                linespacing=1.15)  # fmt: skip
        left = start[i]
        for p in range(points):
            colour = palette[points - 1 - p] if reverse[i] else palette[p]
            share = shares[i, p]
            ax.barh(bar_y, share, left=left, height=bar, color=colour)
            if share >= 0.12:
                ax.text(left + share / 2, bar_y, percent(share), ha="center", va="center",
                        fontsize=7.5, color="white" if colour in (FAVOURABLE, UNFAVOURABLE)
                        else INK)  # fmt: skip
            left += share
        ax.plot([0, 0], [bar_y - bar / 2 - 0.03, bar_y + bar / 2 + 0.03], color=INK,
                linewidth=0.8)  # fmt: skip
        if unknown[i] > 0:
            ax.text(-1, bar_y + bar / 2 + 0.04, f"{dont_know}: {percent(unknown[i])}",
                    fontsize=7.5, va="top", ha="left", color="#4a525c")  # fmt: skip
    figure.legend(
        handles=[
            matplotlib.patches.Patch(
                color=palette[p], label=scale_labels[p] if p < len(scale_labels) else str(p)
            )
            for p in range(points)
        ],
        ncols=2, loc="upper left", bbox_to_anchor=(0.0, 1.0), fontsize=7.5, frameon=False,
        borderaxespad=0.2, handlelength=1.2, columnspacing=1.0,
    )  # fmt: skip
    return ax


HIDDEN = "#d9d9d9"  # a group not shown: grey, neither above nor below


def heatmap(
    row_names: list[str],
    column_names: list[str],
    values: np.ndarray,
    reference=None,
    counts=None,
    number=lambda value: f"{value:.1f}",
    ax=None,
    hidden: int = 0,
    hidden_label: str = "not shown",
    legend: tuple[str, str] = ("below the organisation", "above the organisation"),
    name: str = "heatmap",
):
    """Principles × groups. With ``reference`` (the organisation's own score per principle) a
    cell's colour is its difference from that score — purple above, orange below, white at the
    same, with a colour bar saying so (``legend``: its words for below and above) — so that a
    group standing out shows whatever the general level; without it, the score itself (purple
    high, orange low). Every cell carries its score (``number`` writes it in the reader's locale)
    and, with ``counts``, its number of people. ``hidden`` grey columns named ``hidden_label``
    stand for the groups not shown, with nothing of theirs. Each cell is a rectangle with the id
    ``{name}-cell-{row}-{column}``, so that its colour can be checked where it is read."""
    values = np.asarray(values, dtype=float)
    columns = len(column_names) + hidden
    if ax is None:
        ax = _figure(2.6 + 0.8 * columns, 0.5 * len(row_names) + 1.5).add_subplot()
    if reference is not None:
        shade = values - np.asarray(reference, dtype=float)[:, None]
        norm, cmap = matplotlib.colors.Normalize(-HEAT_RANGE, HEAT_RANGE), "PuOr"
    else:
        shade = values - 50
        norm, cmap = matplotlib.colors.Normalize(0, 100), "PuOr"
    colours = matplotlib.colormaps[cmap]
    for (r, c), value in np.ndenumerate(values):
        fill = "white" if np.isnan(value) else colours(norm(shade[r, c] if reference is not None
                                                            else value))  # fmt: skip
        ax.add_patch(matplotlib.patches.Rectangle(
            (c - 0.5, r - 0.5), 1, 1, facecolor=fill, edgecolor="white", linewidth=1,
            gid=f"{name}-cell-{r}-{c}"))  # fmt: skip
        if np.isnan(value):
            continue
        text = number(value)
        if counts is not None and counts[r][c] is not None:
            text += f"\nn={int(counts[r][c])}"
        strong = abs(shade[r, c]) > 0.6 * (HEAT_RANGE if reference is not None else 50)
        ax.text(c, r, text, ha="center", va="center", fontsize=8,
                color="white" if strong else INK)  # fmt: skip
    for c in range(len(column_names), columns):
        ax.add_patch(matplotlib.patches.Rectangle(
            (c - 0.5, -0.5), 1, len(row_names), facecolor=HIDDEN, edgecolor="white",
            linewidth=1, gid=f"{name}-hidden-{c - len(column_names)}"))  # fmt: skip
    ax.set_xlim(-0.5, columns - 0.5)
    ax.set_ylim(len(row_names) - 0.5, -0.5)
    ax.set_xticks(range(columns))
    ax.set_xticklabels([*column_names, *[hidden_label] * hidden], fontsize=8, rotation=30,
                       ha="right")  # fmt: skip
    ax.set_yticks(range(len(row_names)))
    ax.set_yticklabels([_wrap(n, 22) for n in row_names], fontsize=8)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    if reference is not None:
        bar = ax.figure.colorbar(
            matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, location="top",
            shrink=0.8, aspect=30, pad=0.02, ticks=[-HEAT_RANGE, 0, HEAT_RANGE],
        )  # fmt: skip
        bar.ax.set_xticklabels([f"{legend[0]}\n−{HEAT_RANGE}", "0", f"{legend[1]}\n+{HEAT_RANGE}"],
                               fontsize=7)  # fmt: skip
        bar.outline.set_visible(False)
    return ax


HEAT_RANGE = 15  # points above or below the organisation's score at which a cell is darkest


def blend(a: str, b: str, t: float) -> str:
    """The colour ``t`` of the way from ``a`` to ``b`` (hex ``#rrggbb``)."""
    ca = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb, strict=True))


def likert_palette(points: int) -> list[str]:
    """The answer colours of a scale of ``points`` points, least favourable first: the report's
    five, or as many steps from orange to purple."""
    if points == len(LIKERT):
        return list(LIKERT)
    return [blend(UNFAVOURABLE, FAVOURABLE, i / max(points - 1, 1)) for i in range(points)]


def _wrap(text: str, width: int = 48, lines: int | None = 3) -> str:
    """``text`` in lines of at most ``width`` characters, cut short after ``lines`` lines (None:
    never)."""
    most, words, lines, line = lines, text.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    if most is None or len(lines) <= most:
        return "\n".join(lines)
    return "\n".join(lines[:most]) + "…"


SERIES = ["#5e3c99", "#e66101", "#1b7837", "#b2abd2", "#fdb863", "#4d4d4d"]
MARKERS = ["o", "s", "^", "D", "v", "P"]


def radar_overlay(names: list[str], series: list[tuple[str, list[float]]], ax=None):
    """Several rounds on one radar; colour and marker tell them apart."""
    if ax is None:
        ax = _figure(5.2, 4.6).add_subplot(projection="polar")
    angles = np.linspace(0, 2 * np.pi, len(names), endpoint=False)
    closed = np.append(angles, angles[0])
    for i, (label, scores) in enumerate(series):
        ax.plot(
            closed,
            np.append(scores, scores[0]),
            color=SERIES[i % 6],
            linewidth=1.8,
            marker=MARKERS[i % 6],
            markersize=4,
            label=label,
        )
    ax.set_ylim(0, 100)
    ax.set_yticks([20, 40, 60, 80])
    ax.set_yticklabels(["20", "40", "60", "80"], fontsize=7)
    ax.set_xticks(angles)
    ax.set_xticklabels(names, fontsize=8)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.35), fontsize=7, frameon=False)
    return ax


def impact_chart(
    names: list[str],
    scores: list[float],
    shares: list[float],
    beyond: list[bool],
    quadrants: tuple[str, str, str, str] = (
        "work on these first", "keep these strong", "less urgent", "fine as they are"),
    overall: float | None = None,
    ax=None,
):  # fmt: skip
    """Each principle's score (x, 0–100) against its share of what drives advocacy (y, %): the
    drivers read as a priority map. The vertical line is the overall score (or the principles'
    mean), the horizontal one an equal share (100 % ÷ the principles); ``quadrants`` name the four
    corners — high share and low score, high and high, low and low, low and high. A principle
    whose weight does not beat a random variable's (``beyond`` false) is drawn hollow."""
    scores, shares = np.asarray(scores, dtype=float), np.asarray(shares, dtype=float) * 100
    if ax is None:
        ax = _figure(6.0, 3.6).add_subplot()
    centre = float(overall) if overall is not None else float(np.nanmean(scores))
    equal = 100.0 / max(len(names), 1)
    low_x, high_x = min(np.nanmin(scores), centre) - 8, max(np.nanmax(scores), centre) + 8
    top = max(np.nanmax(shares), equal) * 1.25
    ax.axvline(centre, color="#9aa0a6", linewidth=0.8, linestyle="--")
    ax.axhline(equal, color="#9aa0a6", linewidth=0.8, linestyle="--")
    corners = ((0.01, 0.99, "left", "top"), (0.99, 0.99, "right", "top"),
               (0.01, 0.01, "left", "bottom"), (0.99, 0.01, "right", "bottom"))  # fmt: skip
    for (x, y, across, up), text in zip(corners, quadrants, strict=True):
        ax.text(x, y, text, fontsize=7, color="#4a525c", ha=across, va=up,
                transform=ax.transAxes)  # fmt: skip
    placed: list[tuple[float, float, float]] = []  # labels: x, bottom, top as axes shares
    span_x, line = high_x - low_x, 0.055  # a line of 7-point text, as a share of the axes
    for name, x, y, strong in sorted(
        zip(names, scores, shares, beyond, strict=True), key=lambda p: -np.nan_to_num(p[2])
    ):
        if np.isnan(x) or np.isnan(y):
            continue
        ax.plot([x], [y], marker="o", markersize=8, linestyle="none", color=FAVOURABLE,
                markerfacecolor=FAVOURABLE if strong else "white")  # fmt: skip
        text = _wrap(name, 18)
        height = line * (text.count("\n") + 1)
        at = ((x - low_x) / span_x, y / top)
        bottom = at[1] + 0.01
        # a label that would sit on another one moves below it
        for px, low, high in sorted(placed, key=lambda p: -p[2]):
            if abs(px - at[0]) < 0.3 and bottom < high and bottom + height > low:
                bottom = low - height - 0.01
        placed.append((at[0], bottom, bottom + height))
        ax.annotate(text, (x, y), xytext=(at[0] + 0.015, bottom), textcoords="axes fraction",
                    fontsize=7, color=INK, va="bottom",
                    arrowprops={"arrowstyle": "-", "color": "#9aa0a6", "linewidth": 0.5}
                    if bottom != at[1] + 0.01 else None)  # fmt: skip
    ax.set_xlim(low_x, high_x)
    ax.set_ylim(0, top)
    ax.tick_params(labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def score_intervals(
    names: list[str], rounds: list[tuple[str, list[tuple[float, float, float]]]], ax=None
):
    """Per principle, each round's score with its 95 % interval, side by side.

    Each round comes with one ``(score, low, high)`` per principle, NaN where the round shows no
    figure (the principle is then left out for that round) or no interval (the score alone is
    drawn). Only what the comparison's table publishes: no respondent's score, no quantile. The
    legend sits below the plot in up to two columns, its names wrapped, and the figure grows with
    it, so that long organisation and round names never squeeze the plot or overlap each other.
    """
    legend_rows = sum(_wrap(label, 44).count("\n") + 1 for label, _ in rounds[::2]) or 1
    if ax is None:
        ax = _figure(6.4, 3.0 + 0.17 * legend_rows).add_subplot()
    width = 0.8 / max(len(rounds), 1)
    for i, (label, figures) in enumerate(rounds):
        centre = np.arange(len(names)) + (i - (len(rounds) - 1) / 2) * width
        score, low, high = (np.array(column, dtype=float) for column in zip(*figures, strict=True))
        style = {"color": SERIES[i % 6], "marker": MARKERS[i % 6], "markersize": 5}
        spanned = ~np.isnan(score) & ~np.isnan(low) & ~np.isnan(high)
        ax.errorbar(
            centre[spanned],
            score[spanned],
            yerr=np.vstack([score - low, high - score])[:, spanned],
            linestyle="none",
            capsize=2.5,
            elinewidth=1.4,
            label=_wrap(label, 44),
            **style,
        )
        alone = ~np.isnan(score) & ~spanned
        if alone.any():
            ax.plot(centre[alone], score[alone], linestyle="none", **style)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels([_wrap(n, 14) for n in names], fontsize=7)
    ax.set_xlim(-0.5, len(names) - 0.5)
    ax.set_ylim(0, 100)
    ax.set_ylabel("0–100", fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.figure.legend(
        *ax.get_legend_handles_labels(),
        fontsize=7,
        frameon=False,
        ncols=min(len(rounds), 2),
        loc="outside lower center",
    )
    return ax


def pool_marks_chart(
    names: list[str],
    marks: list[tuple[float | None, ...]],
    position: list[float] | None = None,
    labels: tuple[str, str, str, str] = (
        "bottom 10% – top 10%",
        "middle half",
        "median",
        "this round",
    ),
    ax=None,
):
    """Per principle, the whole spread of the pool's organisations — a light band from the
    bottom-10 % to the top-10 % mark, a darker one over the middle half (bottom 25 % to top 25 %),
    the median — and, if given, a round's score as a diamond. ``marks``: per principle the five
    marks of :func:`scoring.benchmark.pool_spread` (None or NaN: not shown; without the 10 % marks
    there is no light band). Only the marks the page's table shows: no organisation's own score."""
    if ax is None:
        ax = _figure(6.4, 0.55 * len(names) + 1.1).add_subplot()
    rows = np.arange(len(names))[::-1]

    def known(value) -> bool:
        return value is not None and value == value

    for row, (low10, low25, median, top25, top10) in zip(rows, marks, strict=True):
        if known(low10) and known(top10):
            ax.plot([low10, top10], [row, row], color=OUTER_BAND, linewidth=10,
                    solid_capstyle="butt")  # fmt: skip
        if known(low25) and known(top25):
            ax.plot([low25, top25], [row, row], color=INNER_BAND, linewidth=10,
                    solid_capstyle="butt")  # fmt: skip
        if known(median):
            ax.plot([median], [row], marker="|", markersize=16, color=INK, mew=2.5)
    if any(known(m[0]) for m in marks):
        ax.plot([], [], color=OUTER_BAND, linewidth=8, label=labels[0])
    ax.plot([], [], color=INNER_BAND, linewidth=8, label=labels[1])
    ax.plot([], [], marker="|", linestyle="", markersize=12, color=INK, mew=2.5, label=labels[2])
    if position is not None:
        ax.plot(position, rows, marker="D", linestyle="", color=FAVOURABLE, markersize=7,
                markeredgecolor="#ffffff", label=labels[3])  # fmt: skip
    ax.set_xlim(0, 100)
    ax.set_yticks(rows)
    ax.set_yticklabels(names, fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, fontsize=7, frameon=False)
    return ax
