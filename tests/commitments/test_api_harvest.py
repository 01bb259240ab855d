"""Incremental harvesting: what changed since a timestamp, and what was taken down."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from commitments import services
from commitments.models import Evidence, MemberState
from tests.factories import EvidenceFactory, Role, make_user

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def published(title):
    record = EvidenceFactory(
        member_state=MemberState.objects.get(iso3="MAR"), review_state=Evidence.ReviewState.SUBMITTED, title=title
    )
    return services.evidence_validate(user=make_user(Role.FOCAL_POINT, state="MAR"), evidence=record)


def titles(response):
    assert response.status_code == 200, response.json()
    return [r["title"] for r in response.json()["results"]]


def test_updated_since_returns_what_changed_and_withdrawn_lists_what_left(framework):
    api = APIClient()
    with time_machine.travel(T0, tick=False):
        old = published("Old measure")
        leaving = published("Measure taken down")
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        published("New measure")
        focal = make_user(Role.FOCAL_POINT, state="MAR")
        services.evidence_withdraw(user=focal, evidence=leaving, reason="Duplicate")

    since = "2026-03-02T11:00:00Z"
    assert titles(api.get("/api/v1/evidence/", {"updated_since": since})) == ["New measure"]
    assert set(titles(api.get("/api/v1/evidence/", {"updated_since": "2026-03-02T09:00:00+00:00"}))) == {
        "Old measure",
        "New measure",
    }
    # A time zone is required: a harvester's timestamp must not be read in ours.
    naive = api.get("/api/v1/evidence/", {"updated_since": "2026-03-02T11:00:00"})
    assert naive.status_code == 400 and "updated_since" in naive.json()["error"]["fields"]

    gone = api.get("/api/v1/evidence/withdrawn/", {"since": since}).json()["results"]
    assert gone == [{"record": str(leaving.record), "withdrawn_at": "2026-03-02T12:00:00Z"}]
    assert api.get("/api/v1/evidence/withdrawn/", {"since": "2026-03-02T13:00:00Z"}).json()["results"] == []
    assert str(old.record) not in str(api.get("/api/v1/evidence/withdrawn/").json())
    assert api.get("/api/v1/evidence/withdrawn/", {"since": "yesterday"}).status_code == 400


@pytest.mark.parametrize(
    "since, status",
    [
        ("0285-12-15T15:21:50.215-18:54", 200),  # Python accepts the offset, PostgreSQL would not: sent as UTC
        ("2026-03-02T10:00:00+14:00", 200),
        ("0001-01-01T00:00:00+01:00", 400),  # before year 1 in UTC: refused in words, not a 500
        ("2026-03-02T10:00:00", 400),  # no time zone
    ],
)
def test_updated_since_takes_any_offset_as_utc_and_refuses_the_impossible_in_words(framework, since, status):
    """Found by schemathesis on PostgreSQL: an offset of -18:54 reached the database and gave a 500."""
    response = APIClient().get("/api/v1/evidence/", {"updated_since": since})
    assert response.status_code == status, response.content
