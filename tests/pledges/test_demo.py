"""seed_demo also creates plans and pledges (some common, some matching) with evidence links,
and --reset replaces them; with --pledges and --plan-items, that many, in bulk."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.urls import reverse

from commitments.models import Evidence
from commitments.pledges.models import Delivery, NationalPlan, PlanItem, Pledge, PledgePartner

pytestmark = pytest.mark.django_db


def seed(*args):
    out = StringIO()
    call_command("seed_demo", "--allow-production", "--records", "600", "--organisations", "40", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_creates_plans_and_pledges_and_reset_replaces_them(framework, client):
    output = seed("--seed", "5")
    assert "national plans" in output and "pledges" in output
    assert NationalPlan.objects.filter(is_demo=True, is_published=True).count() == 12
    assert PledgePartner.objects.filter(pledge__is_demo=True).exists()  # common pledges
    assert Pledge.objects.filter(is_demo=True, matches__isnull=False).exists()  # matching pledges
    assert Pledge.objects.filter(organisation__isnull=False).exists()
    assert Delivery.objects.filter(evidence__is_demo=True).exists()
    counts = (NationalPlan.objects.count(), Pledge.objects.count())
    seed("--seed", "5", "--reset")
    assert (NationalPlan.objects.count(), Pledge.objects.count()) == counts
    assert client.get(reverse("commitments:state", args=["MAR"])).status_code == 200
    assert client.get(reverse("pledges:pledge_list")).status_code == 200
    pledge = Pledge.objects.filter(matches__isnull=False).first()
    assert pledge.matches.identifier in client.get(pledge.get_absolute_url()).content.decode()


def scaled(seed_value, *extra):
    return seed("--records", "500", "--pledges", "200", "--plan-items", "80", "--seed", str(seed_value), *extra)


def snapshot():
    """What a seed decides, by values that do not depend on the database's numbering."""
    pledges = list(
        Pledge.objects.order_by("identifier").values_list(
            "identifier", "title", "kind", "occasion", "status", "review_state", "is_published",
            "member_state__iso3", "organisation__name", "matches__identifier", "target_date",
        )
    )  # fmt: skip
    items = list(
        PlanItem.objects.order_by("plan__member_state__iso3", "plan__revision", "order").values_list(
            "plan__member_state__iso3", "plan__revision", "plan__review_state", "key", "priority", "status"
        )
    )
    links = sorted(
        Delivery.objects.values_list("evidence__record", "pledge__identifier", "item_key").order_by(),
        key=str,
    )
    themes = sorted(
        (
            p.identifier,
            tuple(sorted(a.code for a in p.actions.all())),
            tuple(sorted(o.number for o in p.objectives.all())),
        )
        for p in Pledge.objects.prefetch_related("actions", "objectives")
    )
    partners = sorted(PledgePartner.objects.values_list("pledge__identifier", "member_state__iso3", "answer"), key=str)
    return pledges, items, links, themes, partners


def test_seed_demo_at_scale_writes_the_counts_asked_with_well_formed_identifiers_and_is_deterministic(framework):
    output = scaled(3)
    assert "200 pledges" in output and "80 items" in output
    assert Pledge.objects.count() == 200 and PlanItem.objects.count() == 80
    identifiers = list(Pledge.objects.values_list("identifier", "created_at"))
    assert len({i for i, _at in identifiers}) == 200
    for identifier, created_at in identifiers:
        assert re.fullmatch(r"GCM-P-\d{4}-\d{6}", identifier) and identifier[6:10] == str(created_at.year)
    # Uneven and varied: States and organisations, the four kinds, several occasions, drafts too.
    assert (
        Pledge.objects.filter(member_state__isnull=False).count()
        > Pledge.objects.filter(organisation__isnull=False).count()
        > 0
    )
    assert set(Pledge.objects.values_list("kind", flat=True)) == set(Pledge.Kind.values)
    assert Pledge.objects.values("occasion").distinct().count() >= 4
    published = Pledge.objects.filter(is_published=True).count()
    assert 150 < published < 200 and Pledge.objects.filter(review_state="draft").exists()
    assert not Pledge.objects.filter(objectives=None).exists()
    # Every State with published evidence has a plan, one published revision per plan at most.
    states_with_evidence = set(
        Evidence.objects.filter(is_published=True, member_state__isnull=False).values_list("member_state", flat=True)
    )
    planned = set(NationalPlan.objects.values_list("member_state", flat=True))
    assert planned == states_with_evidence or (len(planned) == 80 and planned < states_with_evidence)
    assert (
        not NationalPlan.objects.values("record").annotate(n=Count("id", filter=Q(is_published=True))).filter(n__gt=1)
    )
    assert not PlanItem.objects.filter(objectives=None).exists()
    # Links go to published evidence of the same State or organisation.
    assert Delivery.objects.exists() and not Delivery.objects.filter(evidence__is_published=False).exists()
    for link in Delivery.objects.select_related("evidence", "pledge", "plan_item__plan"):
        owner = link.pledge or link.plan_item.plan
        assert (link.evidence.member_state_id, link.evidence.organisation_id) == (
            owner.member_state_id,
            getattr(owner, "organisation_id", None),
        )
    first = snapshot()
    scaled(3, "--reset")
    assert snapshot() == first
    scaled(4, "--reset")
    assert snapshot()[0] != first[0]
