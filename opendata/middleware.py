"""Keep public responses shareable by caches."""

from __future__ import annotations


class PublicVaryMiddleware:
    """Take `Cookie` out of the `Vary` header of a public response (one marked by
    `opendata.http.public_headers`).

    Django's LoginRequiredMiddleware asks for the user before it reads a view's
    `login_not_required` mark, which reads the session, so SessionMiddleware adds
    `Vary: Cookie` to every response, and no CDN or proxy would share a public page between
    visitors. A public response is the same for everyone (it is rendered without the user and
    sets no cookie), so it does not vary by cookie. Placed before SessionMiddleware, so that
    it sees the response after it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(response, "is_public", False) and not response.cookies and response.has_header("Vary"):
            kept = [name.strip() for name in response["Vary"].split(",") if name.strip().lower() != "cookie"]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response
