"""Bulk submit (the entity's people) and bulk validate / return (reviewers): the same services and
checks as one record at a time, one history step per record, and every record reported back."""

import pytest
from django.urls import reverse

from commitments import services
from commitments.models import Action, Evidence, EvidenceEvent
from tests.factories import EvidenceFactory, Role, make_user

pytestmark = pytest.mark.django_db
S = Evidence.ReviewState


def content(title):
    return {
        "title": title,
        "description": "A measure.",
        "primary_action": Action.objects.get(code="13(a)"),
        "status": Evidence.Status.UNDER_WAY,
        "level": Evidence.Level.NATIONAL,
    }


@pytest.fixture
def people(framework):
    return {
        "contributor": make_user(Role.CONTRIBUTOR, state="MAR", username="amina"),
        "focal": make_user(Role.FOCAL_POINT, state="MAR", username="youssef"),
        "focal2": make_user(Role.FOCAL_POINT, state="MAR", username="second"),
        "mexico": make_user(Role.CONTRIBUTOR, state="MEX", username="lucia"),
        "analyst": make_user(Role.ANALYST, username="analyst"),
    }


def drafts(user, *titles):
    return [services.evidence_create(user=user, data=content(t)) for t in titles]


def events(ev, kind):
    return EvidenceEvent.objects.filter(evidence=ev, kind=kind).count()


def test_bulk_submit_reports_every_record(people, client):
    mine = drafts(people["contributor"], "One", "Two", "Three")
    already = services.evidence_submit(user=people["contributor"], evidence=drafts(people["contributor"], "Sent")[0])
    theirs = drafts(people["mexico"], "Mexican draft")[0]
    client.force_login(people["contributor"])
    url = reverse("commitments:bulk", args=["submit"])
    offered = client.get(url).context["candidates"]
    assert {ev.title for ev in offered} == {"One", "Two", "Three"}
    ids = [ev.pk for ev in mine] + [already.pk, theirs.pk]
    response = client.post(url, {"evidence": ids})
    assert response.status_code == 200
    assert response.context["done"] == 3 and response.context["refused"] == 2
    refused = {ev.title: error for ev, error in response.context["outcome"] if error}
    assert "cannot be submitted now" in refused["Sent"]
    assert response.context["missing"] == [theirs.pk]  # another State's draft: not even visible
    page = response.content.decode()
    assert "3 records done" in page and "2 refused" in page
    for ev in mine:
        assert Evidence.objects.get(pk=ev.pk).review_state == S.SUBMITTED and events(ev, "submitted") == 1
    assert events(already, "submitted") == 1 and Evidence.objects.get(pk=theirs.pk).review_state == S.DRAFT


def test_bulk_validate_applies_the_four_eyes_rule_per_record(people, client):
    theirs = [
        services.evidence_submit(user=people["contributor"], evidence=ev)
        for ev in drafts(people["contributor"], "A", "B")
    ]
    own = services.evidence_submit(user=people["focal"], evidence=drafts(people["focal"], "Mine")[0])
    client.force_login(people["focal"])
    response = client.post(
        reverse("commitments:bulk", args=["validate"]), {"evidence": [ev.pk for ev in [*theirs, own]]}
    )
    outcome = {ev.title: error for ev, error in response.context["outcome"]}
    assert outcome["A"] is None and outcome["B"] is None
    assert "another reviewer must validate it" in outcome["Mine"]
    assert all(Evidence.objects.get(pk=ev.pk).is_published for ev in theirs)
    assert not Evidence.objects.get(pk=own.pk).is_published
    assert [events(ev, "validated") for ev in theirs] == [1, 1]


def test_bulk_return_needs_a_comment_and_sends_it_with_each(people, client):
    submitted = [
        services.evidence_submit(user=people["contributor"], evidence=ev)
        for ev in drafts(people["contributor"], "A", "B")
    ]
    client.force_login(people["focal"])
    url = reverse("commitments:bulk", args=["return"])
    response = client.post(url, {"evidence": [ev.pk for ev in submitted], "comment": " "})
    assert response.status_code == 400 and "a comment is required" in response.content.decode()
    assert all(Evidence.objects.get(pk=ev.pk).review_state == S.SUBMITTED for ev in submitted)
    client.post(url, {"evidence": [ev.pk for ev in submitted], "comment": "Add the year."})
    for ev in submitted:
        assert Evidence.objects.get(pk=ev.pk).review_state == S.RETURNED
        assert EvidenceEvent.objects.get(evidence=ev, kind="returned").reason == "Add the year."


def test_people_without_the_right_are_refused_per_record_or_entirely(people, client):
    submitted = services.evidence_submit(user=people["contributor"], evidence=drafts(people["contributor"], "A")[0])
    client.force_login(people["contributor"])
    assert client.get(reverse("commitments:bulk", args=["validate"])).status_code == 403
    client.force_login(people["analyst"])
    assert client.get(reverse("commitments:bulk", args=["submit"])).status_code == 403
    # A reviewer of another kind cannot validate a record through the bulk route either.
    outcome = services.bulk_transition(user=people["contributor"], name="validate", evidence_list=[submitted])
    assert outcome[0][1] and Evidence.objects.get(pk=submitted.pk).review_state == S.SUBMITTED


def test_bulk_submit_after_a_workbook_import_in_few_queries(people, client, django_assert_max_num_queries):
    for i in range(30):
        EvidenceFactory(title=f"Imported {i}")
    client.force_login(people["contributor"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("commitments:bulk", args=["submit"]))
    assert len(response.context["candidates"]) == 30
