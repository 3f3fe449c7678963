"""Pager links for any paged list: a few pages around the current one and the ends, with
the rest elided, so a list of 10,000 rows gets a dozen links, not five hundred."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.core.paginator import Page

register = template.Library()


@dataclass
class PageLink:
    label: str
    url: str | None  # None for the current page and for an elision
    current: bool = False


@register.simple_tag(takes_context=True)
def page_links(context, page: Page, param: str) -> list[PageLink]:
    """Links to the pages near `page` (the query string kept, `param` set to each page)."""
    links = []
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
        if number == page.paginator.ELLIPSIS:
            links.append(PageLink(str(number), None))
        else:
            links.append(
                PageLink(
                    str(number),
                    None if number == page.number else page_url(context, param, number),
                    number == page.number,
                )
            )
    return links


@register.simple_tag(takes_context=True)
def page_url(context, param: str, number: int) -> str:
    """This page's address with `param` set to `number`, the rest of the query kept."""
    params = context["request"].GET.copy()
    params[param] = number
    return "?" + params.urlencode()
