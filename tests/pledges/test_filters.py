"""One PledgeFilterSet behind the list page, the API and the exports: the same pledges for the same query."""

import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from commitments.models import MemberState, Objective
from commitments.pledges import services

from .conftest import pledge_data, published_pledge

pytestmark = pytest.mark.django_db

QUERIES = [
    "",
    "kind=financial",
    "kind=policy&kind=process",
    "state=MAR",
    "state=mar",
    "entity_kind=state",
    "entity_kind=civil-society",
    "region=Africa",
    "objective=6",
    "action=16a",
    "action=16(a)",
    "occasion=IMRF%202026",
    "status=under_way",
    "common=true",
    "common=false",
    "partner=KEN",
    "q=legal",
]


@pytest.fixture
def world(people):
    kenya = MemberState.objects.get(iso3="KEN")
    a = published_pledge(people)  # MAR, human resources, objective 6, IMRF 2026
    b = published_pledge(
        people,
        user="editor",
        reviewer="secretariat",
        title="Legal aid fund",
        kind="financial",
        actions=[],
        objectives=[Objective.objects.get(number=16)],
        occasion="GFMD",
    )
    services.pledge_set_status(user=people["editor"], pledge=b, status="under_way", reason="Fund opened")
    c = published_pledge(
        people, user="other_contributor", reviewer="other_state", title="Policy", kind="policy", partner_states=[kenya]
    )
    hidden = services.pledge_create(user=people["contributor"], data=pledge_data(title="Draft legal", kind="financial"))
    people["editor"].profile.organisation.country = kenya
    people["editor"].profile.organisation.save()
    return {"published": [a, b, c], "hidden": hidden}


def from_list(client, query):
    response = client.get(reverse("pledges:pledge_list") + "?" + query)
    assert response.status_code == 200
    return sorted(p.identifier for p in response.context["page"].paginator.object_list)


def from_api(client, query):
    body = client.get("/api/v1/pledges/?" + query + "&page_size=100").json()
    return sorted(row["identifier"] for row in body["results"])


def from_exports(client, query):
    csv_text = b"".join(client.get(reverse("pledges:pledge_export", args=["csv"]) + "?" + query).streaming_content)
    rows = list(csv.DictReader(io.StringIO(csv_text.decode("utf-8-sig"))))
    json_url = reverse("pledges:pledge_export", args=["json"]) + "?" + query
    json_rows = json.loads(b"".join(client.get(json_url).streaming_content))
    xlsx = b"".join(client.get(reverse("pledges:pledge_export", args=["xlsx"]) + "?" + query).streaming_content)
    sheet = load_workbook(io.BytesIO(xlsx)).active
    xlsx_ids = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    ids = sorted(r["identifier"] for r in rows)
    assert ids == sorted(r["identifier"] for r in json_rows) == sorted(xlsx_ids)
    return ids


def test_list_api_and_exports_agree(client, world):
    # One world for every query (loading the framework per query would triple the test's time).
    for query in QUERIES:
        listed = from_list(client, query)
        assert listed == from_api(client, query) == from_exports(client, query), query
        assert world["hidden"].identifier not in listed


def test_the_filters_select_what_they_say(client, world):
    a, b, c = (p.identifier for p in world["published"])
    assert from_list(client, "kind=financial") == [b]
    assert from_list(client, "state=MAR") == [a]
    assert from_list(client, "region=Africa") == sorted([a, b])
    assert from_list(client, "objective=16") == [b]
    assert from_list(client, "status=under_way") == [b]
    assert from_list(client, "partner=KEN") == [c] == from_list(client, "common=true")
    assert from_list(client, "occasion=GFMD") == [b]


def test_an_invalid_filter_is_an_error_everywhere(client, world):
    assert client.get("/api/v1/pledges/?kind=bribes").status_code == 400
    assert client.get(reverse("pledges:pledge_export", args=["csv"]) + "?kind=bribes").status_code == 400
    assert from_list(client, "kind=bribes") == []


def test_mine_shows_own_drafts_only_to_their_entity(client, people, world):
    client.force_login(people["contributor"])
    assert world["hidden"].identifier in from_list(client, "mine=true")
    assert world["hidden"].identifier in from_exports(client, "mine=true")
    client.force_login(people["other_state"])
    assert world["hidden"].identifier not in from_list(client, "mine=true")
