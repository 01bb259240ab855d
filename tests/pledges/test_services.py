"""Plans and pledges: the review workflow, versions, history, owner status, partners, permissions."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commitments.models import MemberState
from commitments.pledges import permissions, services
from commitments.pledges.models import Event, NationalPlan, OwnerStatus, PlanItem, Pledge, PledgePartner

from .conftest import item, plan_data, pledge_data, published_plan, published_pledge

pytestmark = pytest.mark.django_db
S = services.S


def test_plan_workflow_keeps_who_when_what_why(people):
    plan = services.plan_create(user=people["contributor"], data=plan_data(), items=[item(), item("Data", "1(a)")])
    assert plan.member_state.iso3 == "MAR" and plan.review_state == S.DRAFT and plan.items.count() == 2
    plan = services.submit(user=people["contributor"], obj=plan)
    plan = services.return_(user=people["focal"], obj=plan, comment="Add the budget.")
    plan = services.plan_update(
        user=people["contributor"],
        plan=plan,
        data={"title": "National Strategy on Migration"},
        expected_version=plan.version,
        reason="Budget added",
    )
    plan = services.submit(user=people["contributor"], obj=plan)
    plan = services.validate(user=people["focal"], obj=plan)
    assert plan.is_published and plan.review_state == S.VALIDATED
    kinds = list(Event.objects.filter(plan=plan).values_list("kind", flat=True))
    assert kinds == ["created", "submitted", "returned", "edited", "submitted", "validated"]
    returned = Event.objects.get(plan=plan, kind="returned")
    assert returned.actor == people["focal"] and returned.reason == "Add the budget."
    edited = Event.objects.get(plan=plan, kind="edited")
    assert edited.changes["title"] == ["National Strategy on Migration 2025-2030", "National Strategy on Migration"]
    assert edited.snapshot["items"][0]["actions"] == ["13(a)"]


def test_four_eyes_and_return_needs_comment(people):
    plan = services.plan_create(user=people["focal"], data=plan_data(), items=[item()])
    plan = services.submit(user=people["focal"], obj=plan)
    with pytest.raises(services.WorkflowError, match="another reviewer"):
        services.validate(user=people["focal"], obj=plan)
    with pytest.raises(ValidationError):
        services.return_(user=people["focal2"], obj=plan, comment="  ")
    assert services.validate(user=people["focal2"], obj=plan).is_published


def test_stale_edit_is_refused_and_nothing_overwritten(people):
    plan = services.plan_create(user=people["contributor"], data=plan_data(), items=[item()])
    services.plan_update(user=people["focal"], plan=plan, data={"title": "Theirs"}, expected_version=1)
    with pytest.raises(services.StaleEdit):
        services.plan_update(user=people["contributor"], plan=plan, data={"title": "Mine"}, expected_version=1)
    assert NationalPlan.objects.get(pk=plan.pk).title == "Theirs"


def test_a_revised_plan_is_a_new_version_and_the_old_one_stays_readable(people):
    first = published_plan(people)
    keys = set(first.items.values_list("key", flat=True))
    second = services.plan_reopen(user=people["contributor"], plan=first, reason="Mid-term review")
    assert second.revision == 2 and second.review_state == S.DRAFT and not second.is_published
    assert set(second.items.values_list("key", flat=True)) == keys
    first.refresh_from_db()
    assert first.is_published  # stays public while the new version is reviewed
    services.plan_update(
        user=people["contributor"],
        plan=second,
        data={"title": "Revised strategy"},
        items=[{"key": k, "priority": "Renamed"} for k in list(keys)[:1]],
        expected_version=second.version,
    )
    second = services.submit(user=people["contributor"], obj=second)
    second = services.validate(user=people["focal"], obj=second)
    first.refresh_from_db()
    assert first.review_state == S.SUPERSEDED and not first.is_published
    assert first.title == "National Strategy on Migration 2025-2030" and first.items.count() == 2
    assert second.items.get().priority == "Renamed"
    assert NationalPlan.objects.filter(record=first.record, is_published=True).get() == second


def test_another_state_cannot_read_a_draft_plan_nor_write_to_any(people):
    draft = services.plan_create(user=people["contributor"], data=plan_data(), items=[item()])
    published = published_plan(people)
    mex = people["other_state"]
    assert draft not in permissions.visible_plans(mex)
    assert published in permissions.visible_plans(mex)
    assert draft in permissions.visible_plans(people["secretariat"])
    assert draft not in permissions.visible_plans(None)
    with pytest.raises(PermissionDenied):
        services.plan_update(user=mex, plan=draft, data={"title": "x"}, expected_version=draft.version)
    with pytest.raises(PermissionDenied):
        services.submit(user=mex, obj=draft)
    with pytest.raises(PermissionDenied):
        services.plan_reopen(user=mex, plan=published)
    with pytest.raises(PermissionDenied):
        services.withdraw(user=mex, obj=published)
    with pytest.raises(PermissionDenied):
        services.item_set_status(user=mex, item=published.items.first(), status="fulfilled", reason="x")
    with pytest.raises(PermissionDenied):
        services.plan_create(user=people["editor"], data=plan_data(), items=[])
    with pytest.raises(PermissionDenied):
        services.plan_create(user=people["analyst"], data=plan_data(), items=[])


def test_pledge_identifier_is_citable_and_assigned_once(people):
    pledge = services.pledge_create(user=people["contributor"], data=pledge_data())
    assert re.fullmatch(r"GCM-P-\d{4}-\d{6}", pledge.identifier)
    identifier = pledge.identifier
    pledge = services.pledge_update(
        user=people["contributor"], pledge=pledge, data={"title": "Fund 250 inspectors"}, expected_version=1
    )
    assert pledge.identifier == identifier
    assert pledge.get_absolute_url() == f"/pledges/{identifier}/"
    other = services.pledge_create(user=people["editor"], data=pledge_data())
    assert other.identifier != identifier and other.organisation == people["org"]


def test_pledge_review_for_states_and_stakeholders(people):
    state_pledge = published_pledge(people)
    assert state_pledge.is_published and state_pledge.validated_by == people["focal"]
    org_pledge = services.pledge_create(user=people["editor"], data=pledge_data())
    org_pledge = services.submit(user=people["editor"], obj=org_pledge)
    with pytest.raises(PermissionDenied):
        services.validate(user=people["focal"], obj=org_pledge)  # the secretariat moderates stakeholders
    assert services.validate(user=people["secretariat"], obj=org_pledge).is_published


def test_another_entity_cannot_read_a_draft_pledge_nor_write_to_any(people):
    draft = services.pledge_create(user=people["contributor"], data=pledge_data())
    published = published_pledge(people)
    for outsider in (people["other_state"], people["editor"], None):
        assert draft not in permissions.visible_pledges(outsider)
        assert published in permissions.visible_pledges(outsider)
    for outsider in (people["other_state"], people["editor"]):
        with pytest.raises(PermissionDenied):
            services.pledge_update(user=outsider, pledge=draft, data={"title": "x"}, expected_version=1)
        with pytest.raises(PermissionDenied):
            services.pledge_set_status(user=outsider, pledge=published, status="fulfilled", reason="done")
        with pytest.raises(PermissionDenied):
            services.withdraw(user=outsider, obj=published)


def test_owner_status_needs_a_reason_and_is_in_history(people):
    pledge = published_pledge(people)
    with pytest.raises(ValidationError):
        services.pledge_set_status(user=people["contributor"], pledge=pledge, status="fulfilled", reason="")
    pledge = services.pledge_set_status(
        user=people["contributor"], pledge=pledge, status=OwnerStatus.UNDER_WAY, reason="First 80 recruited"
    )
    event = pledge.events.get(kind=Event.Kind.STATUS)
    assert event.reason == "First 80 recruited" and event.changes["status"] == ["pledged", "under_way"]
    plan = published_plan(people)
    target = plan.items.first()
    services.item_set_status(user=people["contributor"], item=target, status="fulfilled", reason="500 reached")
    target.refresh_from_db()
    assert target.status == "fulfilled" and target.status_reason == "500 reached"
    assert plan.events.filter(kind=Event.Kind.STATUS, reason="500 reached").exists()


def test_a_draft_cannot_get_an_owner_status(people):
    pledge = services.pledge_create(user=people["contributor"], data=pledge_data())
    with pytest.raises(PermissionDenied):
        services.pledge_set_status(user=people["contributor"], pledge=pledge, status="fulfilled", reason="x")


def test_common_pledge_partners_confirm_only_their_own_participation(people):
    kenya = MemberState.objects.get(iso3="KEN")
    pledge = services.pledge_create(
        user=people["contributor"],
        data=pledge_data(partner_states=[kenya], partner_organisations=[people["org"]]),
    )
    ken_row = pledge.partners.get(member_state=kenya)
    org_row = pledge.partners.get(organisation=people["org"])
    assert ken_row.answer == PledgePartner.Answer.INVITED
    # Named partners may read the draft to answer; others may not.
    assert pledge in permissions.visible_pledges(people["ken"])
    assert pledge not in permissions.visible_pledges(people["other_state"])
    for wrong in (people["editor"], people["contributor"], people["other_state"], people["secretariat"]):
        with pytest.raises(PermissionDenied):
            services.partner_answer(user=wrong, partner=ken_row, confirm=True)
    services.partner_answer(user=people["ken"], partner=ken_row, confirm=True)
    services.partner_answer(user=people["editor"], partner=org_row, confirm=False)
    ken_row.refresh_from_db()
    org_row.refresh_from_db()
    assert ken_row.answer == "confirmed" and ken_row.answered_by == people["ken"]
    assert org_row.answer == "declined"
    assert pledge.events.filter(kind=Event.Kind.PARTNER).count() == 2
    # The owner re-saving its partner list keeps each partner's own answer.
    pledge.refresh_from_db()
    services.pledge_update(
        user=people["contributor"],
        pledge=pledge,
        data={"partner_states": [kenya], "partner_organisations": [people["org"]]},
        expected_version=pledge.version,
    )
    assert pledge.partners.get(member_state=kenya).answer == "confirmed"


def test_own_entity_cannot_be_its_partner(people):
    with pytest.raises(ValidationError):
        services.pledge_create(
            user=people["contributor"], data=pledge_data(partner_states=[MemberState.objects.get(iso3="MAR")])
        )


def test_matching_pledge_answers_a_published_pledge(people):
    original = published_pledge(people)
    draft = services.pledge_create(user=people["other_contributor"], data=pledge_data(title="Other draft"))
    with pytest.raises(ValidationError, match="Only a published pledge"):
        services.pledge_create(user=people["editor"], data=pledge_data(matches=draft))
    match = services.pledge_create(user=people["editor"], data=pledge_data(kind="financial", matches=original))
    assert match.matches == original and list(original.matched_by.all()) == [match]
    assert services.pledge_by_identifier(original.identifier.lower()) == original


def test_removing_an_item_evidence_delivers_on_is_refused(people):
    from commitments import services as evidence_services
    from commitments.models import Action

    plan = services.plan_create(user=people["contributor"], data=plan_data(), items=[item()])
    target = plan.items.get()
    evidence_services.evidence_create(
        user=people["contributor"],
        data={
            "title": "ATD pilot",
            "description": "Pilot.",
            "primary_action": Action.objects.get(code="13(a)"),
            "status": "under_way",
            "level": "national",
            "delivers_on": [f"plan-item:{target.key}"],
        },
    )
    with pytest.raises(ValidationError, match="evidence says it delivers on it"):
        services.plan_update(user=people["contributor"], plan=plan, data={}, items=[], expected_version=plan.version)
    assert PlanItem.objects.filter(pk=target.pk).exists()


def test_budget_needs_a_currency(people):
    with pytest.raises(ValidationError):
        services.plan_create(user=people["contributor"], data=plan_data(), items=[item(budget=1000)])
    plan = services.plan_create(user=people["contributor"], data=plan_data(), items=[item(budget=1000, currency="MAD")])
    assert plan.items.get().budget == 1000


def test_withdrawn_pledge_is_no_longer_public(people):
    pledge = published_pledge(people)
    pledge = services.withdraw(user=people["contributor"], obj=pledge, reason="Replaced")
    assert not pledge.is_published and pledge not in permissions.visible_pledges(None)
    assert Pledge.objects.filter(pk=pledge.pk).exists()  # never deleted
    assert pledge.events.filter(kind="withdrawn", reason="Replaced").exists()
