"""The organisation filter: a text box with server-side suggestions that scales to many
organisations, and works without JavaScript (a name, an acronym or a number)."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict

from commitments.filters import filter_evidence
from commitments.models import Organisation, StakeholderType
from tests.factories import OrganisationFactory, make_open_data_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(framework):
    return make_open_data_world()


def _titles(query):
    filterset, queryset = filter_evidence(QueryDict(query), AnonymousUser())
    return filterset, [e.title for e in queryset]


def test_the_filter_takes_a_number_a_name_or_an_acronym(world):
    org = world["organisation"]
    org.acronym = "LAN"
    org.save()
    expected = ["Legal aid for people in detention"]
    assert _titles(f"organisation={org.pk}")[1] == expected
    assert _titles(f"organisation={org.name.upper()}")[1] == expected
    assert _titles("organisation=lan")[1] == expected


def test_an_unknown_name_is_a_clear_error(world):
    filterset, titles = _titles("organisation=Nobody+at+all")
    assert titles == [] and "No organisation is called Nobody at all" in str(filterset.errors["organisation"])


def test_inactive_organisations_are_not_offered_to_the_public(world):
    OrganisationFactory(name="Closed NGO", is_active=False)
    filterset, _ = _titles("organisation=Closed+NGO")
    assert "organisation" in filterset.errors


def test_suggestions_come_from_the_server(world, client):
    OrganisationFactory(name="Rights of Migrants Watch", acronym="RMW")
    OrganisationFactory(name="Closed Rights Group", is_active=False)
    response = client.get("/organisations/search.json?q=rights")
    names = [row["name"] for row in response.json()["results"]]
    assert "Rights of Migrants Watch" in names and "Closed Rights Group" not in names
    assert names[0] == "Rights of Migrants Watch"  # names starting with the text come first
    assert client.get("/organisations/search.json?q=r").json() == {"results": []}
    assert client.get("/organisations/search.json?q=RMW").json()["results"][0]["acronym"] == "RMW"


def test_the_list_page_stays_small_with_many_organisations(world, client):
    civil = StakeholderType.objects.get(slug="civil-society")
    Organisation.objects.bulk_create(
        Organisation(name=f"Organisation number {n:05d} for migrants' rights", stakeholder_type=civil)
        for n in range(2500)
    )
    page = client.get("/evidence/").content
    assert len(page) < 40_000, f"{len(page):,} bytes"
    html = page.decode()
    assert "Organisation number 00001" not in html  # no option list in the page
    field = re.search(r'<input[^>]*name="organisation"[^>]*>', html).group(0)
    assert 'list="id_organisation-options"' in field and 'aria-describedby="id_organisation-hint"' in field
    assert 'id="id_organisation-options"' in html and 'id="id_organisation-hint"' in html


def test_a_number_in_the_url_shows_as_the_name(world, client):
    org = world["organisation"]
    html = client.get(f"/evidence/?organisation={org.pk}").content.decode()
    field = re.search(r'<input[^>]*name="organisation"[^>]*>', html).group(0)
    assert f'value="{org.name}"' in field
