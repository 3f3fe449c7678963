"""Charts as pure functions: plain data in, a plotly figure out. Each page that shows one
also shows the same figures as a table (the chart's text equivalent).

Figures are plain plotly JSON (dicts): building `plotly.graph_objects.Figure` objects
validated every property, more work than the rest of a page. The specs here use only
documented plotly attributes. A page puts each figure in the HTML as JSON (`json_script`)
and `static/js/charts.js` draws it, so that the Content-Security-Policy needs no inline
script.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from core.fiscal_year import reiwa_short

Figure = dict

GRADE_COLOURS = {"A": "#1b5e20", "B": "#7cb342", "C": "#f9a825", "D": "#b00020"}
LINE_COLOURS = ["#0b4f8a", "#d35400", "#1b5e20", "#6a1b9a", "#37474f"]
FONT = {"family": "Noto Sans CJK JP, Hiragino Sans, Yu Gothic, Meiryo, sans-serif", "size": 13}


def _percent(rate: Decimal | None) -> float | None:
    return None if rate is None else float(rate * 100)


def _figure(data: list[dict], title: str, *, height: int = 320, **layout) -> Figure:
    return {
        "data": data,
        "layout": {
            "title": {"text": title, "x": 0},
            "font": FONT,
            "height": height,
            "margin": {"l": 60, "r": 20, "t": 50, "b": 40},
            "plot_bgcolor": "#ffffff",
            "legend": {"orientation": "h", "y": -0.2},
            **layout,
        },
    }


def rate_bars(labels: list[str], rates: list[Decimal | None], title: str) -> Figure:
    """Horizontal bars of mean achievement (capped rates, in %), with the 100% line."""
    bars = {
        "type": "bar",
        "orientation": "h",
        "x": [_percent(r) for r in rates],
        "y": labels,
        "marker": {"color": "#0b4f8a"},
        "text": [f"{_percent(r):.1f}%" if r is not None else "—" for r in rates],
        "textposition": "auto",
    }
    return _figure(
        [bars],
        title,
        height=max(220, 40 * len(labels) + 80),
        xaxis={"range": [0, 105], "ticksuffix": "%"},
        # Long sub-pillar names: the margin grows to fit the labels instead of cutting them.
        yaxis={"autorange": "reversed", "automargin": True},
        shapes=[
            {
                "type": "line",
                "x0": 100,
                "x1": 100,
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": {"dash": "dot", "color": "#4a4a4a"},
            }
        ],
    )


def grade_distribution(counts: dict[str, int], labels: dict[str, str], title: str) -> Figure:
    codes = list(counts)
    bars = {
        "type": "bar",
        "x": [f"{code} {labels.get(code, '')}" for code in codes],
        "y": [counts[code] for code in codes],
        "marker": {"color": [GRADE_COLOURS.get(code, "#0b4f8a") for code in codes]},
        "text": [counts[code] for code in codes],
        "textposition": "auto",
    }
    # Counts are whole: ticks one, two, five… apart, never at halves.
    largest = max(counts.values(), default=0)
    step = next(
        step * power
        for power in (1, 10, 100, 1000, 10**4, 10**5)
        for step in (1, 2, 5)
        if largest / (step * power) <= 6
    )
    return _figure(
        [bars], title, height=260, yaxis={"dtick": step, "tick0": 0, "tickformat": "d", "rangemode": "tozero"}
    )


def year_lines(years: list[int], series: list[tuple[str, list[Decimal | None]]], title: str) -> Figure:
    lines = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": label,
            "x": [reiwa_short(y) for y in years],
            "y": [_percent(r) for r in rates],
            "line": {"color": LINE_COLOURS[index % len(LINE_COLOURS)]},
            "connectgaps": False,
        }
        for index, (label, rates) in enumerate(series)
    ]
    return _figure(lines, title, yaxis={"ticksuffix": "%", "rangemode": "tozero"})


def targets_and_actuals(
    years: list[int],
    targets: list[Decimal | None],
    actuals: list[Decimal | None],
    *,
    unit: str,
    cumulative: bool,
    title: str,
) -> Figure:
    """Targets against actuals across the plan years; cumulative indicators as lines toward the target."""
    x = [reiwa_short(y) for y in years]
    target_values, actual_values = ([None if v is None else float(v) for v in values] for values in (targets, actuals))
    if cumulative:
        traces = [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("目標（累計）"),
                "x": x,
                "y": target_values,
                "line": {"dash": "dash", "color": "#4a4a4a"},
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("実績（累計）"),
                "x": x,
                "y": actual_values,
                "line": {"color": "#0b4f8a"},
            },
        ]
    else:
        traces = [
            {"type": "bar", "name": _("目標"), "x": x, "y": target_values, "marker": {"color": "#b0bec5"}},
            {"type": "bar", "name": _("実績"), "x": x, "y": actual_values, "marker": {"color": "#0b4f8a"}},
        ]
    return _figure(traces, title, height=280, yaxis={"title": {"text": unit or ""}, "rangemode": "tozero"})
