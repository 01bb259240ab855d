"""The four-eyes rule: who wrote a revision's content does not validate it where someone else can.

Authors are whoever created the revision, edited it (content, links, results, files) or submitted
it. Where the State has another focal point (stakeholder records: another secretariat member) who
did not write it, an author's validation is refused. Where nobody else can, it is allowed and
said: on the record, in its history, and in the secretariat's list of such cases. Every rule is
checked on the row locked inside the transaction: the PostgreSQL test sends "submit" and
"validate" for one record at the same moment.
"""

import threading
import time

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from commitments import services
from commitments.models import Action, Evidence, EvidenceEvent
from tests.factories import OrganisationFactory, Role, make_user

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
def mar(framework):
    return {
        "contributor": make_user(Role.CONTRIBUTOR, state="MAR", username="amina"),
        "focal": make_user(Role.FOCAL_POINT, state="MAR", username="youssef"),
        "secretariat": make_user(Role.SECRETARIAT, username="unnm"),
    }


def second_focal():
    return make_user(Role.FOCAL_POINT, state="MAR", username="second")


@pytest.mark.django_db
def test_the_creator_may_not_validate_what_a_contributor_submitted(mar):
    second = second_focal()
    ev = services.evidence_create(user=mar["focal"], data=content())
    ev = services.evidence_submit(user=mar["contributor"], evidence=ev)
    with pytest.raises(services.WorkflowError, match="wrote"):
        services.evidence_validate(user=mar["focal"], evidence=ev)
    assert Evidence.objects.get(pk=ev.pk).review_state == S.SUBMITTED
    assert services.evidence_validate(user=second, evidence=ev).is_published


@pytest.mark.django_db
def test_an_editor_of_the_revision_may_not_validate_it(mar):
    second = second_focal()
    ev = services.evidence_create(user=mar["contributor"], data=content())
    ev = services.evidence_update(user=mar["focal"], evidence=ev, data={"title": "Edited"}, expected_version=ev.version)
    ev = services.evidence_submit(user=mar["contributor"], evidence=ev)
    with pytest.raises(services.WorkflowError):
        services.evidence_validate(user=mar["focal"], evidence=ev)
    validated = services.evidence_validate(user=second, evidence=ev)
    assert validated.is_published and not validated.validated_without_second_reviewer


@pytest.mark.django_db
def test_a_second_focal_point_who_also_wrote_it_does_not_count(mar):
    """If every other focal point wrote it too, nobody independent exists: allowed, and said."""
    second = second_focal()
    ev = services.evidence_create(user=second, data=content())
    ev = services.evidence_submit(user=mar["focal"], evidence=ev)
    assert services.evidence_validate(user=mar["focal"], evidence=ev).validated_without_second_reviewer


@pytest.mark.django_db
def test_a_lone_focal_point_validates_and_it_is_recorded(mar, client):
    ev = services.evidence_create(user=mar["focal"], data=content())
    ev = services.evidence_submit(user=mar["focal"], evidence=ev)
    ev = services.evidence_validate(user=mar["focal"], evidence=ev)
    assert ev.is_published and ev.validated_without_second_reviewer
    event = EvidenceEvent.objects.get(record=ev.record, kind=EvidenceEvent.Kind.VALIDATED)
    assert event.without_second_reviewer
    page = client.get(reverse("commitments:evidence", args=[ev.record])).content.decode()
    assert page.lower().count("validated without a second reviewer") == 2  # on the record and in its history
    # An independent reviewer's validation is not flagged.
    other = services.evidence_submit(
        user=mar["contributor"], evidence=services.evidence_create(user=mar["contributor"], data=content("Other"))
    )
    assert not services.evidence_validate(user=mar["focal"], evidence=other).validated_without_second_reviewer


@pytest.mark.django_db
def test_the_secretariat_lists_validations_without_a_second_reviewer(mar, client):
    lone = services.evidence_submit(
        user=mar["focal"], evidence=services.evidence_create(user=mar["focal"], data=content("Lone"))
    )
    services.evidence_validate(user=mar["focal"], evidence=lone)
    checked = services.evidence_submit(
        user=mar["contributor"], evidence=services.evidence_create(user=mar["contributor"], data=content("Checked"))
    )
    services.evidence_validate(user=mar["focal"], evidence=checked)
    url = reverse("commitments:single_reviewer")
    client.force_login(mar["secretariat"])
    page = client.get(url).content.decode()
    assert "Lone" in page and "Checked" not in page
    client.force_login(mar["focal"])
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_stakeholder_records_follow_the_same_rule_with_the_secretariat(framework):
    org = OrganisationFactory()
    editor = make_user(Role.STAKEHOLDER_EDITOR, organisation=org, username="ngo")
    sec = make_user(Role.SECRETARIAT, username="sec1")
    ev = services.evidence_submit(user=editor, evidence=services.evidence_create(user=editor, data=content()))
    assert not services.evidence_validate(user=sec, evidence=ev).validated_without_second_reviewer


def _wait_until_blocked(n, timeout=10):
    """Until `n` other sessions of this database wait on a lock (PostgreSQL)."""
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # the view is a snapshot per transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= n:
                return
            time.sleep(0.02)
    raise AssertionError(f"{n} sessions did not block on the record's lock")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: the race cannot happen")
def test_submit_and_validate_at_the_same_moment_never_publish_a_self_validation(mar):
    """A focal point sends "submit" and "validate" together while a second focal point exists.

    The main thread holds the row's lock; "submit" queues on it first, then "validate" (each a
    real request in its own session). Released, submit commits first; validate must then see
    the focal point as the submitter on the locked row, and refuse."""
    second_focal()
    ev = services.evidence_create(user=mar["contributor"], data=content())
    outcomes = {}

    def post(transition):
        client = Client()
        client.force_login(mar["focal"])
        url = reverse("commitments:evidence_transition", args=[ev.record, transition])
        try:
            outcomes[transition] = client.post(url, {"revision": ev.revision})
        finally:
            connections.close_all()

    from django.db import transaction

    with transaction.atomic():
        Evidence.objects.select_for_update().get(pk=ev.pk)
        submit = threading.Thread(target=post, args=["submit"])
        submit.start()
        _wait_until_blocked(1)
        validate = threading.Thread(target=post, args=["validate"])
        validate.start()
        _wait_until_blocked(2)
    submit.join(20)
    validate.join(20)
    row = Evidence.objects.get(pk=ev.pk)
    assert row.review_state == S.SUBMITTED and row.submitted_by == mar["focal"]
    assert not row.is_published and row.validated_by is None
    kinds = list(EvidenceEvent.objects.filter(record=ev.record).values_list("kind", flat=True))
    assert kinds == ["created", "submitted"]
