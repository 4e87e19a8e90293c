"""The record as text: Markdown with Mermaid charts, a self-contained HTML page, and JSON.

The figures come from `record.build_record`; this module only lays them out. Charts are drawn
twice, for two readers: Mermaid `xychart-beta` for GitHub (which renders it in issues and files)
and inline SVG geometry for the HTML page, which must read without JavaScript or a network.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pmflow.record import Record
from pmflow.render import Renderer

FORMATS = ("md", "html", "json")
MERMAID_WIDTH = 700  # Mermaid's default width of an xychart
MERMAID_HEIGHT = 400
MERMAID_PER_LABEL = 26  # pixels a label such as "W05" needs at Mermaid's font size
# GitHub shows a chart at the width of the page: beyond a year of weeks, labels would shrink
# past reading. The Markdown chart shows the last 53 weeks; the HTML page and --json, all.
MERMAID_MAX_WEEKS = 53


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    text: str  # the value as shown above the bar and in its tooltip


@dataclass(frozen=True)
class BarChart:
    """An SVG bar chart's geometry; the template only draws it (a team may restyle it)."""

    title: str
    width: int
    height: int
    left: int
    top: int
    bottom: float  # y of the axis
    right: float
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, str], ...]  # (y, text) on the value axis
    labels: tuple[tuple[float, str], ...]  # (x centre, text) under the bars, thinned to fit
    show_values: bool


