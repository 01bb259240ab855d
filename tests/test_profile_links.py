"""A new user finds the profile dashboards and the filtered evidence lists from the pages they
land on: the State, organisation, objective and action pages, and the dashboards themselves.
The dashboards' objective filter names objectives by title, not by a bare number."""

import pytest
from django.urls import reverse

from commitments.models import Objective
from tests.factories import EvidenceFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def links(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_state_and_organisation_pages_link_to_their_profile_and_evidence_list(client, framework):
    org = OrganisationFactory()
    page = links(client, reverse("commitments:state", args=["MAR"]))
    assert 'href="/dashboards/states/MAR/"' in page and 'href="/evidence/?state=MAR"' in page
    page = links(client, reverse("commitments:organisation", args=[org.pk]))
    assert f'href="/dashboards/organisations/{org.pk}/"' in page
    assert f'href="/evidence/?organisation={org.pk}"' in page


def test_objective_and_action_pages_link_to_their_profile_and_evidence_list(client, framework):
    page = links(client, reverse("commitments:objective", args=[13]))
    assert 'href="/dashboards/objectives/13/"' in page and 'href="/evidence/?objective=13"' in page
    page = links(client, reverse("commitments:action", args=["13a"]))
    assert 'href="/dashboards/actions/13a/"' in page and 'href="/evidence/?action=13a"' in page


def test_dashboards_link_to_the_profiles_and_the_lists(client, framework):
    EvidenceFactory(published=True)
    page = links(client, reverse("dashboards:global"))
    assert 'href="/dashboards/objectives/1/"' in page and 'href="/dashboards/objectives/23/"' in page
    assert 'href="/dashboards/states/MAR/"' in page  # a State that reports
    profile = links(client, reverse("dashboards:state", args=["MAR"]))
    assert 'href="/evidence/?state=MAR"' in profile
    assert 'href="/evidence/?action=13a"' in links(client, reverse("dashboards:action", args=["13a"]))


def test_the_objective_filter_shows_titles(client, framework):
    response = client.get(reverse("dashboards:global"))
    choices = dict(response.context["filterset"].form.fields["objective"].choices)
    assert choices["13"] == f"13. {Objective.objects.get(number=13).title}"
