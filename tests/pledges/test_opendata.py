"""Open data: the package and the exports hold published plans, plan items, pledges and their
links to evidence, and nothing unpublished; the package stays a valid Frictionless package."""

import csv

import frictionless
import pytest
from django.urls import reverse

from commitments import services as evidence_services
from commitments.models import Action
from commitments.pledges import services
from reporting import opendata

from .conftest import item, plan_data, pledge_data, published_plan, published_pledge

pytestmark = pytest.mark.django_db


def rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def world(people):
    plan = published_plan(people)
    target = plan.items.first()
    pledge = published_pledge(people, user="editor", reviewer="secretariat", title="=cmd|' /C calc'!A0")
    own = published_pledge(people)
    draft_plan = services.plan_create(
        user=people["other_contributor"], data=plan_data(title="Draft plan"), items=[item()]
    )
    draft_pledge = services.pledge_create(user=people["contributor"], data=pledge_data(title="Draft pledge"))
    ev = evidence_services.evidence_create(
        user=people["contributor"],
        data={
            "title": "Pilot",
            "description": "Pilot.",
            "primary_action": Action.objects.get(code="13(a)"),
            "status": "completed",
            "level": "national",
            "delivers_on": [f"plan-item:{target.key}", own.identifier],
        },
    )
    ev = evidence_services.evidence_submit(user=people["contributor"], evidence=ev)
    ev = evidence_services.evidence_validate(user=people["focal"], evidence=ev)
    return locals()


def test_package_holds_published_plans_items_pledges_and_links(world, tmp_path):
    descriptor = opendata.build(tmp_path)
    report = frictionless.validate(str(descriptor))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    plans = rows(tmp_path / "national_plans.csv")
    assert [p["plan"] for p in plans] == [str(world["plan"].record)]
    items = rows(tmp_path / "plan_items.csv")
    assert len(items) == 2 and {i["plan"] for i in items} == {str(world["plan"].record)}
    pledges = {p["identifier"]: p for p in rows(tmp_path / "pledges.csv")}
    assert set(pledges) == {world["pledge"].identifier, world["own"].identifier}
    assert pledges[world["pledge"].identifier]["title"].startswith("'=")  # never run as a formula
    links = rows(tmp_path / "evidence_delivers_on.csv")
    assert {(r["plan_item"], r["pledge"]) for r in links} == {
        (str(world["target"].key), ""),
        ("", world["own"].identifier),
    }
    everything = "".join(path.read_text() for path in tmp_path.glob("*.csv"))
    assert "Draft plan" not in everything and "Draft pledge" not in everything


def test_plan_items_export_links_evidence(world, client):
    from commitments.pledges import exports

    response = exports.items_response(exports.published_items(), "json")
    import json

    data = json.loads(b"".join(response.streaming_content))
    linked = next(r for r in data if r["item"] == str(world["target"].key))
    assert linked["evidence"] == [str(world["ev"].record)]
    csv_text = b"".join(client.get(reverse("pledges:pledge_export", args=["csv"])).streaming_content).decode()
    assert str(world["ev"].record) in csv_text  # the pledge's linked evidence
