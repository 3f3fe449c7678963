"""Response headers every page gets, in one place (the Content-Security-Policy is django-csp's)."""

from __future__ import annotations

from django.conf import settings
from django.utils.cache import patch_cache_control


class SecurityHeadersMiddleware:
    """`Permissions-Policy` on every response, and `Cache-Control: private, no-store` on what
    a signed-in user is shown, so that no browser, proxy or back button keeps a copy of
    figures, texts or workbooks after sign-out.

    A view that sets its own `Cache-Control` keeps it: the public pages and the open-data API
    are the same for everyone and say so (`public, max-age=…`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        if "Cache-Control" not in response:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                patch_cache_control(response, private=True, no_store=True)
        return response
