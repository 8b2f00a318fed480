"""Rendering a report period as HTML and as a PDF with charts (matplotlib, Agg backend).

Pages of the PDF: see `render_pdf`; the text sections come from `reports_sections`. The
PDF's text is real text (tests extract it). Chinese needs a CJK font: matplotlib's bundled
DejaVu has none, so the PDF falls back, glyph by glyph, to Noto Sans CJK SC (Debian's
fonts-noto-cjk, which `scripts/system-deps.sh` installs; subset-embedded, ~3 kB per page).
Where that font is missing the CJK characters are left out (rather than drawn as empty boxes)
and a warning is logged; the HTML carries the full bilingual text either way.
"""

from __future__ import annotations

import html
import io
import logging
import textwrap
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from hotline.kpi.ranges import format_range
from hotline.services.reports_content import ReportContent
from hotline.services.reports_sections import (
    NO_FORECAST,
    Section,
    demand,
    headline,
    kpi_line,
    people,
    service,
)
from hotline.tickets.kpi import DEFINITIONS as ORDER_DEFINITIONS

log = logging.getLogger(__name__)

#: where Debian's fonts-noto-cjk puts the simplified-Chinese sans face (a TrueType collection)
CJK_FONT_FILES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf"),
)
CJK_FAMILY = "Noto Sans CJK SC"


def _gap(v: float | None) -> float:
    """An hour with no contacts has no SL: a gap in the line, not a dip to 0 %."""
    return float("nan") if v is None else v


def _latin(text: str) -> str:
    return "".join(ch for ch in text if ord(ch) < 0x2E80).strip()


@cache
def cjk_font_available() -> bool:
    """Register the CJK face with matplotlib once; False when no such font is installed."""
    from matplotlib import font_manager

    for path in CJK_FONT_FILES:
        if path.exists():
            font_manager.fontManager.addfont(str(path))
            return any(f.name == CJK_FAMILY for f in font_manager.fontManager.ttflist)
    log.warning("no CJK font (%s): Chinese is left out of PDF reports", CJK_FAMILY)
    return False


def _fonts() -> AbstractContextManager[object]:
    """Latin text in DejaVu Sans, everything else from the CJK face (matplotlib's fallback)."""
    from matplotlib import pyplot as plt

    if not cjk_font_available():
        return nullcontext()
    return plt.rc_context({"font.family": ["DejaVu Sans", CJK_FAMILY], "pdf.fonttype": 42})


def _text(text: str) -> str:
    return text if cjk_font_available() else _latin(text)


def _all_sections(c: ReportContent) -> list[Section]:
    summary = ("Summary", [kpi_line("Center", c.whole.total),
                           f"SL formula: {c.whole.total.options.sl_formula}"])  # fmt: skip
    return [summary, *headline(c), *people(c), *service(c), *demand(c)]


def render_html(c: ReportContent) -> str:
    body = "".join(
        f"<h2>{html.escape(head)}</h2><ul>"
        + "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        + "</ul>"
        for head, lines in _all_sections(c)
    )
    defs = "".join(f"<li>{html.escape(t)}</li>" for t in definitions_of(c))
    period = format_range(c.whole.start, c.whole.end, c.tz)
    return (
        f"<html><head><meta charset='utf-8'><title>{html.escape(c.title)}</title></head><body>"
        f"<h1>{html.escape(c.title)}</h1><p>{html.escape(period)}</p>{body}"
        f"<h2>Definitions</h2><ul>{defs}</ul></body></html>"
    )


def definitions_of(c: ReportContent) -> list[str]:
    """The contact KPIs' definitions (with the variant in force), then the work orders'."""
    orders = ("resolved_on_time", "overdue", "reopened", "satisfaction")
    return [*c.whole.total.definitions().values(), *(ORDER_DEFINITIONS[k] for k in orders)]


