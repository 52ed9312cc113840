"""The report as an Excel workbook (XlsxWriter): one sheet per part — overview, principles,
statements, groups, change, advocacy, drivers, benchmark, comments, actions — with native Excel
charts, number formats and dates.

It is built from the :class:`reports.release.Release` that the page shows, so it holds exactly the
figures that passed disclosure control there and nothing more: hidden principles and groups stay
empty, statement answers are the merged counts of the page, comments are those the page shows in
its order, and no sheet has a row per person. Scores are stored unrounded and *shown* with one
decimal; Excel shows the decimal separator of the reader's own locale, the labels are in the
report's language.
"""

from __future__ import annotations

import io
from typing import Any

from reports import charts
from reports.numbers import number
from reports.office import as_date, heat_colour
from reports.release import Release
from reports.texts import office_texts

__all__ = ["report_xlsx"]

SCORES = {"num_format": "0.0"}


def report_xlsx(report: Release, labels: list[str], actions: list[dict[str, Any]]) -> bytes:
    """The workbook's bytes. ``labels`` are the scale's answer labels in the report's language;
    ``actions`` the round's action plan (dimension, text, owner, due, status)."""
    import xlsxwriter

    text = office_texts(report.lang)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "nan_inf_to_errors": True})
    book.set_properties({"title": f"{report.organisation} — {report.campaign}"})
    formats = {
        "head": book.add_format(
            {"bold": True, "bg_color": "#EDE7F6", "border": 1, "text_wrap": True, "valign": "top"}
        ),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "score": book.add_format(SCORES),
        "priority": book.add_format({"num_format": "0.00"}),
        "share": book.add_format({"num_format": "0%"}),
        "r": book.add_format({"num_format": "0.00"}),
        "date": book.add_format(
            {"num_format": "yyyy-mm-dd" if report.lang == "en" else "d-m-yyyy"}
        ),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
    }
    names = {d.key: d.name for d in report.dimensions}
    _overview(book, report, text, formats, names)
    if report.enough:
        _principles(book, report, text, formats)
        _statements(book, report, text, formats, labels)
        _groups(book, report, text, formats)
        _trend(book, report, text, formats, names)
        _advocacy(book, report, text, formats, labels)
        _drivers(book, report, text, formats, names)
        _benchmark(book, report, text, formats, names)
        _comments(book, report, text, formats)
    _actions(book, actions, text, formats, names)
    book.close()
    return buffer.getvalue()


def _table(sheet, row: int, header: list[str], rows: list[list], formats, columns=None) -> int:
    sheet.write_row(row, 0, header, formats["head"])
    for offset, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            style = formats.get((columns or {}).get(col))
            if value is None:
                sheet.write_blank(row + offset, col, None, style)
            elif style is formats["date"]:
                sheet.write_datetime(row + offset, col, value, style)
            else:
                sheet.write(row + offset, col, value, style)
    return row + len(rows)


def _bar_chart(book, sheet, first: int, last: int, column: int, title: str, percent=False):
    """A horizontal bar chart of one column (names in column 0), in the report's purple."""
    chart = book.add_chart({"type": "bar"})
    chart.add_series(
        {
            "name": title,
            "categories": [sheet.name, first, 0, last, 0],
            "values": [sheet.name, first, column, last, column],
            "data_labels": {"value": True, "num_format": "0%" if percent else "0.0"},
            "fill": {"color": charts.FAVOURABLE},
            "gap": 60,
        }
    )
    chart.set_x_axis(
        {"min": 0, **({} if percent else {"max": 100}), "num_format": "0%" if percent else "0"}
    )
    chart.set_y_axis({"reverse": True})  # the first row on top, as in the table
    chart.set_legend({"none": True})
    chart.set_title({"name": title, "name_font": {"size": 12}})
    return chart


