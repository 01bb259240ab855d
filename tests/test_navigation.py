"""The navigation offers each person what they can use."""

import pytest

from tests.factories import Role, make_user

pytestmark = pytest.mark.django_db


def test_workbook_link_only_for_people_who_record(client, framework, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # the data version (pages are cached under it), then the page's 3
        anonymous = client.get("/").content.decode()
    assert "/workspace/workbook/" not in anonymous and "Sign in" in anonymous
    client.force_login(make_user(Role.ANALYST, username="analyst"))
    assert "/workspace/workbook/" not in client.get("/").content.decode()
    client.force_login(make_user(Role.CONTRIBUTOR, state="MAR", username="amina"))
    assert 'href="/workspace/workbook/"' in client.get("/").content.decode()


def test_the_site_has_its_own_icon(client):
    """Browsers ask for an icon on every site; a 404 there is a console error on every first visit."""
    page = client.get("/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"
