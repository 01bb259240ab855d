"""Section 3 also lists the State's published plan items and pledges per objective, with the owner's
status and, beside it, what linked published evidence says (never one inferred from the other)."""

import uuid

from commitments.models import Action, Evidence, Objective
from commitments.pledges.models import Delivery, NationalPlan, PlanItem, Pledge
from reporting.reviews import selectors, services
from reporting.reviews.models import SectionKind

V = Evidence.ReviewState.VALIDATED


def published_plan(state, **fields):
    return NationalPlan.objects.create(
        record=uuid.uuid4(),
        member_state=state,
        title="National Strategy on Migration",
        instrument="strategy",
        review_state=V,
        is_published=True,
        **fields,
    )


def test_plan_items_and_pledges_appear_per_objective_with_their_status(world, django_capture_on_commit_callbacks):
    mar, mex = world["state"], world["other_state"]
    item = PlanItem.objects.create(
        plan=published_plan(mar), key=uuid.uuid4(), priority="Fair recruitment", status="under_way"
    )
    item.objectives.set([Objective.objects.get(number=6)])
    pledge = Pledge.objects.create(
        identifier="GCM-P-2026-000001",
        member_state=mar,
        title="End child detention",
        description="By 2028.",
        kind="policy",
        status="fulfilled",
        review_state=V,
        is_published=True,
    )
    pledge.actions.set([Action.objects.get(code="13(a)")])
    Delivery.objects.create(evidence=world["records"][4], pledge=pledge)
    draft = Pledge.objects.create(
        identifier="GCM-P-2026-000002", member_state=mar, title="Unpublished pledge", description="x", kind="policy"
    )
    draft.objectives.set([Objective.objects.get(number=6)])
    theirs = Pledge.objects.create(
        identifier="GCM-P-2026-000003",
        member_state=mex,
        title="Mexico's pledge",
        description="x",
        kind="policy",
        review_state=V,
        is_published=True,
    )
    theirs.objectives.set([Objective.objects.get(number=6)])

    facts = selectors.plan_and_pledge_facts(mar, 3)
    assert sorted(facts) == [6, 13]
    assert [(f["kind"], f["identifier"], f["status"]) for f in facts[6]] == [("plan_item", str(item.key), "under_way")]
    assert facts[13][0]["evidence_total"] == 1 and facts[13][0]["status_label"] == "Fulfilled"

    with django_capture_on_commit_callbacks(execute=True):
        review = services.create_review(
            member_state=mar, milestone=world["milestone"], language="en", user=world["focal"]
        )
    sections = {
        s.objective.number: s.narrative
        for s in review.sections.filter(kind=SectionKind.OBJECTIVE).select_related("objective")
    }
    # Objective 6 has no evidence but a plan item: both are said, and no figure is invented.
    assert sections[6].startswith("No published evidence for this objective in this cycle.")
    assert f"`{item.key}`" in sections[6] and "Fair recruitment" in sections[6] and "Under way" in sections[6]
    assert "Unpublished pledge" not in sections[6] and "Mexico" not in sections[6]
    assert "`GCM-P-2026-000001`" in sections[13] and "Fulfilled" in sections[13]
    assert "Linked published evidence: 1 record (Completed 1)." in sections[13]
    assert "No published evidence is linked to it." in sections[6]
