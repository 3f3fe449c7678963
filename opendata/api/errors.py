"""The API's error format: DRF's `{"detail": ...}` (plus `errors` per parameter for a bad
filter), with the reason the selectors gave, in the request's language."""

from __future__ import annotations

from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler

from opendata.filters import FilterError


class BadFilter(exceptions.ValidationError):
    pass


def public_exception_handler(exc, context):
    if isinstance(exc, Http404):
        # DRF would answer a plain "Not found."; keep the selectors' reason.
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, FilterError):
        response = exception_handler(exceptions.ValidationError(str(exc)), context)
        response.data = {"detail": str(exc), "errors": exc.errors}
        return response
    response = exception_handler(exc, context)
    if response is not None:
        # Errors are not for a cache to keep long; a throttled client is told when to retry.
        response["Cache-Control"] = "no-store" if response.status_code == 429 else "public, max-age=60"
    return response
