"""Public framework pages: permalinks, content, i18n and accessibility landmarks."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_home_lists_the_23_objectives(client, framework):
    html = client.get("/").content.decode()
    assert html.count('href="/objectives/') == 23
    assert "Collect and utilize accurate and disaggregated data" in html
    assert 'class="skip-link" href="#main"' in html and '<main id="main"' in html
    assert '<label for="language-select">' in html


def test_objective_page_shows_commitment_and_actions(client, framework):
    html = client.get("/objectives/13/").content.decode()
    assert "<h1>Objective 13: Use migration detention only" in html
    assert "We commit to ensure that any detention" in html
    assert html.count('href="/actions/13') == 8


def test_action_page_permalink(client, framework):
    response = client.get("/actions/13a/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Action 13(a)" in html and "Use existing relevant human rights mechanisms" in html


@pytest.mark.parametrize("url", ["/objectives/24/", "/actions/13z/", "/actions/99a/", "/actions/x/"])
def test_unknown_framework_items_are_404(client, framework, url):
    assert client.get(url).status_code == 404


def test_headings_are_in_order(client, framework):
    for url in ["/", "/objectives/2/", "/actions/2h/"]:
        levels = [int(n) for n in re.findall(r"<h([1-6])", client.get(url).content.decode())]
        assert levels[0] == 1 and levels.count(1) == 1
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), (url, levels)


def test_arabic_is_right_to_left_and_six_languages_offered(framework):
    client = Client(HTTP_ACCEPT_LANGUAGE="ar")
    response = client.get("/", follow=True)
    assert response.redirect_chain == [("/ar/", 302)]  # the browser's language
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    for code in ["ar", "zh-hans", "en", "fr", "ru", "es"]:
        assert f'<option value="{code}"' in html


def test_language_switcher_sets_the_language(client, framework):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/objectives/1/"})
    assert response.status_code == 302 and response["Location"] == "/fr/objectives/1/"  # the same page
    assert '<html lang="fr" dir="ltr">' in client.get("/fr/objectives/1/").content.decode()
    assert client.get("/objectives/1/")["Location"] == "/fr/objectives/1/"  # the choice is kept


def test_no_asset_comes_from_another_host(client, framework):
    html = client.get("/").content.decode()
    # hreflang alternates name the page's absolute addresses in the other languages: not assets.
    html = re.sub(r'<link rel="alternate" hreflang="[^"]+" href="[^"]+">', "", html)
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_framework_is_read_only_in_the_admin(admin_client, framework):
    from commitments.models import Action

    action = Action.objects.get(code="13(a)")
    assert admin_client.get(f"/admin/commitments/action/{action.pk}/change/").status_code == 200
    response = admin_client.post(f"/admin/commitments/action/{action.pk}/change/", {"text": "changed"})
    assert response.status_code == 403
    assert admin_client.get("/admin/commitments/action/add/").status_code == 403
    action.refresh_from_db()
    assert action.text != "changed"
