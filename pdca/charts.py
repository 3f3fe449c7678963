"""Charts as pure functions: plain data in, a plotly figure out. Each page that shows one
also shows the same figures as a table (the chart's text equivalent)."""

from __future__ import annotations

from decimal import Decimal

import plotly.graph_objects as go

from core.fiscal_year import reiwa_short

GRADE_COLOURS = {"A": "#1b5e20", "B": "#7cb342", "C": "#f9a825", "D": "#b00020"}
LINE_COLOURS = ["#0b4f8a", "#d35400", "#1b5e20", "#6a1b9a", "#37474f"]
FONT = {"family": "Noto Sans CJK JP, Hiragino Sans, Yu Gothic, Meiryo, sans-serif", "size": 13}


def _percent(rate: Decimal | None) -> float | None:
    return None if rate is None else float(rate * 100)


def _layout(fig: go.Figure, title: str, *, height: int = 320) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0},
        font=FONT,
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        plot_bgcolor="#ffffff",
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def rate_bars(labels: list[str], rates: list[Decimal | None], title: str) -> go.Figure:
    """Horizontal bars of mean achievement (capped rates, in %), with the 100% line."""
    fig = go.Figure(
        go.Bar(
            x=[_percent(r) for r in rates],
            y=labels,
            orientation="h",
            marker_color="#0b4f8a",
            text=[f"{_percent(r):.1f}%" if r is not None else "—" for r in rates],
            textposition="auto",
        )
    )
    fig.add_vline(x=100, line_dash="dot", line_color="#4a4a4a")
    fig.update_xaxes(range=[0, 105], ticksuffix="%")
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, height=max(220, 40 * len(labels) + 80))


def grade_distribution(counts: dict[str, int], labels: dict[str, str], title: str) -> go.Figure:
    codes = list(counts)
    fig = go.Figure(
        go.Bar(
            x=[f"{code} {labels.get(code, '')}" for code in codes],
            y=[counts[code] for code in codes],
            marker_color=[GRADE_COLOURS.get(code, "#0b4f8a") for code in codes],
            text=[counts[code] for code in codes],
            textposition="auto",
        )
    )
    return _layout(fig, title, height=260)


def year_lines(years: list[int], series: list[tuple[str, list[Decimal | None]]], title: str) -> go.Figure:
    fig = go.Figure()
    for index, (label, rates) in enumerate(series):
        fig.add_trace(
            go.Scatter(
                x=[reiwa_short(y) for y in years],
                y=[_percent(r) for r in rates],
                mode="lines+markers",
                name=label,
                line={"color": LINE_COLOURS[index % len(LINE_COLOURS)]},
                connectgaps=False,
            )
        )
    fig.update_yaxes(ticksuffix="%", rangemode="tozero")
    return _layout(fig, title)


def targets_and_actuals(
    years: list[int],
    targets: list[Decimal | None],
    actuals: list[Decimal | None],
    *,
    unit: str,
    cumulative: bool,
    title: str,
) -> go.Figure:
    """Targets against actuals across the plan years; cumulative indicators as lines toward the target."""
    x = [reiwa_short(y) for y in years]
    as_float = [[None if v is None else float(v) for v in values] for values in (targets, actuals)]
    if cumulative:
        traces = [
            go.Scatter(
                x=x, y=as_float[0], name="目標（累計）", mode="lines+markers", line={"dash": "dash", "color": "#4a4a4a"}
            ),
            go.Scatter(x=x, y=as_float[1], name="実績（累計）", mode="lines+markers", line={"color": "#0b4f8a"}),
        ]
    else:
        traces = [
            go.Bar(x=x, y=as_float[0], name="目標", marker_color="#b0bec5"),
            go.Bar(x=x, y=as_float[1], name="実績", marker_color="#0b4f8a"),
        ]
    fig = go.Figure(traces)
    fig.update_yaxes(title_text=unit or None, rangemode="tozero")
    return _layout(fig, title, height=280)


def to_html(fig: go.Figure) -> str:
    """The chart as an HTML fragment; plotly.js itself comes from our static files."""
    return fig.to_html(full_html=False, include_plotlyjs=False, config={"displayModeBar": False, "responsive": True})