def _overview(book, report: Release, text, formats, names) -> None:
    sheet = book.add_worksheet(text["overview"])
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 3, 14)
    sheet.write(0, 0, f"{report.organisation} — {report.campaign}", formats["title"])
    sheet.write(2, 0, text["responses"])
    sheet.write(2, 1, report.n_responses)
    if not report.enough:
        sheet.write(4, 0, text["no_figures"])
        return
    if report.overall and report.overall.score is not None:
        sheet.write(3, 0, text["overall"])
        sheet.write(3, 1, report.overall.score, formats["score"])
        sheet.write(4, 0, text["level"])
        level = report.overall
        sheet.write(4, 1, level.level)
        sheet.write(4, 2, text["level_names"].get(level.level_name, level.level_name))
    recommendations = [
        [names.get(r.dimension, r.dimension), r.text, r.priority] for r in report.recommendations
    ]
    if recommendations:
        header = [text["principle"], text["where_to_start"], text["priority"]]
        _table(sheet, 6, header, recommendations, formats, {1: "wrap", 2: "priority"})
        sheet.set_column(1, 1, 80)


def _principles(book, report: Release, text, formats) -> None:
    sheet = book.add_worksheet(text["principles"])
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 13, 12)
    sheet.set_row(0, 45)
    header = [
        text["principle"],
        "n",
        text["score"],
        text["ci_low"],
        text["ci_high"],
        text["level"],
        text["favourable"],
        text["neutral"],
        text["unfavourable"],
        text["dont_know_share"],
        text["alpha"],
        text["alpha_n"],
        text["omega"],
        text["omega_method"],
    ]
    rows = []
    for d in report.dimensions:
        if not d.shown:
            rows.append([d.name, None, None, None, None, text["hidden"], *[None] * 8])
            continue
        low, high = d.ci95 or (None, None)
        method = text["omega_methods"].get(d.omega_method) if d.omega_method else None
        rows.append(
            [
                d.name,
                d.n,
                d.score,
                low,
                high,
                d.level,
                d.favourable,
                d.neutral,
                d.unfavourable,
                d.dont_know,
                d.alpha,
                d.alpha_n,
                d.omega,
                method,
            ]
        )
    last = _table(
        sheet,
        0,
        header,
        rows,
        formats,
        {
            2: "score",
            3: "score",
            4: "score",
            6: "share",
            7: "share",
            8: "share",
            9: "share",
            10: "r",
            12: "r",
        },
    )
    chart = _bar_chart(book, sheet, 1, last, 2, text["score"])
    sheet.insert_chart(last + 2, 0, chart, {"x_scale": 1.6, "y_scale": 1.2})


def _statement_rows(dim):
    for item in dim.items if dim.shown else ():
        # the page's counts, over the principle's n: answers (and "don't know") given by
        # 1 … k−1 people are merged there already
        yield [dim.name, item.text, *item.counts[1:], item.counts[0], item.dont_know]


def _statements(book, report: Release, text, formats, labels: list[str]) -> None:
    sheet = book.add_worksheet(text["statements"])
    rows = [row for d in report.dimensions for row in _statement_rows(d)]
    _statement_sheet(book, sheet, rows, text, formats, labels)


def _statement_sheet(book, sheet, rows, text, formats, labels, top: int = 0) -> None:
    """The statements' answers, and a stacked 100 % chart of them in the report's colours."""
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 70)
    sheet.set_column(2, 2 + len(labels) + 1, 12)
    header = [
        text["principle"],
        text["statement"],
        *labels,
        text["dont_know"],
        text["dont_know_share"],
    ]
    share = 2 + len(labels) + 1
    last = _table(sheet, top, header, rows, formats, {1: "wrap", share: "share"})
    if not rows:
        return
    chart = book.add_chart({"type": "bar", "subtype": "percent_stacked"})
    palette = charts.LIKERT if len(labels) == len(charts.LIKERT) else [None] * len(labels)
    for col, colour in enumerate([*palette, "#FFFFFF"], start=2):
        chart.add_series(
            {
                "name": [sheet.name, top, col],
                "categories": [sheet.name, top + 1, 1, last, 1],
                "values": [sheet.name, top + 1, col, last, col],
                **({"fill": {"color": colour}} if colour else {}),
                "border": {"color": charts.NEUTRAL if colour == "#FFFFFF" else "#FFFFFF"},
                "gap": 50,
            }
        )
    chart.set_y_axis({"reverse": True, "num_font": {"size": 8}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 1000, "height": 60 + 34 * len(rows)})
    sheet.insert_chart(last + 2, 1, chart)


