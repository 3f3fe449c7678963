"""Which year a page shows when the address names none."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.selectors import chosen_fiscal_year, default_fiscal_year
from indicators.services import actual_record
from measures.models import Measure, PlanYear

pytestmark = pytest.mark.django_db


def test_pages_open_on_the_latest_year_with_a_reported_actual(plan):
    assert default_fiscal_year(plan) == 2019  # nothing reported: the first plan year
    indicator = Measure.objects.get(code="I-①-イ-02").indicators.order_by("order").first()
    for year in (2020, 2019):
        plan_year = PlanYear.objects.get(plan=plan, fiscal_year=year)
        actual_record(indicator=indicator, plan_year=plan_year, value=Decimal(5), user=None)
    assert default_fiscal_year(plan) == 2020
    assert chosen_fiscal_year(plan, None) == 2020
    assert chosen_fiscal_year(plan, "2022") == 2022
    assert chosen_fiscal_year(plan, "2031") == 2020
