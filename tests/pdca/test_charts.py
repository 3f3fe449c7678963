"""pdca.charts: the layout choices that keep labels readable."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pdca import charts


@pytest.mark.parametrize(
    ("largest", "step"), [(0, 1), (3, 1), (6, 1), (11, 2), (30, 5), (76, 20), (10000, 2000), (3000, 500)]
)
def test_grade_counts_are_ticked_in_whole_steps(largest, step):
    figure = charts.grade_distribution({"A": largest, "B": 0}, {"A": "達成", "B": "概ね達成"}, "評価")
    axis = figure["layout"]["yaxis"]
    assert axis["tickformat"] == "d"
    assert axis["dtick"] == step
    assert largest / axis["dtick"] <= 6


def test_the_sub_pillar_bars_make_room_for_their_labels():
    figure = charts.rate_bars(["I-① ICT及びデータを利活用した県民サービスの提供"], [Decimal("0.8")], "中柱別")
    assert figure["layout"]["yaxis"]["automargin"] is True
