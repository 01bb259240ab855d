"""Evidence says which plan items and pledges it delivers on: its own entity's, or common pledges
its entity confirmed taking part in; kept in the history and carried to a new revision."""

import json

import pytest
from django.urls import reverse

from commitments import services as evidence_services
from commitments.models import Action, Evidence, EvidenceEvent, MemberState
from commitments.pledges import services
from commitments.pledges.models import Delivery

from .conftest import pledge_data, published_plan, published_pledge

pytestmark = pytest.mark.django_db


def evidence_data(**overrides):
    return {
        "title": "Community case management pilot",
        "description": "Families with children live in the community with a case manager.",
        "primary_action": Action.objects.get(code="13(a)"),
        "status": Evidence.Status.COMPLETED,
        "level": Evidence.Level.NATIONAL,
        **overrides,
    }


def publish(people, ev):
    ev = evidence_services.evidence_submit(user=people["contributor"], evidence=ev)
    return evidence_services.evidence_validate(user=people["focal"], evidence=ev)


def test_links_are_validated_kept_in_history_and_copied_to_a_new_revision(people):
    plan = published_plan(people)
    target = plan.items.first()
    pledge = published_pledge(people)
    ev = evidence_services.evidence_create(
        user=people["contributor"],
        data=evidence_data(delivers_on=[f"plan-item:{target.key}", pledge.identifier]),
    )
    assert {d.target for d in ev.deliveries.all()} == {target, pledge}
    created = EvidenceEvent.objects.get(evidence=ev, kind="created")
    assert pledge.identifier in " ".join(created.snapshot["delivers_on"])
    assert f"Plan item: {target.priority}" in created.snapshot["delivers_on"]
    ev = publish(people, ev)
    revision = evidence_services.evidence_reopen(user=people["contributor"], evidence=ev)
    assert {d.target for d in revision.deliveries.all()} == {target, pledge}
    assert {d.target for d in Evidence.objects.get(pk=ev.pk).deliveries.all()} == {target, pledge}
    revision = evidence_services.evidence_update(
        user=people["contributor"], evidence=revision, data={"delivers_on": [pledge.identifier]}, expected_version=1
    )
    edited = EvidenceEvent.objects.filter(evidence=revision, kind="edited").get()
    assert edited.changes["delivers_on"][1] == [f"{pledge.identifier} {pledge.title}"]
    # The published revision keeps its own links until the new one is validated.
    assert Delivery.objects.filter(evidence=ev).count() == 2


def test_another_entitys_plan_items_and_pledges_are_refused_with_a_clear_message(people):
    plan = published_plan(people)
    target = plan.items.first()
    pledge = published_pledge(people)
    with pytest.raises(Exception) as caught:
        evidence_services.evidence_create(
            user=people["other_contributor"],
            data=evidence_data(delivers_on=[f"plan-item:{target.key}", pledge.identifier, "GCM-P-2020-999999"]),
        )
    messages = caught.value.message_dict["delivers_on"]
    assert len(messages) == 3
    assert "belongs to another entity" in messages[0] and "belongs to another entity" in messages[1]
    assert "GCM-P-2020-999999 is not a plan item or pledge" in messages[2]
    assert not Evidence.objects.filter(member_state__iso3="MEX").exists()


def test_a_confirmed_partner_of_a_common_pledge_may_link_its_evidence(people):
    kenya = MemberState.objects.get(iso3="KEN")
    pledge = services.pledge_create(user=people["contributor"], data=pledge_data(partner_states=[kenya]))
    partner = pledge.partners.get()
    data = evidence_data(delivers_on=[pledge.identifier])
    with pytest.raises(Exception, match="belongs to another entity"):
        evidence_services.evidence_create(user=people["ken"], data=dict(data))
    services.partner_answer(user=people["ken"], partner=partner, confirm=True)
    ev = evidence_services.evidence_create(user=people["ken"], data=dict(data))
    assert ev.deliveries.get().pledge == pledge


