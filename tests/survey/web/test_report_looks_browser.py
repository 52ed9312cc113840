"""The report as its readers see it (Chromium, and WeasyPrint's pages for the PDF): the heatmap's
cells coloured as its caption says, and no table cell whose words or numbers break inside
themselves, on a phone, on a desktop and on paper, in English and Dutch."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reports import numbers
from reports.model import RoundData, Thresholds, build_report
from reports.render import STYLESHEET, render_body, render_document
from scoring.instrument import load_instrument
from survey import policy

from ..conftest import serious_violations

THRESHOLDS = Thresholds(
    policy.COMMENT_MIN_GROUP_SIZE, policy.POOL_MIN_ORGANISATIONS, policy.SIGNIFICANCE_LEVEL
)
APP_CSS = Path(__file__).resolve().parents[3] / "survey" / "static" / "css" / "app.css"
# Sales answers higher than the rest, IT lower: their cells lie above and below the
# organisation's score. Nobody is in Legal: a group not shown, drawn as a grey column.
DEPARTMENTS = {"Sales": (24, 1), "IT": (18, -1), "Operations": (16, 0), "Finance": (12, 0),
               "Legal": (0, 0)}  # fmt: skip
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1440, "height": 900}


def a_round(instrument, seed: int, name: str, shift: int) -> RoundData:
    rng = np.random.default_rng(seed)
    segments, lift = [], []
    for department, (count, step) in DEPARTMENTS.items():
        segments += [{"department": department}] * count
        lift += [step] * count
    offsets = rng.integers(0, 5, size=(len(segments), len(instrument.item_keys)))
    offsets = np.clip(offsets + np.array(lift)[:, None] + shift, 0, 4).astype(np.int8)
    offsets[rng.random(offsets.shape) < 0.04] = -1  # some "don't know"
    questions = [{"key": "department", "options": list(DEPARTMENTS)}]
    return RoundData(name, offsets, [dict(s) for s in segments], questions, 5, True, [])


@pytest.fixture(scope="module", params=["en", "nl"])
def release(request):
    """A closed round with a previous one (a trend), a benchmark pool and a breakdown."""
    instrument = load_instrument()
    pool = [
        {
            "external": False,
            "dimensions": {
                d.key: {"n": 80, "mean": 45.0 + 2 * i, "sd": 20.0, "bins": []}
                for d in instrument.dimensions
            },
        }
        for i in range(12)
    ]
    built = build_report(
        instrument,
        a_round(instrument, 1, "Autumn 2026", 0),
        organisation="Acme",
        lang=request.param,
        previous=a_round(instrument, 2, "Spring 2026", -1),
        thresholds=THRESHOLDS,
        pool=pool,
        pool_version="1",
    )
    assert built.trend and built.benchmark and built.breakdowns[0].groups
    return built, list(instrument.scale.labels[request.param])


def page_of(browser, release, viewport):
    """The report's body in a page with the web app's stylesheets, as HR reads it."""
    built, labels = release
    css = APP_CSS.read_text(encoding="utf-8") + STYLESHEET.read_text(encoding="utf-8")
    page = browser.new_page(viewport=viewport, locale="nl-NL" if built.lang == "nl" else "en-GB")
    page.set_content(
        f'<!doctype html><html lang="{built.lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Report</title>'
        f"<style>{css}</style></head><body><main>{render_body(built, labels)}</main></body></html>"
    )
    return page


def test_heatmap_cells_are_purple_above_and_orange_below_the_organisation(browser, release):
    """Each cell's colour, read from the screen just left of its score, is purple where the
    group scores above the organisation's own score on the principle and orange where below;
    the colour bar says which is which, hidden groups are grey columns without their names, and
    on a phone the cells' numbers are of a readable size."""
    built, _labels = release
    breakdown = built.breakdowns[0]
    own = {d.key: d.score for d in built.dimensions}
    cells = {}  # the score as written in the cell → its difference from the organisation's
    for group in breakdown.groups:
        for score in group.scores:
            if score.score is not None:
                text = numbers.number(score.score, 1, built.lang)
                cells.setdefault(text, []).append(score.score - own[score.principle])
    differences = [d for d in cells.values() if len(d) == 1 and abs(d[0]) >= 2]
    assert any(d[0] > 0 for d in differences) and any(d[0] < 0 for d in differences)

    page = page_of(browser, release, DESKTOP)
    figure = page.locator("figure.heatmap").first
    shot = Image.open(io.BytesIO(figure.screenshot())).convert("RGB")
    origin = figure.bounding_box()
    texts = figure.locator("svg text")
    checked = 0
    for i in range(texts.count()):
        text = texts.nth(i).text_content().strip()
        if text not in cells or len(cells[text]) != 1 or abs(cells[text][0]) < 2:
            continue
        box = texts.nth(i).bounding_box()
        red, _green, blue = shot.getpixel(
            (round(box["x"] - origin["x"] - 5), round(box["y"] - origin["y"] + box["height"] / 2))
        )
        above = cells[text][0] > 0
        assert (blue > red + 20) if above else (red > blue + 20), (text, cells[text], red, blue)
        checked += 1
    assert checked >= 0.8 * len(differences)

    words = " ".join(figure.locator("svg").all_text_contents())
    legend = {"en": ("above the organisation", "below the organisation"),
              "nl": ("boven de organisatie", "onder de organisatie")}[built.lang]  # fmt: skip
    assert all(phrase in words for phrase in legend)
    hidden_name = {"en": "not shown", "nl": "niet getoond"}[built.lang]
    assert words.count(hidden_name) == breakdown.hidden_groups > 0
    shown = {g.label for g in breakdown.groups}
    for name in set(DEPARTMENTS) - shown:  # neither the name nor the n of a hidden group
        assert name not in words
    page.close()

    phone = page_of(browser, release, PHONE)
    scores = phone.locator("figure.heatmap svg text").filter(has_text=re.compile(r"^\d+[.,]\d$"))
    heights = [scores.nth(i).bounding_box()["height"] for i in range(scores.count())]
    assert heights and min(heights) >= 10  # CSS px: as large as the page's small print
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    phone.close()


