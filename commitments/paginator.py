"""A paginator that remembers large counts until the data changes.

COUNT(*) over a million published records costs tens of milliseconds on every page of every
list. Counts of at least COUNT_CACHE_MIN rows are cached under the query's SQL and the data
version (`commitments.dataversion`, its private counter: a list may include a user's drafts),
so any change of filter is a different key and any write a new version: the count is always
exact. Small results are simply counted. A list filtered by objective or action is counted in
its two disjoint parts (`parts`, from `commitments.filters.linked_parts`), which the database
can plan, and the counts added.
"""

import hashlib

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from . import dataversion

COUNT_CACHE_MIN = 1_000
COUNT_CACHE_SECONDS = 3600


class CountCachingPaginator(Paginator):
    def __init__(self, *args, version=None, parts=None, **kwargs):
        """`version`: the request's data version if the caller has read it (saves a query);
        `parts`: a callable giving disjoint querysets whose union is the list (a LinkedParts), or
        None; called only when the count is not kept, and counted instead of the list."""
        super().__init__(*args, **kwargs)
        self.version, self.parts = version, parts

    @cached_property
    def count(self):
        query = getattr(self.object_list, "query", None)
        if query is None:
            return super().count
        try:
            sql, params = query.sql_with_params()
        except (EmptyResultSet, FullResultSet):  # e.g. a filter no row can match; counted as usual
            return super().count
        version = self.version or dataversion.current()
        key = version.key("count", hashlib.sha256(repr((sql, params)).encode()).hexdigest(), public=False)
        cached = cache.get(key)
        if cached is not None:
            return cached
        split = self.parts() if self.parts is not None else None
        count = split.primary.count() + split.linked.count() if split else super().count
        if count >= COUNT_CACHE_MIN:
            cache.set(key, count, COUNT_CACHE_SECONDS)
        return count
