"""A paginator that remembers large counts for a minute.

COUNT(*) over a million published records costs tens of milliseconds on every page of every
list; the exact figure for a large result matters less than the page arriving quickly. Counts
of at least COUNT_CACHE_MIN rows are cached for COUNT_CACHE_SECONDS under the query's SQL, so
any change of filter is a different key. Small results are always counted exactly.
"""

import hashlib

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CACHE_MIN = 10_000
COUNT_CACHE_SECONDS = 60


class CountCachingPaginator(Paginator):
    @cached_property
    def count(self):
        query = getattr(self.object_list, "query", None)
        if query is None:
            return super().count
        try:
            sql, params = query.sql_with_params()
        except (EmptyResultSet, FullResultSet):  # e.g. a filter no row can match; counted as usual
            return super().count
        key = "count:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()
        cached = cache.get(key)
        if cached is not None:
            return cached
        count = super().count
        if count >= COUNT_CACHE_MIN:
            cache.set(key, count, COUNT_CACHE_SECONDS)
        return count
