"""Pages every site needs whatever its domain: the CSRF failure page in the site's layout."""

from __future__ import annotations

from django.shortcuts import render


def csrf_failure(request, reason: str = ""):
    """A form sent without a valid CSRF token (most often: the page was open across a sign-out
    or a session timeout). Django's own page is English and unstyled."""
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
