"""The default list pagination, bounded: an unbounded ``?limit=`` asks for everything at once, and a limit beyond
what the database's LIMIT holds was a server error."""
from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = 1000