def _groups(book, report: Release, text, formats) -> None:
    shown = [d for d in report.dimensions if d.shown]
    sheet = book.add_worksheet(text["groups"])
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 8)
    sheet.set_column(2, 1 + len(shown), 16)
    heat = {}
    row = 0
    for breakdown in report.breakdowns:
        segment = breakdown.label or text["segment_names"].get(breakdown.key, breakdown.key)
        header = [segment, "n", *[d.name for d in shown]]
        sheet.write_row(row, 0, header, formats["head"])
        for group in breakdown.groups:
            row += 1
            sheet.write(row, 0, group.label)
            sheet.write(row, 1, group.n)
            for col, dim in enumerate(shown, start=2):
                score = group.score_of(dim.key).score
                if score is None:
                    sheet.write(row, col, "–")
                    continue
                colour = heat_colour(score - dim.score, strength=0.45)  # the number stays readable
                if colour not in heat:
                    heat[colour] = book.add_format({**SCORES, "bg_color": colour})
                sheet.write(row, col, score, heat[colour])
        row += 1
        if breakdown.hidden_groups:
            sheet.write(row, 0, text["groups_hidden"].format(n=breakdown.hidden_groups))
            row += 1
        row += 1
    if report.breakdowns:
        sheet.write(row, 0, text["heat_legend"])


def _trend(book, report: Release, text, formats, names) -> None:
    if not report.trend:
        return
    sheet = book.add_worksheet(text["trend"])
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 5, 14)
    sheet.set_column(6, 6, 36)
    header = [
        text["principle"],
        report.trend.previous,
        report.campaign,
        text["difference"],
        text["ci_low"],
        text["ci_high"],
        text["real"],
    ]
    rows = [
        [
            names.get(r.key, r.key),
            r.before,
            r.now,
            r.difference,
            *r.difference_ci95,
            text["verdicts"][r.verdict],
        ]
        for r in report.trend.dimensions
    ]
    last = _table(sheet, 0, header, rows, formats, {c: "score" for c in range(1, 6)})
    chart = book.add_chart({"type": "column"})
    for col, colour in ((1, charts.NEUTRAL), (2, charts.FAVOURABLE)):
        chart.add_series(
            {
                "name": [sheet.name, 0, col],
                "categories": [sheet.name, 1, 0, last, 0],
                "values": [sheet.name, 1, col, last, col],
                "fill": {"color": colour},
                "data_labels": {"value": True, "num_format": "0.0"},
            }
        )
    chart.set_y_axis({"min": 0, "max": 100})
    chart.set_legend({"position": "bottom"})
    chart.set_title(
        {
            "name": text["change_since"] % {"previous": report.trend.previous},
            "name_font": {"size": 12},
        }
    )
    sheet.insert_chart(last + 2, 0, chart, {"x_scale": 1.6})


def _advocacy(book, report: Release, text, formats, labels) -> None:
    outcome = report.outcome
    if not outcome or not outcome.shown:
        return
    sheet = book.add_worksheet(text["advocacy"])
    sheet.write(0, 0, text["advocacy"], formats["title"])
    low, high = outcome.ci95 or (None, None)
    figures = [
        ("n", outcome.n, None),
        (text["score"], outcome.score, "score"),
        (text["ci_low"], low, "score"),
        (text["ci_high"], high, "score"),
        (text["favourable"], outcome.favourable, "share"),
        (text["unfavourable"], outcome.unfavourable, "share"),
    ]
    for row, (label, value, style) in enumerate(figures, start=1):
        sheet.write(row, 0, label)
        if value is not None:
            sheet.write(row, 1, value, formats.get(style))
    rows = list(_statement_rows(outcome))
    _statement_sheet(book, sheet, rows, text, formats, labels, top=len(figures) + 2)


