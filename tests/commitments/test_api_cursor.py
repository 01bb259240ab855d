"""Keyset pagination of the evidence API: `?after=` follows the default order without OFFSET."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from commitments.models import Evidence
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(framework):
    now = timezone.now()
    rows = [EvidenceFactory(published=True, validated_at=now - datetime.timedelta(days=n // 2)) for n in range(23)]
    EvidenceFactory(title="A draft")  # never listed
    return rows


def _walk(url):
    api, seen, pages = APIClient(), [], 0
    while url:
        body = api.get(url).json()
        assert body["count"] is None
        seen += [row["title"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    return seen, pages


def test_cursor_pages_cover_every_record_once_in_the_default_order(records):
    by_pages = []
    for page in (1, 2, 3):
        by_pages += [
            row["title"] for row in APIClient().get(f"/api/v1/evidence/?page_size=10&page={page}").json()["results"]
        ]
    first = APIClient().get("/api/v1/evidence/?page_size=10").json()
    assert first["count"] == 23
    assert first["next_cursor"].startswith("http://testserver/api/v1/evidence/?") and "after=" in first["next_cursor"]
    seen, pages = _walk(first["next_cursor"])
    first_titles = [row["title"] for row in first["results"]]
    assert first_titles + seen == by_pages and len(set(seen)) == 13 and pages == 2  # equal dates: the id decides


def _first_cursor_url(query=""):
    """The first page offers the cursor of its last row; the walk starts with the first page's rows."""
    return APIClient().get(f"/api/v1/evidence/?page_size=10{query}").json()["next_cursor"]


def test_cursor_holds_while_records_are_validated_meanwhile(records):
    url = _first_cursor_url()
    EvidenceFactory(published=True, title="Validated meanwhile")  # newest: before the cursor
    seen, _ = _walk(url)
    assert "Validated meanwhile" not in seen and len(seen) == 13


def test_cursor_with_filters(records):
    Evidence.objects.filter(pk__in=[r.pk for r in records[:5]]).update(status="completed")
    Evidence.objects.filter(pk__in=[r.pk for r in records[5:20]]).update(status="advanced")
    seen, _ = _walk(_first_cursor_url("&status=advanced"))
    assert len(seen) == 5 and APIClient().get("/api/v1/evidence/?page_size=10&status=completed").json()["count"] == 5


@pytest.mark.parametrize(
    "query", ["after=not-a-cursor!", "after=bm9wZQ==", "after=fnwx&page=2", "after=fnwx&sort=title"]
)
def test_bad_cursors_are_400(records, query):
    response = APIClient().get(f"/api/v1/evidence/?{query}")
    assert response.status_code == 400 and "after" in response.json()["error"]["fields"]


def test_deep_cursor_page_queries_do_not_count(records):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = _first_cursor_url()
    with CaptureQueriesContext(connection) as ctx:
        assert APIClient().get(url).status_code == 200
    assert not any("COUNT(" in q["sql"] for q in ctx.captured_queries)
    assert not any(" OFFSET " in q["sql"] for q in ctx.captured_queries)


def test_no_cursor_on_the_last_page_or_in_another_order(records):
    assert APIClient().get("/api/v1/evidence/?page_size=10&page=3").json()["next_cursor"] is None
    assert APIClient().get("/api/v1/evidence/?page_size=10&sort=title").json()["next_cursor"] is None