# Every word and number of a table cell, and the lines its pieces were laid out on: a token
# whose pieces lie on two lines was broken inside itself. A break after a hyphen before a letter
# ("Long-|term", "95%-|interval") is where the word itself may break, as in print; never one
# before a digit ("-0.6").
SPLIT_TOKENS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll(".report th, .report td")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.textContent.matchAll(/[^\\s]+/g)) {
        let start = match.index;
        for (const piece of match[0].split(/(?<=\\S-)(?=\\p{L})/u)) {
          const range = document.createRange();
          range.setStart(node, start);
          range.setEnd(node, start + piece.length);
          start += piece.length;
          const tops = new Set([...range.getClientRects()]
            .filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          if (tops.size > 1) broken.push(`${piece} in “${cell.textContent.trim()}”`);
        }
      }
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_table_cell_breaks_inside_a_word_or_number(browser, release, viewport):
    """The summary, benchmark, drivers and change tables: every word and number on one line,
    the page no wider than the screen (a wide table scrolls inside its box, which the keyboard
    can reach: axe finds nothing serious)."""
    page = page_of(browser, release, viewport)
    assert page.locator(".report table").count() >= 4
    assert page.evaluate(SPLIT_TOKENS) == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
    assert serious_violations(page) == []
    page.close()


def test_no_table_cell_of_the_pdf_breaks_inside_a_word_or_number(release):
    """The PDF's pages as WeasyPrint lays them out (what it draws): every piece of text on a
    line of a table cell is a whole word or number of that cell, or a part of a word ending in
    its own hyphen before a letter ("Long-" and "term")."""
    from weasyprint import HTML
    from weasyprint.formatting_structure import boxes

    built, labels = release
    document = HTML(string=render_document(built, labels)).render()

    def descendants(box, kind):
        if isinstance(box, kind):
            yield box
        for child in getattr(box, "children", ()):
            yield from descendants(child, kind)

    broken, seen = [], 0
    for page in document.pages:
        # WeasyPrint's laid-out boxes (no public accessor): each line of each cell
        for cell in descendants(page._page_box, boxes.TableCellBox):
            tokens = set(" ".join(cell.element.itertext()).split())
            tokens |= {part for t in tokens for part in re.split(r"(?<=\S-)(?=[^\W\d_])", t)}
            for line in descendants(cell, boxes.LineBox):
                seen += 1
                text = "".join(t.text for t in descendants(line, boxes.TextBox))
                broken += [f"{piece} in {sorted(tokens)[:6]}" for piece in text.split()
                           if piece not in tokens]  # fmt: skip
    assert seen > 50  # the tables were found
    assert broken == []


STATEMENT_SIZES = """() => [...document.querySelectorAll('.chart.items')].map(figure => {
  const shown = [...figure.querySelectorAll('.wide, .narrow')].filter(
    part => getComputedStyle(part).display !== 'none');
  return shown.map(part => ({
    kind: part.className,
    // each statement's text as drawn: the rendered height of a line, in CSS pixels
    sizes: [...part.querySelectorAll('text')].filter(t => t.textContent.length > 30)
      .map(t => t.getBoundingClientRect().height / (t.querySelectorAll('tspan').length || 1)),
    width: part.getBoundingClientRect().width,
  }));
})"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_statement_charts_are_readable_on_a_phone(browser, release, viewport):
    """On a phone each statement chart is the narrow one, its statements' text at least 12 CSS
    pixels a line (the wide chart, shrunk to the phone's width, drew them at about 7); on a
    desktop the wide one, statements beside their bars."""
    page = page_of(browser, release, viewport)
    figures = page.evaluate(STATEMENT_SIZES)
    assert len(figures) >= 6  # five principles and advocacy
    for shown in figures:
        assert len(shown) == 1  # one of the two charts, never both
        (chart,) = shown
        assert chart["kind"] == ("narrow" if viewport is PHONE else "wide")
        assert chart["width"] <= viewport["width"]
        assert chart["sizes"] and min(chart["sizes"]) >= (12 if viewport is PHONE else 9)
    page.close()
