"""The data version's shared copy (commitments.dataversion): a cached page is served without a
database round trip, yet a committed write is read at once and the copy never goes back."""

import threading

import pytest
from django.db import connections, transaction
from django.test import Client

from commitments import dataversion
from commitments import services as evidence_services
from commitments.models import MemberState
from tests.commitments.test_readers import redis_down  # noqa: F401 (the fixture)
from tests.factories import EvidenceFactory
from tests.pledges.conftest import people  # noqa: F401 (the fixture)

# Real transactions: what a reader outside any transaction sees is what was committed. The copy is
# kept only in a cache every process shares: the tests that keep it use `redis_cache`.
pytestmark = pytest.mark.django_db(transaction=True)


def numbers(version):
    return (version.public, version.private, version.labels, version.changed_at)


@pytest.fixture(autouse=True)
def row():
    dataversion.bump()  # the row exists, as after the migration that makes it


def test_a_reader_reads_the_row_once_then_the_copy(redis_cache, django_assert_num_queries):
    redis_cache.delete(dataversion.SHARED_KEY)  # expired, or evicted
    with django_assert_num_queries(1):
        first = dataversion.current()
    with django_assert_num_queries(0):
        again = dataversion.current()
    assert numbers(again) == numbers(first) == numbers(dataversion.from_database())


def test_a_committed_write_is_read_at_once(redis_cache, django_assert_num_queries):
    before = dataversion.current()
    dataversion.bump(public=True, labels=True)
    with django_assert_num_queries(0):  # the writer published the committed row
        after = dataversion.current()
    assert (after.public, after.private, after.labels) == (before.public + 1, before.private + 1, before.labels + 1)
    assert numbers(after) == numbers(dataversion.from_database())
    dataversion.bump(public=False)  # a private write: the public number stays, the private moves
    assert (dataversion.current().public, dataversion.current().private) == (after.public, after.private + 1)


def test_a_reader_who_read_before_the_commit_cannot_put_its_number_back(redis_cache):
    """A writer keeps its transaction open; a reader meanwhile reads and shares the number before
    it. The commit publishes the new number, and the reader's late share does not replace it."""
    before = dataversion.current()
    bumped, commit = threading.Event(), threading.Event()

    def write():
        try:
            with transaction.atomic():
                dataversion.bump()
                bumped.set()
                commit.wait(30)
        finally:
            connections.close_all()

    writer = threading.Thread(target=write)
    writer.start()
    assert bumped.wait(30)
    during = dataversion.current()  # not committed yet: the number before, read and shared again
    commit.set()
    writer.join(30)
    assert during.private == before.private
    after = dataversion.current()
    assert after.private == before.private + 1
    dataversion._share(during)  # the reader of the old row, sharing it late
    assert dataversion.current().private == after.private


def test_inside_a_transaction_the_row_is_read(redis_cache, django_assert_num_queries):
    dataversion.current()  # shared
    with transaction.atomic(), django_assert_num_queries(1):
        dataversion.current()


def test_with_a_cache_of_its_own_a_process_reads_the_row_every_time(django_assert_num_queries):
    """The suite's memory cache is this process's alone: a celery worker's write would not reach it."""
    dataversion.current()
    dataversion.bump()
    for _ in range(2):
        with django_assert_num_queries(1):
            version = dataversion.current()
    assert numbers(version) == numbers(dataversion.from_database())


def test_with_redis_away_every_reader_reads_the_row(redis_down, django_assert_num_queries):  # noqa: F811
    for _ in range(2):
        with django_assert_num_queries(1):
            version = dataversion.current()
    assert numbers(version) == numbers(dataversion.from_database())


def test_a_cached_page_is_served_without_the_database_and_a_withdrawal_shows_next(
    redis_cache,
    people,  # noqa: F811
    django_assert_num_queries,
):
    mar = MemberState.objects.get(iso3="MAR")
    records = [EvidenceFactory(published=True, member_state=mar, title=f"Record {n}") for n in range(3)]
    dataversion.bump()  # the factory writes rows directly
    assert "3 records" in Client().get("/evidence/").content.decode()
    with django_assert_num_queries(0):
        assert "3 records" in Client().get("/evidence/").content.decode()
    evidence_services.evidence_withdraw(user=people["focal"], evidence=records[0], reason="Withdrawn")
    assert "2 records" in Client().get("/evidence/").content.decode()


def test_a_foreign_value_under_the_key_is_replaced_not_an_outage(redis_cache):
    """Text that is not a version (left by an older release, say) is read as no copy and replaced."""
    client = redis_cache._cache.get_client(dataversion.SHARED_KEY, write=True)
    client.set(redis_cache.make_and_validate_key(dataversion.SHARED_KEY), "not a version")
    version = dataversion.current()
    assert numbers(version) == numbers(dataversion.from_database())
    assert numbers(dataversion.current()) == numbers(version)  # the copy written over the foreign text
    assert redis_cache.get_text(dataversion.SHARED_KEY) == version.text()