def nice_ceiling(value: float) -> float:
    """The axis maximum: `value` rounded up to 1, 2 or 5 times a power of ten (at least 1)."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    texts: Sequence[str],
    *,
    maximum: float | None = None,
    width: int = 720,
    height: int = 240,
    max_labels: int = 13,
) -> BarChart:
    left, top, right_margin, bottom_margin = 44, 16, 12, 36
    bottom, right = height - bottom_margin, width - right_margin
    top_value = maximum or nice_ceiling(max(values, default=0))
    slot = (right - left) / max(len(values), 1)
    bars = []
    for index, (label, value, text) in enumerate(zip(labels, values, texts, strict=True)):
        bar_height = (bottom - top) * (value / top_value) if top_value else 0.0
        bars.append(
            Bar(
                x=round(left + index * slot + slot * 0.15, 2),
                y=round(bottom - bar_height, 2),
                width=round(slot * 0.7, 2),
                height=round(bar_height, 2),
                label=label,
                text=text,
            )
        )
    step = max(1, math.ceil(len(labels) / max_labels))
    shown = tuple(
        (round(left + (i + 0.5) * slot, 2), label)
        for i, label in enumerate(labels)
        if i % step == 0
    )
    ticks = tuple(
        (round(bottom - (bottom - top) * value / top_value, 2), _tick(value, maximum))
        for value in _tick_values(top_value, whole=maximum is None)
    )
    return BarChart(
        title, width, height, left, top, bottom, right, tuple(bars), ticks, shown, len(bars) <= 24
    )


def _tick_values(top: float, whole: bool) -> list[float]:
    """0, the middle and the top; counts get whole numbers only (no "0.5 actions")."""
    if whole and top <= 4:
        return [float(value) for value in range(int(top) + 1)]
    middle = top / 2
    if whole and middle != int(middle):
        return [0.0, top]
    return [0.0, middle, top]


def _tick(value: float, maximum: float | None) -> str:
    if maximum == 100:
        return f"{value:.0f}%"
    return f"{value:g}"


def week_labels(weeks: Sequence[str]) -> list[str]:
    """ "2026-W05" -> "W05" (the chart's title gives the years), or "26-W05" where a shorter
    label would occur twice (a period of more than 52 weeks): a chart's categories must differ."""
    short = [week.split("-")[1] for week in weeks]
    if len(set(short)) == len(short):
        return short
    return [week[2:] for week in weeks]


def _quoted(labels: Sequence[str]) -> str:
    # Mermaid's xychart takes quoted category names; ours are dates and weeks, never quotes.
    return ", ".join(f'"{label}"' for label in labels)


def mermaid_bars(
    title: str, labels: Sequence[str], values: Sequence[float], axis: str, maximum: float
) -> str:
    """A Mermaid `xychart-beta` bar chart, as GitHub renders it.

    Mermaid draws every category's label at a fixed 700 pixels wide, so a year of weeks
    overlaps; a wider chart (then scaled to the page) keeps each label apart.
    """
    numbers = ", ".join(f"{value:g}" for value in values)
    width = max(MERMAID_WIDTH, MERMAID_PER_LABEL * len(labels))
    init = ""
    if width > MERMAID_WIDTH:
        init = f'%%{{init: {{"xyChart": {{"width": {width}, "height": {MERMAID_HEIGHT}}}}}}}%%\n'
    return (
        init + "xychart-beta\n"
        f'    title "{title}"\n'
        f"    x-axis [{_quoted(labels)}]\n"
        f'    y-axis "{axis}" 0 --> {maximum:g}\n'
        f"    bar [{numbers}]\n"
    )


@dataclass(frozen=True)
class Charts:
    closed_per_week_mermaid: str
    on_time_mermaid: str | None
    closed_per_week: BarChart
    on_time: BarChart | None
    postmortems_per_month: BarChart


def charts(record: Record) -> Charts:
    weeks = [week for week, _ in record.closed_per_week]
    closed = [count for _, count in record.closed_per_week]
    week_title = f"Actions closed per week, {weeks[0]} to {weeks[-1]}" if weeks else ""
    recent_weeks, recent_closed = weeks[-MERMAID_MAX_WEEKS:], closed[-MERMAID_MAX_WEEKS:]
    recent_title = (
        f"Actions closed per week, {recent_weeks[0]} to {recent_weeks[-1]}" if weeks else ""
    )
    months = [s.month for s in record.on_time_per_month]
    shares = [round(s.share * 100, 1) for s in record.on_time_per_month]
    share_texts = [
        f"{s.share * 100:.0f}% ({s.on_time} of {s.decided})" for s in record.on_time_per_month
    ]
    on_time_title = "Actions done on time, by month due (%)"
    pm_months = [month for month, _ in record.postmortems_per_month]
    pm_counts = [count for _, count in record.postmortems_per_month]
    return Charts(
        closed_per_week_mermaid=mermaid_bars(
            recent_title,
            week_labels(recent_weeks),
            recent_closed,
            "Actions closed",
            nice_ceiling(max(recent_closed, default=0)),
        ),
        on_time_mermaid=(
            mermaid_bars(on_time_title, months, shares, "Done on time (%)", 100) if months else None
        ),
        closed_per_week=bar_chart(week_title, week_labels(weeks), closed, [str(c) for c in closed]),
        on_time=(
            bar_chart(on_time_title, months, shares, share_texts, maximum=100) if months else None
        ),
        postmortems_per_month=bar_chart(
            "Post-mortems per month", pm_months, pm_counts, [str(c) for c in pm_counts]
        ),
    )


def _context(record: Record, repository: str, title: str, marker: str | None) -> dict[str, Any]:
    return {
        "record": record,
        "repository": repository,
        "title": title,
        "marker": marker,
        "metrics": record.metrics,
        "rows": record.rows,
        "charts": charts(record),
        "period": (
            f"post-mortems since {record.since.isoformat()}" if record.since else "all post-mortems"
        ),
    }


def render_markdown(
    record: Record, renderer: Renderer, repository: str, title: str, marker: str | None = None
) -> str:
    """The register in GitHub Markdown; `marker` (pmflow's hidden comment) heads an issue body."""
    return renderer.render("register.md.j2", **_context(record, repository, title, marker))


def render_html(record: Record, renderer: Renderer, repository: str, title: str) -> str:
    return renderer.render("register.html.j2", **_context(record, repository, title, None))


def render_json(
    record: Record,
    repository: str,
    now: dt.datetime,
    operations: Sequence[dict[str, Any]] | None = None,
) -> str:
    document: dict[str, Any] = {"repository": repository, "generated_at": now.isoformat()}
    document.update(record.as_json())
    if operations is not None:
        document["operations"] = list(operations)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
