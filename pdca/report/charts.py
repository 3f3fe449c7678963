"""The report's charts as plain geometry: numbers in, positions and sizes out. The SVG
elements are written by templates (`templates/pdca/report/_chart_*.svg`), so that the same
chart shows in the HTML page and in the PDF without a browser or a plotting library.

Sizes are in CSS pixels, drawn at their natural size (1 px = 0.75 pt): every text is at
least 12 px (9 pt), above the report's 8 pt floor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from core.numbers import format_rate

GRADE_COLOURS = {"A": "#1b5e20", "B": "#7cb342", "C": "#f9a825", "D": "#b00020"}
NEUTRAL = "#78909c"
LINE_COLOURS = ["#0b4f8a", "#d35400", "#1b5e20", "#6a1b9a", "#37474f"]
WIDTH = 600
FONT_PX = 12


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str
    value: str
    label_x: float
    label_y: float
    value_x: float
    value_y: float


@dataclass
class Tick:
    x1: float
    y1: float
    x2: float
    y2: float
    label: str
    label_x: float
    label_y: float


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    lines: list[Series] = field(default_factory=list)
    reference: Tick | None = None


@dataclass
class Point:
    x: float
    y: float
    value: str


@dataclass
class Series:
    label: str
    colour: str
    segments: list[list[Point]]
    legend_x: float
    legend_y: float

    @property
    def points(self) -> list[Point]:
        return [point for segment in self.segments for point in segment]


def grade_bars(rows: list[tuple[str, int, str]]) -> Chart:
    """Vertical bars: the number of measures in each grade (label, count, grade code)."""
    height, top, bottom, left = 200, 24, 36, 40
    plot = height - top - bottom
    most = max((count for _label, count, _code in rows), default=0) or 1
    slot = (WIDTH - left) / max(len(rows), 1)
    chart = Chart(WIDTH, height)
    for index, (label, count, code) in enumerate(rows):
        bar_height = plot * count / most
        x = left + index * slot + slot * 0.2
        y = top + plot - bar_height
        centre = x + slot * 0.3
        chart.bars.append(
            Bar(
                round(x, 1),
                round(y, 1),
                round(slot * 0.6, 1),
                round(bar_height, 1),
                GRADE_COLOURS.get(code, NEUTRAL),
                label,
                str(count),
                round(centre, 1),
                height - bottom + 18,
                round(centre, 1),
                round(y - 6, 1),
            )
        )
    chart.ticks.append(Tick(left, top + plot, WIDTH, top + plot, "", 0, 0))
    return chart


def rate_bars(rows: list[tuple[str, Decimal | None]]) -> Chart:
    """Horizontal bars of mean achievement (capped rates, 0–100%) with the 100% line."""
    row_height, top, left, right = 26, 8, 90, 70
    height = top + row_height * len(rows) + 28
    plot = WIDTH - left - right
    chart = Chart(WIDTH, height)
    for index, (label, rate) in enumerate(rows):
        share = float(min(rate, Decimal(1))) if rate is not None else 0.0
        y = top + index * row_height + 4
        width = plot * share
        chart.bars.append(
            Bar(
                left,
                y,
                round(width, 1),
                row_height - 8,
                "#0b4f8a",
                label,
                format_rate(rate),
                left - 6,
                y + row_height / 2 + 1,
                round(left + width + 6, 1),
                y + row_height / 2 + 1,
            )
        )
    axis_y = top + row_height * len(rows)
    for percent in (0, 50, 100):
        x = left + plot * percent / 100
        chart.ticks.append(Tick(round(x, 1), top, round(x, 1), axis_y, f"{percent}%", round(x, 1), axis_y + 18))
    chart.reference = chart.ticks[-1]
    return chart


def year_lines(year_labels: list[str], series: list[tuple[str, list[Decimal | None]]]) -> Chart:
    """Lines of mean achievement over the years (0–100%, a rate over 100% drawn at the top);
    a year without a figure breaks its line."""
    top, left, right = 16, 50, 20
    plot_height = 150
    legend_top = top + plot_height + 34
    height = legend_top + 18 * len(series) + 4
    plot_width = WIDTH - left - right
    step = plot_width / max(len(year_labels) - 1, 1) if len(year_labels) > 1 else 0
    chart = Chart(WIDTH, height)

    def x_of(index: int) -> float:
        return round(left + (step * index if len(year_labels) > 1 else plot_width / 2), 1)

    for percent in (0, 50, 100):
        y = round(top + plot_height * (1 - percent / 100), 1)
        chart.ticks.append(Tick(left, y, WIDTH - right, y, f"{percent}%", left - 6, y + 4))
    for index, label in enumerate(year_labels):
        chart.ticks.append(
            Tick(
                x_of(index),
                top + plot_height,
                x_of(index),
                top + plot_height + 4,
                label,
                x_of(index),
                top + plot_height + 20,
            )
        )
    for number, (label, rates) in enumerate(series):
        segments: list[list[Point]] = [[]]
        for index, rate in enumerate(rates):
            if rate is None:
                if segments[-1]:
                    segments.append([])
                continue
            share = float(min(rate, Decimal(1)))
            segments[-1].append(Point(x_of(index), round(top + plot_height * (1 - share), 1), format_rate(rate)))
        chart.lines.append(
            Series(
                label,
                LINE_COLOURS[number % len(LINE_COLOURS)],
                [segment for segment in segments if segment],
                left,
                legend_top + 18 * number,
            )
        )
    return chart
