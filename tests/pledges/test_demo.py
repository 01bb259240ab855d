"""seed_demo also creates plans and pledges (some common, some matching) with evidence links,
and --reset replaces them."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from commitments.pledges.models import Delivery, NationalPlan, Pledge, PledgePartner

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