def test_the_evidence_form_offers_own_targets_and_saves_them(client, people):
    plan = published_plan(people)
    target = plan.items.first()
    pledge = published_pledge(people)
    foreign = published_pledge(people, user="other_contributor", reviewer="other_state", title="Mexican pledge")
    client.force_login(people["contributor"])
    page = client.get(reverse("commitments:evidence_new"))
    html = page.content.decode()
    assert f"plan-item:{target.key}" in html and pledge.identifier in html
    assert foreign.identifier not in html
    form = {
        "title": "Pilot",
        "description": "Pilot of case management.",
        "primary_action": "13(a)",
        "status": "completed",
        "level": "national",
        "delivers_on": [f"plan-item:{target.key}"],
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
        "results-TOTAL_FORMS": "0",
        "results-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("commitments:evidence_new"), form)
    assert response.status_code == 302
    ev = Evidence.objects.get(title="Pilot")
    assert ev.deliveries.get().plan_item == target
    refused = client.post(reverse("commitments:evidence_new"), {**form, "delivers_on": [foreign.identifier]})
    assert refused.status_code == 400 and "belongs to another entity" in refused.content.decode()
    detail = client.get(ev.get_absolute_url()).content.decode()
    assert "Delivers on" in detail and target.priority in detail


def test_the_api_reads_and_writes_links(client, people):
    pledge = published_pledge(people)
    client.force_login(people["contributor"])
    payload = {
        "title": "API pilot",
        "description": "Recorded through the API.",
        "primary_action": "13(a)",
        "status": "under_way",
        "level": "national",
        "delivers_on": [pledge.identifier],
    }
    response = client.post("/api/v1/evidence/", json.dumps(payload), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["delivers_on"] == [pledge.identifier]
    client.logout()
    client.force_login(people["other_contributor"])
    response = client.post("/api/v1/evidence/", json.dumps(payload), content_type="application/json")
    assert response.status_code == 400 and "belongs to another entity" in response.content.decode()


def test_plan_and_pledge_pages_show_linked_published_evidence(client, people):
    plan = published_plan(people)
    target = plan.items.first()
    pledge = published_pledge(people)
    ev = evidence_services.evidence_create(
        user=people["contributor"], data=evidence_data(delivers_on=[f"plan-item:{target.key}", pledge.identifier])
    )
    html = client.get(plan.get_absolute_url()).content.decode()
    assert ev.title not in html and "no published evidence linked" in html  # a draft says nothing yet
    publish(people, ev)
    html = client.get(plan.get_absolute_url()).content.decode()
    assert ev.title in html and "1 published record linked (completed: 1)" in html
    html = client.get(pledge.get_absolute_url()).content.decode()
    assert ev.title in html and "Pledged" in html  # the owner's status, beside the evidence


def test_a_published_record_never_shows_the_public_a_draft_pledge_it_delivers_on(client, people):
    draft = services.pledge_create(user=people["contributor"], data=pledge_data(title="Secret draft pledge"))
    ev = evidence_services.evidence_create(
        user=people["contributor"], data=evidence_data(delivers_on=[draft.identifier])
    )
    ev = publish(people, ev)
    assert "Secret draft pledge" not in client.get(ev.get_absolute_url()).content.decode()
    assert client.get(f"/api/v1/evidence/{ev.record}/").json()["delivers_on"] == []
    client.force_login(people["contributor"])
    assert "Secret draft pledge" in client.get(ev.get_absolute_url()).content.decode()
    assert client.get(f"/api/v1/evidence/{ev.record}/").json()["delivers_on"] == [draft.identifier]


def test_api_evidence_list_reads_links_in_constant_queries(client, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pledge = published_pledge(people)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/evidence/").status_code == 200
        return len(queries)

    publish(
        people,
        evidence_services.evidence_create(
            user=people["contributor"], data=evidence_data(delivers_on=[pledge.identifier])
        ),
    )
    few = count()
    for n in range(5):
        data = evidence_data(title=f"Record {n}", delivers_on=[pledge.identifier])
        publish(people, evidence_services.evidence_create(user=people["contributor"], data=data))
    assert count() == few
    rows = client.get("/api/v1/evidence/").json()["results"]
    assert all(row["delivers_on"] == [pledge.identifier] for row in rows)
