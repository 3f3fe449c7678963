"""Odd input anywhere gets a message or a 404, never a server error."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.models import Actual
from tests.conftest import measure

pytestmark = pytest.mark.django_db

ODD_TEXT = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        ["NaN", "inf", "-0", "1e999999", "０．５", "1,2,3", "８０％％", "\x00", "💯", "=1+1", " " * 50, "9" * 400]
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=ODD_TEXT, text=ODD_TEXT, version=st.one_of(st.just("0"), st.text(max_size=5)))
def test_the_entry_form_answers_any_input_with_a_page_not_an_error(client_for, value, text, version):
    indicator = measure("II-④-ア-01").indicators.get()
    response = client_for("staff").post(
        reverse("entry", kwargs={"code": "II-④-ア-01", "fiscal_year": 2022}),
        {
            "version": version,
            f"ind-{indicator.pk}-value": value,
            "achievements_text": text,
            "self_assessment": text[:3],
        },
    )
    assert response.status_code in (302, 400, 409)
    if response.status_code == 400:
        assert not Actual.objects.filter(indicator=indicator, plan_year__fiscal_year=2022).exists()


@pytest.mark.parametrize(
    "query",
    [
        "?year=abc",
        "?year=1999",
        "?year=99999999999999999999",
        "?page=999",
        "?page=x",
        "?sort=nonsense",
        "?field=abc",
        "?pillar=999999",
        "?target_fiscal_year=x",
        "?q=%00",
        "?dept-sort=__class__",
    ],
)
@pytest.mark.parametrize("name", ["dashboard", "measure_list", "plan_tree", "worklist"])
def test_pages_survive_odd_query_strings(client_for, name, query):
    response = client_for("hq").get(reverse(name) + query)
    assert response.status_code in (200, 404)


@pytest.mark.parametrize(
    "path", ["/measures/NOPE/", "/entry/II-④-ア-01/1999/", "/entry/NOPE/2022/", "/measures/II-④-ア-01/?plan=nope"]
)
def test_unknown_measures_years_and_plans_are_not_found(client_for, path):
    assert client_for("hq").get(path).status_code == 404
