"""Large counts are remembered until the data changes; small ones are always counted."""

import pytest
from django.core.cache import cache

from commitments import paginator as paging
from commitments.models import Evidence
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_small_counts_are_exact(framework):
    EvidenceFactory.create_batch(3, published=True)
    assert paging.CountCachingPaginator(Evidence.objects.published().order_by("pk"), 2).count == 3
    EvidenceFactory(published=True)
    assert paging.CountCachingPaginator(Evidence.objects.published().order_by("pk"), 2).count == 4


def test_large_counts_are_cached_per_query(framework, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(paging, "COUNT_CACHE_MIN", 2)
    EvidenceFactory.create_batch(3, published=True)
    published = Evidence.objects.published().order_by("pk")
    assert paging.CountCachingPaginator(published, 2).count == 3
    with django_assert_num_queries(1):  # the data version only
        assert paging.CountCachingPaginator(published, 2).count == 3
    # Another filter is another query, counted afresh.
    with django_assert_num_queries(2):  # the version, the count
        assert paging.CountCachingPaginator(published.filter(status="completed"), 2).count == 0


def test_api_list_counts_once_then_from_cache(framework, client, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CACHE_MIN", 2)
    EvidenceFactory.create_batch(3, published=True)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counts():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/evidence/").json()["count"] == 3
        return sum("COUNT(*)" in q["sql"] for q in ctx.captured_queries)

    assert counts() == 1 and counts() == 0


def test_a_filter_no_row_can_match_is_counted_as_zero(framework, client):
    # A negative cycle on a positive field compiles to "no rows" without any SQL (found by schemathesis).
    response = client.get("/api/v1/evidence/?cycle=-1402&state=VNM&sort=state")
    assert response.status_code == 200 and response.json()["count"] == 0
    assert client.get("/evidence/?cycle=-1402").status_code == 200


def test_a_write_makes_the_count_exact_at_once(framework, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CACHE_MIN", 2)
    from commitments import dataversion

    EvidenceFactory.create_batch(3, published=True)
    published = Evidence.objects.published().order_by("pk")
    assert paging.CountCachingPaginator(published, 2).count == 3
    EvidenceFactory(published=True)  # written directly: the version is as the services would leave it
    dataversion.bump()
    assert paging.CountCachingPaginator(published, 2).count == 4