def _volume(c: ReportContent) -> list[tuple[str, list[float]]]:
    """Arrived (what a forecast predicts), offered and answered, and the forecast if any."""
    series = [
        ("arrived", [float(sum(p.arrived.values())) for p in c.buckets]),
        ("offered", [float(p.total.offered) for p in c.buckets]),
        ("answered", [float(p.total.answered) for p in c.buckets]),
    ]
    if c.forecast is not None:
        if c.forecast.scope != "center":  # the queues it covers, against their own arrivals
            series[0] = ("arrived (forecast queues)", [float(a) for a in c.forecast.arrived])
        series.append(("forecast", [_gap(f) for f in c.forecast.forecast]))
    return series


def _text_page(sections: list[Section], head: tuple[str, ...] = ()) -> Any:
    from matplotlib import pyplot as plt

    lines = list(head)
    for title, rows in sections:
        lines += [title, *(f"  {r}" for r in rows), ""]
    fig = plt.figure(figsize=(8.27, 11.69))
    fig.text(0.06, 0.95, "\n".join(_text(x)[:120] for x in lines), va="top", fontsize=8)
    return fig


def _pages(c: ReportContent) -> Iterator[Any]:
    """The figures, one per page: 1 summary and the kind's headline (breaches, comparison or
    exposure), 2 SL and abandon chart, 3 volume vs forecast chart, 4 queues and agents, 5 work
    orders, satisfaction, callbacks, volume vs forecast, top reasons and hot topics, 6
    definitions. The caller saves and closes each."""
    from matplotlib import pyplot as plt
    from matplotlib.ticker import PercentFormatter

    fmt, by = ("%H:%M", "hour") if c.kind == "daily" else ("%m-%d", "day")
    labels = [datetime.fromtimestamp(p.start, c.tz).strftime(fmt) for p in c.buckets]
    head = (c.title, format_range(c.whole.start, c.whole.end, c.tz), "")
    yield _text_page([_all_sections(c)[0], *headline(c)], head)
    for name, series in (
        (f"Service level and abandon rate by {by}",
         [("SL", [_gap(p.total.service_level) for p in c.buckets]),
          ("abandon rate", [_gap(p.total.abandon_rate) for p in c.buckets])]),
        (f"Volume vs forecast by {by}", _volume(c)),
    ):  # fmt: skip
        fig, ax = plt.subplots(figsize=(11.69, 8.27))
        for label, values in series:
            style = "--" if label == "forecast" else "-"
            wide = {"linewidth": 5, "alpha": 0.35} if label.startswith("arrived") else {}
            ax.plot(range(len(labels)), values, style, marker="o", label=label, **wide)
        ax.set_xticks(range(len(labels)), labels)
        ax.set_title(name)
        if name.startswith("Volume") and c.forecast is None:  # said on the chart, plainly
            box = {"facecolor": "white", "edgecolor": "#a33", "alpha": 0.9}  # over any line
            ax.text(0.02, 0.96, NO_FORECAST.split(":")[0], transform=ax.transAxes, va="top",
                    fontsize=13, color="#a33", bbox=box)  # fmt: skip
        if name.startswith("Service level"):
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
            ax.set_ylim(0, 1.05)  # a rate's axis from 0: one bad day must not look like a cliff
        ax.legend()
        ax.tick_params(axis="x", rotation=60)
        yield fig
    yield _text_page(people(c))
    yield _text_page([*service(c), *demand(c)])
    fig = plt.figure(figsize=(8.27, 11.69))
    defs = [line for t in definitions_of(c) for line in textwrap.wrap(_text(t), 150)]
    fig.text(0.05, 0.95, "\n".join(["Definitions", *defs]), va="top", fontsize=6)
    yield fig


def render_pdf(c: ReportContent) -> bytes:
    """The report as a PDF of the pages `_pages` draws."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    buf = io.BytesIO()
    with _fonts(), PdfPages(buf) as pdf:
        for fig in _pages(c):
            pdf.savefig(fig)
            plt.close(fig)
    return buf.getvalue()


def render_pngs(c: ReportContent, dpi: int = 60) -> list[bytes]:
    """The same pages as PNG images, to look at a report where no PDF rasteriser (poppler)
    is installed: the figures are the PDF's, only the output format differs."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    out = []
    with _fonts():
        for fig in _pages(c):
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi)
            plt.close(fig)
            out.append(buf.getvalue())
    return out
