"""The review workflow as services: who may do what, from which state, and what is kept."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from commitments import services
from commitments.models import Action, Evidence, EvidenceEvent, GuidingPrinciple
from tests.factories import EvidenceFactory, OrganisationFactory, Role, make_user

pytestmark = pytest.mark.django_db
S = Evidence.ReviewState


@pytest.fixture
def people(framework):
    org = OrganisationFactory(name="Migrant Rights Network")
    return {
        "contributor": make_user(Role.CONTRIBUTOR, state="MAR", username="amina"),
        "focal": make_user(Role.FOCAL_POINT, state="MAR", username="youssef"),
        "other_state": make_user(Role.FOCAL_POINT, state="MEX", username="lucia"),
        "editor": make_user(Role.STAKEHOLDER_EDITOR, organisation=org, username="ngo"),
        "secretariat": make_user(Role.SECRETARIAT, username="unnm"),
        "analyst": make_user(Role.ANALYST, username="analyst"),
    }


def content(**overrides):
    data = {
        "title": "Alternatives to detention for families",
        "description": "Community-based case management replaces detention of families with children.",
        "primary_action": Action.objects.get(code="13(a)"),
        "status": Evidence.Status.UNDER_WAY,
        "level": Evidence.Level.NATIONAL,
        "other_actions": [Action.objects.get(code="13(h)")],
        "principles": list(GuidingPrinciple.objects.filter(letter__in=["f", "h"])),
        "links": [{"url": "https://example.org/report", "label": "Report"}],
        "results": [{"indicator": "Families in case management", "value": 120, "unit": "families", "year": 2025}],
    }
    return {**data, **overrides}


def test_full_workflow_keeps_every_step(people, django_capture_on_commit_callbacks):
    ev = services.evidence_create(user=people["contributor"], data=content())
    assert ev.member_state.iso3 == "MAR" and ev.review_state == S.DRAFT and not ev.is_published
    with django_capture_on_commit_callbacks(execute=True):
        ev = services.evidence_submit(user=people["contributor"], evidence=ev)
    assert mail.outbox and mail.outbox[-1].to == ["youssef@example.org"]
    with django_capture_on_commit_callbacks(execute=True):
        ev = services.evidence_return(user=people["focal"], evidence=ev, comment="Add the number of children.")
    assert "Add the number of children." in mail.outbox[-1].body and mail.outbox[-1].to == ["amina@example.org"]
    ev = services.evidence_update(
        user=people["contributor"],
        evidence=ev,
        data={"title": "ATD for families and children"},
        expected_version=ev.version,
    )
    ev = services.evidence_submit(user=people["contributor"], evidence=ev)
    ev = services.evidence_validate(user=people["focal"], evidence=ev)
    assert ev.is_published and ev.review_state == S.VALIDATED and ev.cycle == 3
    kinds = list(EvidenceEvent.objects.filter(record=ev.record).values_list("kind", flat=True))
    assert kinds == ["created", "submitted", "returned", "edited", "submitted", "validated"]
    edit = EvidenceEvent.objects.get(record=ev.record, kind="edited")
    assert edit.changes == {"title": ["Alternatives to detention for families", "ATD for families and children"]}
    assert EvidenceEvent.objects.get(record=ev.record, kind="returned").reason == "Add the number of children."


def test_return_requires_a_comment(people):
    ev = services.evidence_submit(
        user=people["contributor"], evidence=services.evidence_create(user=people["contributor"], data=content())
    )
    with pytest.raises(ValidationError):
        services.evidence_return(user=people["focal"], evidence=ev, comment="  ")
    assert Evidence.objects.get(pk=ev.pk).review_state == S.SUBMITTED


def test_wrong_state_transitions_are_refused(people):
    ev = services.evidence_create(user=people["contributor"], data=content())
    with pytest.raises(services.WorkflowError):
        services.evidence_validate(user=people["focal"], evidence=ev)
    with pytest.raises(services.WorkflowError):
        services.evidence_reopen(user=people["contributor"], evidence=ev)


@pytest.mark.parametrize("who", ["other_state", "editor", "analyst", "contributor"])
def test_only_the_states_focal_point_reviews_state_evidence(people, who):
    ev = services.evidence_submit(
        user=people["contributor"], evidence=services.evidence_create(user=people["contributor"], data=content())
    )
    with pytest.raises(PermissionDenied):
        services.evidence_validate(user=people[who], evidence=ev)
    assert Evidence.objects.get(pk=ev.pk).review_state == S.SUBMITTED


def test_stakeholder_evidence_is_moderated_by_the_secretariat(people):
    ev = services.evidence_create(user=people["editor"], data=content())
    assert ev.organisation.name == "Migrant Rights Network" and ev.member_state is None
    ev = services.evidence_submit(user=people["editor"], evidence=ev)
    with pytest.raises(PermissionDenied):
        services.evidence_validate(user=people["focal"], evidence=ev)
    assert services.evidence_validate(user=people["secretariat"], evidence=ev).is_published


def test_no_write_to_another_states_record(people):
    ev = services.evidence_create(user=people["contributor"], data=content())
    with pytest.raises(PermissionDenied):
        services.evidence_update(
            user=people["other_state"], evidence=ev, data={"title": "x"}, expected_version=ev.version
        )
    with pytest.raises(PermissionDenied):
        services.evidence_submit(user=people["other_state"], evidence=ev)
    assert Evidence.objects.get(pk=ev.pk).title == "Alternatives to detention for families"


def test_self_validation_refused_when_a_second_reviewer_exists(people):
    ev = services.evidence_submit(
        user=people["focal"], evidence=services.evidence_create(user=people["focal"], data=content())
    )
    # Alone, the focal point may validate; with a second focal point, it must be the other one.
    second = make_user(Role.FOCAL_POINT, state="MAR", username="second")
    with pytest.raises(services.WorkflowError):
        services.evidence_validate(user=people["focal"], evidence=ev)
    assert services.evidence_validate(user=second, evidence=ev).is_published


def test_lone_focal_point_may_validate_own_submission(people):
    ev = services.evidence_submit(
        user=people["focal"], evidence=services.evidence_create(user=people["focal"], data=content())
    )
    assert services.evidence_validate(user=people["focal"], evidence=ev).is_published


def test_stale_edit_is_refused_and_both_versions_survive(people):
    ev = services.evidence_create(user=people["contributor"], data=content())
    loaded = ev.version
    services.evidence_update(
        user=people["focal"], evidence=ev, data={"title": "Focal point's title"}, expected_version=loaded
    )
    with pytest.raises(services.StaleEdit) as excinfo:
        services.evidence_update(
            user=people["contributor"], evidence=ev, data={"title": "Contributor's title"}, expected_version=loaded
        )
    assert excinfo.value.changes["title"] == ["Alternatives to detention for families", "Focal point's title"]
    assert "Nothing was overwritten" in str(excinfo.value)
    assert Evidence.objects.get(pk=ev.pk).title == "Focal point's title"


def test_revision_of_a_validated_record_keeps_the_published_one(people):
    ev = services.evidence_create(user=people["contributor"], data=content())
    ev = services.evidence_validate(
        user=people["focal"], evidence=services.evidence_submit(user=people["contributor"], evidence=ev)
    )
    revision = services.evidence_reopen(user=people["contributor"], evidence=ev)
    assert revision.record == ev.record and revision.revision == 2 and revision.review_state == S.DRAFT
    assert [a.code for a in revision.other_actions.all()] == ["13(h)"] and revision.links.count() == 1
    revision = services.evidence_update(
        user=people["contributor"], evidence=revision, data={"status": "completed"}, expected_version=revision.version
    )
    published = Evidence.objects.published().get(record=ev.record)
    assert published.pk == ev.pk and published.status == "under_way"
    revision = services.evidence_validate(
        user=people["focal"], evidence=services.evidence_submit(user=people["contributor"], evidence=revision)
    )
    published = Evidence.objects.published().get(record=ev.record)
    assert published.pk == revision.pk and published.status == "completed"
    assert Evidence.objects.get(pk=ev.pk).review_state == S.SUPERSEDED
    kinds = list(EvidenceEvent.objects.filter(record=ev.record).values_list("kind", flat=True))
    assert kinds == ["created", "submitted", "validated", "reopened", "edited", "submitted", "validated"]


def test_withdraw_instead_of_delete(people):
    ev = services.evidence_create(user=people["contributor"], data=content())
    ev = services.evidence_validate(
        user=people["focal"], evidence=services.evidence_submit(user=people["contributor"], evidence=ev)
    )
    # Taking a published record down is the focal point's decision (tests/commitments/test_withdraw_reopen.py).
    ev = services.evidence_withdraw(user=people["focal"], evidence=ev, reason="Programme cancelled")
    assert ev.review_state == S.WITHDRAWN and not ev.is_published and Evidence.objects.filter(pk=ev.pk).exists()


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "ftp://example.org/x"])
def test_only_http_links(people, url):
    with pytest.raises(ValidationError):
        services.evidence_create(user=people["contributor"], data=content(links=[{"url": url}]))
    assert not Evidence.objects.exists()


def test_people_without_an_entity_cannot_record(people):
    for who in ["secretariat", "analyst"]:
        with pytest.raises(PermissionDenied):
            services.evidence_create(user=people[who], data=content())


def test_a_record_has_at_most_one_published_revision(framework):
    """The database refuses a second published revision of a record; unpublished revisions coexist."""
    published = EvidenceFactory(published=True)
    EvidenceFactory(record=published.record, revision=published.revision + 1)  # a revision in review
    with pytest.raises(IntegrityError), transaction.atomic():
        EvidenceFactory(record=published.record, revision=published.revision + 2, published=True)
    assert Evidence.objects.filter(record=published.record).count() == 2
    assert Evidence.objects.get(record=published.record, is_published=True) == published
