"""The workbook's sheets that set the round against something: the last round (trend), advocacy
(drivers) and other organisations (benchmark)."""

from __future__ import annotations

from reports import charts
from reports.numbers import number
from reports.release import Release
from reports.workbook_parts import bar_chart, interval_ends, write_table

__all__ = ["benchmark_sheet", "drivers_sheet", "trend_sheet"]


def trend_sheet(book, report: Release, text, formats, names) -> None:
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
        text["matters"],
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
    last = write_table(sheet, 0, header, rows, formats, {c: "score" for c in range(1, 6)})
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


def drivers_sheet(book, report: Release, text, formats, names) -> None:
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
    last = write_table(
        sheet, 0, header, rows, formats, {1: "share", 2: "share", 3: "share", 4: "r"}
    )
    sheet.write(last + 2, 0, text["r_squared"])
    sheet.write(last + 2, 1, drivers.r_squared, formats["share"])
    if drivers.n is not None:
        sheet.write(last + 3, 0, "n")
        sheet.write(last + 3, 1, drivers.n)
    sheet.write(last + 4, 0, text["drivers"])
    chart = bar_chart(book, sheet, 1, last, 1, text["share"], percent=True)
    sheet.insert_chart(last + 6, 0, chart, {"x_scale": 1.4})


def benchmark_sheet(book, report: Release, text, formats, names) -> None:
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
            *interval_ends(b.percentile_ci95, 100),
            b.median,
            *interval_ends(b.median_ci95),
            b.top25,
            *interval_ends(b.top25_ci95),
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
    last = write_table(sheet, 0, header, rows, formats, columns)
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
