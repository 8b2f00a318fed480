"""Rendering a report period as HTML and as a PDF with charts (matplotlib, Agg backend).

Pages of the PDF: 1 summary (center KPIs, SL variant), 2 chart "Service level and abandon rate
by hour", 3 chart "Volume by hour", 4 "Queues" table, 5 "Definitions". The PDF's text is
real text (tests extract it). Chinese needs a CJK font: matplotlib's bundled DejaVu has none,
so the PDF falls back, glyph by glyph, to Noto Sans CJK SC (Debian's fonts-noto-cjk, which
`scripts/system-deps.sh` installs; subset-embedded, ~3 kB per page). Where that font is missing
the CJK characters are left out (rather than drawn as empty boxes) and a warning is logged; the
HTML carries the full bilingual text either way.
"""

from __future__ import annotations

import html
import io
import logging
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path

from hotline.kpi.compute import Kpis
from hotline.kpi.ranges import format_range
from hotline.store.aggregates_query import Period

log = logging.getLogger(__name__)

#: where Debian's fonts-noto-cjk puts the simplified-Chinese sans face (a TrueType collection)
CJK_FONT_FILES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf"),
)
CJK_FAMILY = "Noto Sans CJK SC"


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.1%}"


def _s(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f} s"


def _line(name: str, k: Kpis) -> str:
    return (
        f"{name}: offered {k.offered}, answered {k.answered}, abandoned {k.abandoned}, "
        f"SL {_pct(k.service_level)}, ASA {_s(k.asa_s)}, AHT {_s(k.aht_s)}"
    )


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


def render_html(title: str, whole: Period, hours: list[Period], tz: tzinfo) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(q)}</td><td>{k.offered}</td><td>{k.answered}</td>"
        f"<td>{k.abandoned}</td><td>{_pct(k.service_level)}</td><td>{_s(k.asa_s)}</td></tr>"
        for q, k in whole.queues.items()
    )
    defs = "".join(f"<li>{html.escape(t)}</li>" for t in whole.total.definitions().values())
    return (
        f"<html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(format_range(whole.start, whole.end, tz))}"
        f"</p><p>{html.escape(_line('Center', whole.total))}</p>"
        "<table><tr><th>queue</th><th>offered</th><th>answered</th><th>abandoned</th>"
        f"<th>SL</th><th>ASA</th></tr>{rows}</table><h2>Definitions</h2><ul>{defs}</ul>"
        "</body></html>"
    )


def render_pdf(title: str, whole: Period, hours: list[Period], tz: tzinfo) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    labels = [datetime.fromtimestamp(p.start, tz).strftime("%H:%M") for p in hours]
    buf = io.BytesIO()
    with _fonts(), PdfPages(buf) as pdf:
        fig = plt.figure(figsize=(8.27, 11.69))
        formula = f"SL formula: {whole.total.options.sl_formula}"
        head = [title, format_range(whole.start, whole.end, tz), ""]
        lines = [*head, "Summary", _line("Center", whole.total), formula]
        text = "\n".join(_text(x) for x in lines)
        fig.text(0.08, 0.95, text, va="top", fontsize=10, wrap=True)
        pdf.savefig(fig)
        plt.close(fig)
        for name, series in (
            ("Service level and abandon rate by hour",
             [("SL", [_gap(p.total.service_level) for p in hours]),
              ("abandon rate", [_gap(p.total.abandon_rate) for p in hours])]),
            ("Volume by hour",
             [("offered", [p.total.offered for p in hours]),
              ("answered", [p.total.answered for p in hours])]),
        ):  # fmt: skip
            fig, ax = plt.subplots(figsize=(11.69, 8.27))
            for label, values in series:
                ax.plot(range(len(labels)), values, marker="o", label=label)
            ax.set_xticks(range(len(labels)), labels)
            ax.set_title(name)
            ax.legend()
            ax.tick_params(axis="x", rotation=60)
            pdf.savefig(fig)
            plt.close(fig)
        fig = plt.figure(figsize=(8.27, 11.69))
        table = ["Queues", *(_line(q, k) for q, k in whole.queues.items())]
        fig.text(0.05, 0.95, "\n".join(_text(t) for t in table), va="top", fontsize=8)
        pdf.savefig(fig)
        plt.close(fig)
        fig = plt.figure(figsize=(8.27, 11.69))
        defs = ["Definitions", *(_text(t) for t in whole.total.definitions().values())]
        fig.text(0.05, 0.95, "\n".join(d[:140] for d in defs), va="top", fontsize=6)
        pdf.savefig(fig)
        plt.close(fig)
    return buf.getvalue()
