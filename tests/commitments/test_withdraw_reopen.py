"""Withdrawing and reopening: a withdrawn draft revision does not block the next one, and taking a
published record down is the reviewer's decision (focal point, or the secretariat), with a reason."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from commitments import services
from commitments.models import Action, Evidence, EvidenceEvent
from tests.factories import OrganisationFactory, Role, make_user

pytestmark = pytest.mark.django_db
S = Evidence.ReviewState


def content(title="Alternatives to detention for families"):
    return {
        "title": title,
        "description": "Community-based case management replaces detention of families with children.",
        "primary_action": Action.objects.get(code="13(a)"),
        "status": Evidence.Status.UNDER_WAY,
        "level": Evidence.Level.NATIONAL,
    }


@pytest.fixture
def people(framework):
    org = OrganisationFactory()
    return {
        "contributor": make_user(Role.CONTRIBUTOR, state="MAR", username="amina"),
        "focal": make_user(Role.FOCAL_POINT, state="MAR", username="youssef"),
        "secretariat": make_user(Role.SECRETARIAT, username="unnm"),
        "editor": make_user(Role.STAKEHOLDER_EDITOR, organisation=org, username="ngo"),
    }


def published(people, who="contributor"):
    author = people[who]
    ev = services.evidence_submit(user=author, evidence=services.evidence_create(user=author, data=content()))
    reviewer = people["secretariat"] if who == "editor" else people["focal"]
    return services.evidence_validate(user=reviewer, evidence=ev)


# --- Reopen, withdraw the new revision, reopen again ---------------------------------------------


def test_reopen_after_withdrawing_the_new_draft_revision(people):
    first = published(people)
    draft = services.evidence_reopen(user=people["contributor"], evidence=first)
    services.evidence_withdraw(user=people["contributor"], evidence=draft, reason="Started by mistake")
    again = services.evidence_reopen(user=people["contributor"], evidence=first)
    assert again.revision == 3 and again.review_state == S.DRAFT  # revision numbers are never reused
    assert Evidence.objects.get(pk=first.pk).is_published  # the published one stays up meanwhile
    with pytest.raises(services.WorkflowError, match="already being prepared"):
        services.evidence_reopen(user=people["contributor"], evidence=first)  # a live draft does block


def test_record_page_and_api_show_the_live_revision_after_a_withdrawn_draft(people, client):
    first = published(people)
    services.evidence_withdraw(
        user=people["contributor"], evidence=services.evidence_reopen(user=people["contributor"], evidence=first)
    )
    client.force_login(people["contributor"])
    response = client.get(reverse("commitments:evidence", args=[first.record]))
    assert response.context["evidence"].pk == first.pk  # not the withdrawn draft
    assert response.context["allowed"]["reopen"]
    response = client.post(
        reverse("commitments:evidence_transition", args=[first.record, "reopen"]), {"revision": first.revision}
    )
    assert response.status_code == 302 and Evidence.objects.filter(record=first.record, revision=3).exists()

    second = published(people)
    services.evidence_withdraw(
        user=people["contributor"], evidence=services.evidence_reopen(user=people["contributor"], evidence=second)
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=people['contributor']).key}")
    assert api.get(f"/api/v1/evidence/{second.record}/").json()["revision"] == 1
    reopened = api.post(f"/api/v1/evidence/{second.record}/reopen/", {"comment": "Again"}, format="json")
    assert reopened.status_code == 201 and reopened.json()["revision"] == 3


# --- Taking a published record down -------------------------------------------------------------


def test_a_contributor_cannot_unpublish_a_validated_record(people):
    ev = published(people)
    with pytest.raises(PermissionDenied):
        services.evidence_withdraw(user=people["contributor"], evidence=ev, reason="Outdated")
    assert Evidence.objects.get(pk=ev.pk).is_published
    editor_record = published(people, "editor")
    with pytest.raises(PermissionDenied):
        services.evidence_withdraw(user=people["editor"], evidence=editor_record, reason="Outdated")


@pytest.mark.parametrize("who", ["focal", "secretariat"])
def test_the_focal_point_or_the_secretariat_unpublishes_with_a_reason(people, who):
    ev = published(people)
    with pytest.raises(ValidationError):
        services.evidence_withdraw(user=people[who], evidence=ev, reason="  ")
    assert Evidence.objects.get(pk=ev.pk).is_published
    done = services.evidence_withdraw(user=people[who], evidence=ev, reason="Superseded by the 2026 law")
    assert done.review_state == S.WITHDRAWN and not done.is_published
    event = EvidenceEvent.objects.get(record=ev.record, kind=EvidenceEvent.Kind.WITHDRAWN)
    assert event.reason == "Superseded by the 2026 law" and event.actor == people[who]


def test_the_secretariat_unpublishes_stakeholder_records(people):
    ev = published(people, "editor")
    assert not services.evidence_withdraw(user=people["secretariat"], evidence=ev, reason="Duplicate").is_published


def test_contributors_still_withdraw_their_own_unpublished_revisions(people):
    ev = services.evidence_create(user=people["contributor"], data=content())
    assert services.evidence_withdraw(user=people["contributor"], evidence=ev).review_state == S.WITHDRAWN


def test_pages_and_api_offer_and_refuse_the_same(people, client):
    ev = published(people)
    url = reverse("commitments:evidence", args=[ev.record])
    client.force_login(people["contributor"])
    assert not client.get(url).context["allowed"]["withdraw"]
    withdraw = reverse("commitments:evidence_transition", args=[ev.record, "withdraw"])
    assert client.post(withdraw, {"revision": ev.revision, "reason": "x"}).status_code == 403
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=people['contributor']).key}")
    assert api.post(f"/api/v1/evidence/{ev.record}/withdraw/", {"comment": "x"}, format="json").status_code == 403
    client.force_login(people["focal"])
    assert client.get(url).context["allowed"]["withdraw"]
    client.post(withdraw, {"revision": ev.revision, "reason": ""})
    assert Evidence.objects.get(pk=ev.pk).is_published  # refused: no reason
    client.post(withdraw, {"revision": ev.revision, "reason": "Outdated"})
    assert not Evidence.objects.get(pk=ev.pk).is_published
