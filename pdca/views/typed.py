"""What a user typed into a small form that was refused, kept in the session for the page the
refusal redirects to, so that nothing typed is lost (post/redirect/get with the text)."""

from __future__ import annotations


def typed_keep(request, key: str, text: str) -> None:
    request.session[f"typed:{key}"] = text


def typed_take(request, key: str) -> str:
    """The kept text, once: the next page shows it in its form and forgets it."""
    return request.session.pop(f"typed:{key}", "")


def typed_key(kind: str, measure, plan_year) -> str:
    return f"{kind}:{measure.pk}:{plan_year.pk}"
