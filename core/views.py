"""Pages every site needs whatever its domain: the CSRF failure page in the site's layout and
the language switch."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


def csrf_failure(request, reason: str = ""):
    """A form sent without a valid CSRF token (most often: the page was open across a sign-out
    or a session timeout). Django's own page is English and unstyled."""
    return render(request, "403_csrf.html", {"reason": reason}, status=403)


@login_not_required
def language_choose(request, language: str):
    """Remember the reader's language in Django's language cookie and go back to the page.

    A plain link rather than Django's `set_language` form: it works without JavaScript and
    needs no CSRF token, so the public pages that carry the switcher stay cacheable. A
    language preference is the only thing it changes."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=True,
    )
    return response
