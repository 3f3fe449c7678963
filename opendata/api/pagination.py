from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class PublicPagination(PageNumberPagination):
    """?page=N (a page beyond the end is a 404 in the API's error format), ?page_size= up to 1000."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
