"""Headers and error pages: CSP without inline scripts, Permissions-Policy, no-store on
signed-in pages, Japanese error pages in the site's layout, no password-reset routes."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.template.loader import get_template
from django.test import Client, override_settings
from django.urls import NoReverseMatch, include, path, reverse
from django.views.decorators.cache import cache_control

pytestmark = pytest.mark.django_db


@login_not_required
@cache_control(public=True, max_age=300)
def _public_view(request):
    return HttpResponse("public")


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("public-probe/", _public_view),
    path("boom/", _boom),
    path("", include("kanagawa_ict.urls")),
]


def _csp(response) -> dict[str, list[str]]:
    directives = [part.strip().split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {d[0]: d[1:] for d in directives}


@pytest.mark.parametrize("persona", ["staff", "hq", "viewer"])
def test_signed_in_pages_carry_a_csp_without_inline_scripts_and_are_not_stored(client_for, persona):
    response = client_for(persona).get(reverse("dashboard"))
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"] + csp["default-src"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_dashboard_and_measure_page_have_no_inline_script(client_for):
    client = client_for("viewer")
    for url in (reverse("dashboard") + "?year=2020", reverse("measure_detail", args=["I-①-ア-01"])):
        page = client.get(url).content.decode()
        for tag in re.findall(r"<script[^>]*>", page):
            assert 'src="' in tag or 'type="application/json"' in tag, tag
        assert "on" + "click=" not in page


def test_the_login_page_has_the_headers_too(client_for):
    response = client_for("anonymous").get(reverse("login"))
    assert response.status_code == 200
    assert "Content-Security-Policy" in response and "Permissions-Policy" in response
    assert "no-store" in response["Cache-Control"]  # Django's login view is never_cache


@override_settings(ROOT_URLCONF=__name__)
def test_a_view_that_says_it_may_be_cached_keeps_its_own_cache_control_even_when_signed_in(client_for):
    for persona in ("anonymous", "viewer"):
        response = client_for(persona).get("/public-probe/")
        assert response["Cache-Control"] == "public, max-age=300", persona
        assert "Permissions-Policy" in response


def test_the_404_page_is_japanese_in_the_site_layout(client_for):
    response = client_for("viewer").get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "ページが見つかりません" in page and 'class="site-header"' in page


def test_the_403_page_is_japanese_in_the_site_layout(client_for):
    response = client_for("viewer").get(reverse("workbook_template"))
    assert response.status_code == 403
    assert "権限" in response.content.decode() and 'class="site-header"' in response.content.decode()


def test_the_500_page_is_japanese_and_needs_no_context_processors():
    page = get_template("500.html").render({})
    assert "システムエラーが発生しました" in page and 'class="site-header"' in page


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_shows_the_japanese_500_page(personas):
    client = Client(raise_request_exception=False)
    client.force_login(personas["viewer"])
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "システムエラーが発生しました" in response.content.decode()


def test_a_form_without_a_csrf_token_gets_the_japanese_page_and_nothing_is_saved(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["hq"])
    response = client.post(reverse("review_approve", args=["I-①-ア-01", 2022]))
    page = response.content.decode()
    assert response.status_code == 403
    assert "送信を受け付けられませんでした" in page and 'class="site-header"' in page
    assert "CSRF verification failed" not in page


@pytest.mark.parametrize("name", ["password_reset", "password_reset_done", "password_reset_complete"])
def test_the_password_reset_pages_are_gone(name):
    with pytest.raises(NoReverseMatch):
        reverse(name)


def test_the_password_reset_url_is_not_found(client_for):
    assert client_for("anonymous").get("/accounts/password_reset/").status_code == 404
