"""Geometry for the public site's charts, which templates draw as SVG: pure functions, data
in, numbers out. No chart library is loaded on a public page."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from indicators.achievement import Band
from indicators.selectors import Rollup


@dataclass(frozen=True)
class Segment:
    css: str  # a class name: band-0 (best) ... band-n, unreported, no-target
    label: str
    count: int
    x: float  # percent of the bar's width
    width: float


def distribution(item: Rollup, bands: list[Band]) -> list[Segment]:
    """A measure-count bar: one segment per grade, then 未報告 and 対象外, in percent."""
    parts = [
        (f"band-{i}", f"{band.code} {band.label}", item.grade_counts.get(band.code, 0)) for i, band in enumerate(bands)
    ]
    parts += [("unreported", _("未報告"), item.unreported), ("no-target", _("対象外"), item.no_target)]
    total = sum(count for _css, _label, count in parts) or 1
    segments, x = [], 0.0
    for css, label, count in parts:
        width = round(100 * count / total, 2)
        segments.append(Segment(css, label, count, round(x, 2), width))
        x += width
    return segments


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: Decimal | None
    year: int


@dataclass(frozen=True)
class Line:
    label: str
    css: str
    points: list[Point]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points if p.value is not None)


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    years: list[tuple[int, float]]  # (year, x)
    gridlines: list[tuple[int, float]]  # (percent, y)
    lines: list[Line]


def trend(years: list[int], series: list[tuple[str, list[Decimal | None]]], *, top: int = 120) -> LineChart:
    """Mean achievement (percent, 0..top) per year for a few series, in a 640×300 box."""
    width, height, left, right, upper, lower = 640, 300, 48, 16, 16, 32
    span_x = width - left - right
    span_y = height - upper - lower

    def x_of(i: int) -> float:
        return round(left + (span_x * i / (len(years) - 1) if len(years) > 1 else span_x / 2), 1)

    def y_of(percent: float) -> float:
        return round(upper + span_y * (1 - min(percent, top) / top), 1)

    lines = []
    for n, (label, rates) in enumerate(series):
        points = [
            Point(x_of(i), y_of(float(rate) if rate is not None else 0), rate, year)
            for i, (year, rate) in enumerate(zip(years, rates, strict=True))
        ]
        lines.append(Line(label, f"series-{n % 6}", points))
    return LineChart(
        width,
        height,
        [(year, x_of(i)) for i, year in enumerate(years)],
        [(p, y_of(p)) for p in range(0, top + 1, 20)],
        lines,
    )
