"""Links made many times a page: ones that change one parameter of the current page's query
(pagers, sortable headers), and a view's address for each of many values (a table's rows)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, urlencode

from django.http import QueryDict
from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS


def link_maker(query: QueryDict, param: str) -> Callable[[object], str]:
    """A function of a value that gives the page's address with `param` set to that value
    and the rest of the query kept. The rest is encoded once, not once a link (a dashboard
    has four pagers and three sortable headers of a dozen links)."""
    rest = query.copy()
    rest.pop(param, None)
    prefix = f"?{rest.urlencode()}&" if rest else "?"
    return lambda value: prefix + urlencode({param: value})


# Stands for the value in the address reversed once; letters only, so quoting leaves it be.
_MARKER = "PATHMAKERVALUE"


def path_maker(view_name: str, kwarg: str) -> Callable[[str], str]:
    """A function of a value that gives `reverse(view_name, kwargs={kwarg: value})` for a
    view whose other arguments are fixed and whose `kwarg` is a `str` path segment. The view
    is reversed once and the value quoted as `reverse` quotes it (about 25 µs saved a link;
    a measure list shows a hundred). A value that `reverse` would refuse (one with a slash)
    is still given to `reverse`, which raises as before."""
    prefix, suffix = reverse(view_name, kwargs={kwarg: _MARKER}).split(_MARKER)

    def path(value: str) -> str:
        if not value or "/" in value:
            return reverse(view_name, kwargs={kwarg: value})
        return prefix + quote(value, safe=RFC3986_SUBDELIMS + "/~:@") + suffix

    return path
