"""Pager and sort links keep the rest of the page's query and set one parameter."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from django.http import QueryDict
from django.urls import NoReverseMatch, reverse

from core.links import link_maker, path_maker


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


@pytest.mark.parametrize(
    "code",
    ["I-①-イ-01", "II-④-ア-01", "M-00042", "a b", "50%", "a?b#c&d=e", "<x>", "~:@!$'()*+,;=", "PATHMAKERVALUE", "é"],
)
def test_a_path_maker_gives_what_reverse_gives(code):
    assert path_maker("measure_detail", "code")(code) == reverse("measure_detail", kwargs={"code": code})


def test_a_path_maker_refuses_what_reverse_refuses():
    make = path_maker("measure_detail", "code")
    for code in ["a/b", ""]:
        with pytest.raises(NoReverseMatch):
            make(code)


def _pager_html(query: str, number: int, count: int = 200, per_page: int = 10) -> str:
    from django.core.paginator import Paginator
    from django.template import Context, Template
    from django.test import RequestFactory

    page = Paginator(list(range(count)), per_page).get_page(number)
    template = Template('{% load paging %}{% pager_nav page "p" "一覧のページ" %}')
    return template.render(Context({"request": RequestFactory().get("/list/" + query), "page": page}))


def test_the_pager_marks_the_current_page_and_elides_the_middle():
    html = _pager_html("?year=2021&p=7", 7)
    assert html.startswith('<nav class="pager" aria-label="一覧のページ"><ul class="pagination">')
    assert '<li class="active"><span aria-current="page">7</span></li>' in html
    assert '<li class="previous"><a href="?year=2021&amp;p=6">前へ</a></li>' in html
    assert '<li class="next"><a href="?year=2021&amp;p=8">次へ</a></li>' in html
    assert (
        '<li><a href="?year=2021&amp;p=1">1</a></li>' in html
        and '<li><a href="?year=2021&amp;p=20">20</a></li>' in html
    )
    assert html.count("<li><span>…</span></li>") == 2
    assert "p=12" not in html  # elided


def test_the_first_and_last_pages_have_no_link_beyond_them():
    assert "前へ" not in _pager_html("", 1) and "次へ" in _pager_html("", 1)
    assert "次へ" not in _pager_html("", 20) and "前へ" in _pager_html("", 20)


def test_a_single_page_has_no_pager():
    assert _pager_html("", 1, count=5) == ""


def test_labels_and_links_are_escaped():
    html = _pager_html('?q=<b>"x"</b>', 2)
    assert "<b>" not in html and "%3Cb%3E" in html
