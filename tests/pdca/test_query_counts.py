"""Every page costs the same number of queries for the real plan (76 measures) and for a
synthetic plan ten times its size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from benchmarks.synthetic import synthetic_plan_create

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> int:
    client.get(url)  # the session remembers the plan from here on
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.fixture
def large_plan(plan):
    return synthetic_plan_create(measures=760, code="synthetic-10x")


@pytest.mark.parametrize("name", ["dashboard", "plan_tree", "measure_list", "worklist"])
def test_plan_wide_pages_cost_the_same_at_ten_times_the_size(client_for, plan, large_plan, name):
    client = client_for("hq")
    real = queries_for(client, reverse(name) + f"?plan={plan.code}&year=2021")
    large = queries_for(client, reverse(name) + f"?plan={large_plan.code}&year=2021")
    assert real == large


def test_a_measure_page_costs_the_same_in_a_small_and_a_large_plan(client_for, large_plan):
    small_plan = synthetic_plan_create(measures=76, code="synthetic-1x")
    client = client_for("hq")
    counts = []
    for each in (small_plan, large_plan):
        code = each.measures.order_by("order").first().code
        counts.append(queries_for(client, reverse("measure_detail", args=[code]) + f"?plan={each.code}&year=2021"))
    assert counts[0] == counts[1]


def test_the_measure_list_stays_within_a_small_fixed_budget(client_for, plan, django_assert_max_num_queries):
    client = client_for("viewer")
    client.get(reverse("measure_list"))
    with django_assert_max_num_queries(20):
        client.get(reverse("measure_list") + "?sort=-primary_section")
