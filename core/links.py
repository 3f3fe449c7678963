"""Links that change one parameter of the current page's query (pagers, sortable headers)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import QueryDict


def link_maker(query: QueryDict, param: str) -> Callable[[object], str]:
    """A function of a value that gives the page's address with `param` set to that value
    and the rest of the query kept. The rest is encoded once, not once a link (a dashboard
    has four pagers and three sortable headers of a dozen links)."""
    rest = query.copy()
    rest.pop(param, None)
    prefix = f"?{rest.urlencode()}&" if rest else "?"
    return lambda value: prefix + urlencode({param: value})
