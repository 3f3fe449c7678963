"""Pager links for any paged list: a few pages around the current one and the ends, with
the rest elided, so a list of 10,000 rows gets a dozen links, not five hundred."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.core.paginator import Page

from core.links import link_maker

register = template.Library()


@dataclass
class PageLink:
    label: str
    url: str | None  # None for the current page and for an elision
    current: bool = False


@dataclass
class Pager:
    links: list[PageLink]
    previous_url: str | None
    next_url: str | None


def _pager(context, page: Page, param: str) -> Pager:
    """Links to the pages near `page`, and to the previous and next ones."""
    url = link_maker(context["request"].GET, param)
    links = []
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
        if number == page.paginator.ELLIPSIS:
            links.append(PageLink(str(number), None))
        else:
            current = number == page.number
            links.append(PageLink(str(number), None if current else url(number), current))
    return Pager(
        links=links,
        previous_url=url(page.previous_page_number()) if page.has_previous() else None,
        next_url=url(page.next_page_number()) if page.has_next() else None,
    )


@register.inclusion_tag("core/pager.html", takes_context=True)
def pager_nav(context, page: Page, param: str, label: str) -> dict:
    """The pager of a paged list, or nothing when it has a single page."""
    return {"pager": _pager(context, page, param) if page.has_other_pages() else None, "label": label}