def _drivers(book, report: Release, text, formats, names) -> None:
    drivers = report.drivers
    if not drivers or not drivers.principles:
        return
    sheet = book.add_worksheet(text["drivers"].split(":")[0][:31])
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 5, 14)
    sheet.set_row(0, 45)
    header = [
        text["principle"],
        text["share"],
        text["ci_low"],
        text["ci_high"],
        text["weight"],
        text["beyond_chance"],
    ]
    rows = [
        [
            names.get(w.key, w.key),
            w.share,
            w.share_low,
            w.share_high,
            w.weight,
            text["yes"] if w.beyond_chance else text["not_clearly"],
        ]
        for w in drivers.principles
    ]
    last = _table(sheet, 0, header, rows, formats, {1: "share", 2: "share", 3: "share", 4: "r"})
    sheet.write(last + 2, 0, text["r_squared"])
    sheet.write(last + 2, 1, drivers.r_squared, formats["share"])
    if drivers.n is not None:
        sheet.write(last + 3, 0, "n")
        sheet.write(last + 3, 1, drivers.n)
    sheet.write(last + 4, 0, text["drivers"])
    chart = _bar_chart(book, sheet, 1, last, 1, text["share"], percent=True)
    sheet.insert_chart(last + 6, 0, chart, {"x_scale": 1.4})


def _benchmark(book, report: Release, text, formats, names) -> None:
    benchmark = report.benchmark
    if not benchmark or not benchmark.dimensions:
        return
    sheet = book.add_worksheet(text["benchmark"][:31])
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 16, 13)
    sheet.set_row(0, 60)
    low, high = text["ci_low"], text["ci_high"]
    header = [
        text["principle"],
        text["score"],
        text["organisations"],
        text["percentile"],
        f"{text['percentile']}: {low}",
        f"{text['percentile']}: {high}",
        text["median"],
        f"{text['median']}: {low}",
        f"{text['median']}: {high}",
        text["top25"],
        f"{text['top25']}: {low}",
        f"{text['top25']}: {high}",
        text["top10"],
        text["difference"],
        text["against_median"],
        text["shrunk"],
        text["between_sd"],
    ]
    scores = {d.key: d.score for d in report.dimensions}
    verdicts = text["benchmark_verdicts"]
    rows = [
        [
            names.get(b.key, b.key),
            scores.get(b.key),
            b.organisations,
            b.percentile / 100 if b.percentile is not None else None,
            *_ends(b.percentile_ci95, 100),
            b.median,
            *_ends(b.median_ci95),
            b.top25,
            *_ends(b.top25_ci95),
            b.top10,
            b.difference,
            verdicts[b.verdict] % {"d": number(b.difference, 1, report.lang, True)},
            b.shrunk,
            b.between_sd,
        ]
        for b in benchmark.dimensions
    ]
    columns = {c: "score" for c in (1, 6, 7, 8, 9, 10, 11, 12, 13, 16)}
    columns |= {3: "share", 4: "share", 5: "share"}
    last = _table(sheet, 0, header, rows, formats, columns)
    chart = book.add_chart({"type": "bar"})
    for col, colour in ((1, charts.FAVOURABLE), (6, charts.NEUTRAL), (9, charts.LIKERT[3])):
        chart.add_series(
            {
                "name": [sheet.name, 0, col],
                "categories": [sheet.name, 1, 0, last, 0],
                "values": [sheet.name, 1, col, last, col],
                "fill": {"color": colour},
            }
        )
    chart.set_x_axis({"min": 0, "max": 100})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    chart.set_title({"name": text["benchmark"], "name_font": {"size": 12}})
    sheet.insert_chart(last + 2, 0, chart, {"x_scale": 1.6, "y_scale": 1.2})


def _ends(interval, scale: float = 1.0) -> list:
    if not interval or interval[0] is None or interval[1] is None:
        return [None, None]
    return [interval[0] / scale, interval[1] / scale]


def _comments(book, report: Release, text, formats) -> None:
    if not report.comments:
        return
    sheet = book.add_worksheet(text["comments"])
    sheet.set_column(0, 0, 100)
    _table(sheet, 0, [text["comment"]], [[c] for c in report.comments], formats, {0: "wrap"})


def _actions(book, actions: list[dict[str, Any]], text, formats, names) -> None:
    sheet = book.add_worksheet(text["actions"])
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 70)
    sheet.set_column(2, 4, 16)
    rows = [
        [
            names.get(a["dimension"], a["dimension"]),
            a["text"],
            a["owner"],
            as_date(a["due"]),
            text["status"].get(a["status"], ""),
        ]
        for a in actions
    ]
    header = [text["principle"], text["action"], text["owner"], text["due"], text["state"]]
    _table(sheet, 0, header, rows, formats, {1: "wrap", 3: "date"})
