"""Pager and sort links keep the rest of the page's query and set one parameter."""

from __future__ import annotations

from urllib.parse import parse_qs

from django.http import QueryDict

from core.links import link_maker


def test_a_link_sets_its_parameter_once_and_keeps_the_rest():
    query = QueryDict("year=2021&dept-page=3&q=%E6%96%BD%E7%AD%96&pillar=1&pillar=2")
    url = link_maker(query, "dept-page")(5)
    assert url.startswith("?")
    assert parse_qs(url[1:]) == {"year": ["2021"], "q": ["施策"], "pillar": ["1", "2"], "dept-page": ["5"]}


def test_without_other_parameters_the_link_is_only_the_parameter():
    assert link_maker(QueryDict(""), "page")(2) == "?page=2"
    assert link_maker(QueryDict("page=7"), "page")(1) == "?page=1"


def test_values_are_encoded():
    assert link_maker(QueryDict(""), "sort")("-mean_rate&x") == "?sort=-mean_rate%26x"
