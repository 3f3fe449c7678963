"""HTTP for the public side: no login, read-only, cacheable by browsers and any CDN.

Every public response carries `Cache-Control: public, max-age`, an ETag made from the public
data version (renewed by a publication, a withdrawal, an approval or reopening) and the
page's language, and `Last-Modified`; a conditional request that matches gets 304. A public
page's rendered bytes are kept in Django's cache under that version, so a crowd costs two
small queries a request."""

from __future__ import annotations

import hashlib
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from opendata.selectors import PublicState, current_public_state

# Kept responses outlive no version: a new version makes new keys, the old ones age out.
KEPT_SECONDS = 3600


class BadRequest(Exception):
    """A visitor's input that cannot be answered (a bad filter value): 400 with the message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def etag_for(state: PublicState) -> str:
    return quote_etag(f"{state.version}-{get_language()}")


def last_modified_for(state: PublicState) -> float | None:
    # Whole seconds, as HTTP dates carry them.
    return int(state.last_modified.timestamp()) if state.last_modified else None


def public_headers(response: HttpResponse, state: PublicState | None, *, max_age: int | None = None) -> HttpResponse:
    """The headers every public response carries, set here rather than left to middleware:
    signed-in pages are `no-store`, public ones are for everyone to keep."""
    patch_cache_control(response, public=True, max_age=settings.PUBLIC_MAX_AGE if max_age is None else max_age)
    response.is_public = True  # opendata.middleware.PublicVaryMiddleware
    if state is not None and response.status_code in (200, 304):
        response["ETag"] = etag_for(state)
        if state.last_modified:
            response["Last-Modified"] = http_date(last_modified_for(state))
    return response


def error_page(status: int, message: str, state: PublicState | None = None) -> HttpResponse:
    context = {
        "status": status,
        "message": message,
        "state": state,
        "plan": state.plan if state else None,
        "LANGUAGE_CODE": get_language(),
    }
    return HttpResponse(render_to_string("opendata/error.html", context), status=status)


def public_view(view):
    """A public page or file: `view(request, state, **kwargs)` returns a response, which is
    kept by version, language and URL. 404 and 400 are pages with the reason, in the page's
    language. GET and HEAD only."""

    @login_not_required
    @require_safe
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            state = current_public_state(request.GET.get("plan"))
        except Http404 as error:
            return public_headers(error_page(404, str(error)), None, max_age=60)
        not_modified = get_conditional_response(request, etag=etag_for(state), last_modified=last_modified_for(state))
        if not_modified is not None:
            return public_headers(not_modified, state)
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
        key = f"opendata:{state.version}:{get_language()}:{path}"
        kept = cache.get(key)
        if kept is None:
            try:
                response = view(request, state, *args, **kwargs)
            except Http404 as error:
                response = error_page(404, str(error), state)
            except BadRequest as error:
                response = error_page(400, error.message, state)
            kept = (response.status_code, response.content, dict(response.items()))
            cache.set(key, kept, KEPT_SECONDS)
        status, content, headers = kept
        response = HttpResponse(content, status=status)
        for name, value in headers.items():
            response[name] = value
        return public_headers(response, state)

    return wrapper
