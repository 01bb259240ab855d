import datetime

import pytest

from commitments.models import Action, Objective
from commitments.pledges import services
from tests.factories import OrganisationFactory, Role, make_user


@pytest.fixture
def people(framework):
    org = OrganisationFactory(name="Migrant Rights Network")
    other_org = OrganisationFactory(name="Diaspora Council")
    return {
        "contributor": make_user(Role.CONTRIBUTOR, state="MAR", username="amina"),
        "focal": make_user(Role.FOCAL_POINT, state="MAR", username="youssef"),
        "focal2": make_user(Role.FOCAL_POINT, state="MAR", username="salma"),
        "other_state": make_user(Role.FOCAL_POINT, state="MEX", username="lucia"),
        "other_contributor": make_user(Role.CONTRIBUTOR, state="MEX", username="diego"),
        "ken": make_user(Role.FOCAL_POINT, state="KEN", username="wanjiru"),
        "editor": make_user(Role.STAKEHOLDER_EDITOR, organisation=org, username="ngo"),
        "other_editor": make_user(Role.STAKEHOLDER_EDITOR, organisation=other_org, username="diaspora"),
        "secretariat": make_user(Role.SECRETARIAT, username="unnm"),
        "analyst": make_user(Role.ANALYST, username="analyst"),
        "org": org,
        "other_org": other_org,
    }


def plan_data(**overrides):
    return {
        "title": "National Strategy on Migration 2025-2030",
        "instrument": "strategy",
        "adopted_on": datetime.date(2025, 3, 1),
        "period_start": datetime.date(2025, 1, 1),
        "period_end": datetime.date(2030, 12, 31),
        "lead_institution": "Ministry of the Interior",
        "contributing_institutions": "Ministry of Labour\nNational Statistics Office",
        **overrides,
    }


def item(priority="Alternatives to detention", code="13(a)", target_date=datetime.date(2027, 6, 30), **extra):
    action = Action.objects.get(code=code)
    return {
        "priority": priority,
        "objectives": [action.objective],
        "actions": [action],
        "target_what": "families in community case management",
        "target_amount": "500",
        "target_date": target_date,
        "responsible_institution": "Ministry of the Interior",
        **extra,
    }


def pledge_data(**overrides):
    return {
        "title": "Fund 200 labour inspectors",
        "description": "Recruit and train labour inspectors on migrant workers' rights.",
        "kind": "human_resources",
        "objectives": [Objective.objects.get(number=6)],
        "actions": [Action.objects.get(code="6(a)")],
        "target_what": "labour inspectors trained",
        "target_amount": "200",
        "target_date": datetime.date(2028, 12, 31),
        "occasion": "IMRF 2026",
        **overrides,
    }


def published_plan(people, items=None):
    plan = services.plan_create(
        user=people["contributor"], data=plan_data(), items=items or [item(), item("Data strategy", "1(a)")]
    )
    plan = services.submit(user=people["contributor"], obj=plan)
    return services.validate(user=people["focal"], obj=plan)


def published_pledge(people, user="contributor", reviewer="focal", **overrides):
    pledge = services.pledge_create(user=people[user], data=pledge_data(**overrides))
    pledge = services.submit(user=people[user], obj=pledge)
    return services.validate(user=people[reviewer], obj=pledge)
