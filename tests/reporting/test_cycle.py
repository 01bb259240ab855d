"""The review calendar: cycles and milestones from the compact's rules, operator dates, the banner."""

from datetime import date

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from commitments import cycles, services
from commitments.models import Action, Evidence
from reporting.cycle import ensure_calendar
from reporting.models import Milestone, ReviewCycle
from tests.factories import Role, make_user

pytestmark = pytest.mark.django_db
K = Milestone.Kind


def years(kind):
    return list(Milestone.objects.filter(kind=kind).order_by("year").values_list("year", flat=True))


@time_machine.travel("2025-06-01 12:00Z", tick=False)
def test_calendar_follows_the_compacts_rules():
    ensure_calendar()
    assert years(K.IMRF) == [2022, 2026, 2030]
    assert years(K.REGIONAL_REVIEW) == [2020, 2024, 2028, 2032]
    assert years(K.SG_REPORT) == [2020, 2022, 2024, 2026, 2028, 2030, 2032]
    assert years(K.GFMD) == list(range(2019, 2034))
    assert Milestone.objects.get(kind=K.IMRF, year=2022).paragraph == "49 (c)"
    assert {m.paragraph for m in Milestone.objects.filter(kind=K.REGIONAL_REVIEW)} == {"50"}
    assert {m.paragraph for m in Milestone.objects.filter(kind=K.SG_REPORT)} == {"46"}
    assert {m.paragraph for m in Milestone.objects.filter(kind=K.GFMD)} == {"51"}
    first, second, third = ReviewCycle.objects.order_by("number")[:3]
    assert (first.start, first.end) == (date(2018, 12, 19), date(2022, 5, 20))
    assert (second.start, second.end) == (date(2022, 5, 21), date(2026, 5, 20))
    assert (third.start, third.end) == (date(2026, 5, 21), date(2030, 5, 20))
    # The IMRF closes its cycle; a date in November 2026 is in cycle 3.
    assert Milestone.objects.get(kind=K.IMRF, year=2026).cycle.number == 2
    assert Milestone.objects.get(kind=K.GFMD, year=2026).cycle.number == 3
    assert cycles.cycle_for(date(2026, 11, 15)) == 3


def test_cycle_for_uses_the_rules_by_default():
    assert cycles.cycle_for(date(2018, 12, 19)) == 1
    assert cycles.cycle_for(date(2022, 5, 20)) == 1
    assert cycles.cycle_for(date(2022, 5, 21)) == 2
    assert cycles.cycle_for(date(2026, 11, 1)) == 3
    assert cycles.cycle_for(date(2026, 5, 10), {2: date(2026, 5, 8)}) == 3
    with pytest.raises(ValueError):
        cycles.cycle_for(date(2018, 12, 1))


def test_ensure_calendar_is_idempotent_and_keeps_operator_dates():
    ensure_calendar(2030)
    counts = (ReviewCycle.objects.count(), Milestone.objects.count())
    sg = Milestone.objects.get(kind=K.SG_REPORT, year=2026)
    sg.date, sg.data_cutoff = date(2026, 3, 2), date(2025, 11, 30)
    sg.save()
    ensure_calendar(2030)
    ensure_calendar(2030)
    assert (ReviewCycle.objects.count(), Milestone.objects.count()) == counts
    sg.refresh_from_db()
    assert (sg.date, sg.data_cutoff) == (date(2026, 3, 2), date(2025, 11, 30))


def test_an_operator_adjusted_imrf_moves_the_boundary(framework):
    ensure_calendar(2030)
    second = ReviewCycle.objects.get(number=2)
    second.imrf_start, second.imrf_end = date(2026, 5, 5), date(2026, 5, 8)
    second.save()
    ensure_calendar(2030)
    assert ReviewCycle.objects.get(number=3).start == date(2026, 5, 9)
    assert Milestone.objects.get(kind=K.IMRF, year=2026).date == date(2026, 5, 8)
    contributor = make_user(Role.CONTRIBUTOR, state="MAR")
    focal = make_user(Role.FOCAL_POINT, state="MAR")
    data = {
        "title": "Consular registration of nationals abroad",
        "description": "Online consular registration.",
        "primary_action": Action.objects.get(code="1(a)"),
        "status": Evidence.Status.UNDER_WAY,
        "level": Evidence.Level.NATIONAL,
    }
    ev = services.evidence_submit(user=contributor, evidence=services.evidence_create(user=contributor, data=data))
    with time_machine.travel("2026-05-10 09:00Z", tick=False):
        ev = services.evidence_validate(user=focal, evidence=ev)
    # By the rule (IMRF closing 20 May) this day was still cycle 2; the Forum closed on 8 May.
    assert ev.cycle == 3
    assert cycles.cycle_for(date(2026, 5, 10), {}) == 2


def test_calendar_page_is_public_and_builds_the_calendar(client):
    response = client.get(reverse("reporting:calendar"))
    assert response.status_code == 200
    assert ReviewCycle.objects.exists()
    body = response.content.decode()
    assert "International Migration Review Forum 2026" in body and "para 49 (c)" in body
    assert "<h1>" in body and 'id="cycle-3"' in body


@time_machine.travel("2025-12-01 12:00Z", tick=False)
def test_banner_for_reporting_users_is_one_cached_query(framework, client, django_assert_max_num_queries):
    ensure_calendar()
    cache.clear()
    from reporting.cycle import banner

    with django_assert_max_num_queries(1):
        data = banner()
    with django_assert_max_num_queries(0):
        assert banner() == data
    assert data["cycle"]["number"] == 2
    assert [m["kind"] for m in data["milestones"]][:1] == [K.GFMD]
    client.force_login(make_user(Role.FOCAL_POINT, state="MAR"))
    body = client.get(reverse("reporting:calendar")).content.decode()
    assert 'class="cycle-banner"' in body and "Review cycle 2, until 20 May 2026." in body
    client.logout()
    assert 'class="cycle-banner"' not in client.get(reverse("reporting:calendar")).content.decode()
