"""The API of plans and pledges: the public reads published ones; owners write theirs."""

import json

import pytest

from commitments.pledges.models import NationalPlan, Pledge

from .conftest import pledge_data, published_plan, published_pledge

pytestmark = pytest.mark.django_db


def post(client, url, payload):
    return client.post(url, json.dumps(payload), content_type="application/json")


def patch(client, url, payload):
    return client.patch(url, json.dumps(payload), content_type="application/json")


def test_public_reads_published_pledges_only(client, people):
    from commitments.pledges import services

    published = published_pledge(people)
    draft = services.pledge_create(user=people["contributor"], data=pledge_data(title="Draft pledge"))
    body = client.get("/api/v1/pledges/").json()
    identifiers = [row["identifier"] for row in body["results"]]
    assert identifiers == [published.identifier]
    assert client.get(f"/api/v1/pledges/{draft.identifier}/").status_code == 404
    one = client.get(f"/api/v1/pledges/{published.identifier}/").json()
    assert one["state"] == "MAR" and one["kind"] == "human_resources" and one["actions"] == ["6(a)"]
    client.force_login(people["other_state"])
    assert client.get(f"/api/v1/pledges/{draft.identifier}/").status_code == 404
    client.force_login(people["contributor"])
    assert client.get(f"/api/v1/pledges/{draft.identifier}/").status_code == 200


def test_owners_write_through_the_workflow_and_others_cannot(client, people):
    client.force_login(people["contributor"])
    payload = {
        "title": "Train 100 consular officers",
        "description": "Consular protection training.",
        "kind": "process",
        "actions": ["14(a)"],
        "target_date": "2027-12-31",
        "occasion": "IMRF 2026",
        "partner_states": ["KEN"],
    }
    created = post(client, "/api/v1/pledges/", payload)
    assert created.status_code == 201, created.content
    identifier = created.json()["identifier"]
    assert created.json()["partners"][0]["iso3"] == "KEN" and created.json()["partners"][0]["answer"] == "invited"
    url = f"/api/v1/pledges/{identifier}/"
    assert patch(client, url, {"title": "No version"}).status_code == 400
    assert patch(client, url, {"title": "Train 120 consular officers", "version": 1}).status_code == 200
    stale = patch(client, url, {"title": "Stale", "version": 1})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_edit"
    assert "title" in stale.json()["error"]["changes"]
    assert post(client, url + "submit/", {}).status_code == 200
    client.force_login(people["other_state"])
    assert post(client, url + "validate/", {}).status_code == 404  # not even visible to another State
    client.force_login(people["focal"])
    validated = post(client, url + "validate/", {})
    assert validated.status_code == 200 and validated.json()["is_published"] is True
    client.force_login(people["other_state"])
    assert patch(client, url, {"title": "Hijack", "version": 4}).status_code in (403, 409)
    assert post(client, url + "status/", {"status": "fulfilled", "reason": "x"}).status_code == 403
    assert Pledge.objects.get(identifier=identifier).title == "Train 120 consular officers"
    client.force_login(people["contributor"])
    done = post(client, url + "status/", {"status": "under_way", "reason": "Half trained"})
    assert done.status_code == 200 and done.json()["status"] == "under_way"


def test_plans_api_reads_published_and_writes_own(client, people):
    plan = published_plan(people)
    rows = client.get("/api/v1/plans/").json()["results"]
    assert [r["record"] for r in rows] == [str(plan.record)]
    assert rows[0]["items"][0]["actions"] == ["13(a)"]
    client.force_login(people["contributor"])
    payload = {
        "title": "Action plan on return and reintegration",
        "instrument": "action_plan",
        "items": [{"priority": "Reintegration support", "actions": ["21(a)"], "target_date": "2028-01-01"}],
    }
    created = post(client, "/api/v1/plans/", payload)
    assert created.status_code == 201, created.content
    record = created.json()["record"]
    client.logout()
    assert client.get(f"/api/v1/plans/{record}/").status_code == 404
    client.force_login(people["other_contributor"])
    assert post(client, "/api/v1/plans/", payload).json()["state"] == "MEX"  # its own State, never MAR
    assert NationalPlan.objects.filter(member_state__iso3="MAR").count() == 2
    client.force_login(people["contributor"])
    reopened = post(client, f"/api/v1/plans/{plan.record}/reopen/", {"comment": "Mid-term"})
    assert reopened.status_code == 201 and reopened.json()["revision"] == 2
    assert client.get(f"/api/v1/plans/{plan.record}/?revision=1").json()["is_published"] is True
