"""The signing-in client's address, for django-axes' per-address lock and the login log.

Behind the reverse proxy every request comes from the proxy, and one lock on its address
would shut everyone out; `DJANGO_TRUSTED_PROXIES` (the number of proxies in front of the
app, 0 by default) says how many addresses at the right of `X-Forwarded-For` were added by
our own proxies, so that the one left of them is the client's. A client cannot forge it:
anything it sends itself sits further left.
"""

from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str | None:
    proxies = settings.TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
