"""Readers' caches and ETags: every write readers could see is visible on the very next request.

Anonymous pages are cached whole under the data version (commitments.readers); the API and
the exports answer 304 while the version stands. These tests make the cache hit first, then
write, then prove the next answer is the fresh one (equal to a render with the cache emptied).
"""

import logging
import re

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from commitments import dataversion, services
from commitments.models import Evidence, MemberState
from commitments.readers import PROCESS_PAGES, ProcessPages
from tests.factories import EvidenceFactory, OrganisationFactory, Role, make_user

pytestmark = pytest.mark.django_db
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


@pytest.fixture
def world(framework):
    org = OrganisationFactory(name="Migrant Rights Network")
    people = {
        "contributor": make_user(Role.CONTRIBUTOR, state="MAR", username="amina"),
        "focal": make_user(Role.FOCAL_POINT, state="MAR", username="youssef"),
        "editor": make_user(Role.STAKEHOLDER_EDITOR, organisation=org, username="ngo"),
        "secretariat": make_user(Role.SECRETARIAT, username="unnm"),
    }
    state_record = EvidenceFactory(published=True, title="Consular network for migrants")
    org_record = EvidenceFactory(published=True, member_state=None, organisation=org, title="Legal aid clinics")
    return {"org": org, "people": people, "state_record": state_record, "org_record": org_record}


@pytest.fixture(autouse=True)
def _pages_kept_in_the_process(settings):
    """As in production: pages and API answers kept in each process besides the shared cache."""
    settings.READER_PROCESS_CACHE_MB = 32


def forget_cached():
    """The next request renders afresh: the shared cache and this process's pages emptied."""
    cache.clear()
    PROCESS_PAGES.clear()


def revise_and_validate(world, evidence, author, reviewer, title):
    """A new revision, with a new title and status, through the whole workflow."""
    p = world["people"]
    revision = services.evidence_reopen(user=p[author], evidence=evidence)
    revision = services.evidence_update(
        user=p[author],
        evidence=revision,
        data={"title": title, "status": Evidence.Status.COMPLETED},
        expected_version=revision.version,
    )
    revision = services.evidence_submit(user=p[author], evidence=revision)
    return services.evidence_validate(user=p[reviewer], evidence=revision)


def validate_both(world):
    revise_and_validate(world, world["state_record"], "contributor", "focal", "Consular network, now complete")
    revise_and_validate(world, world["org_record"], "editor", "secretariat", "Legal aid clinics in ten cities")


PAGES = {
    "evidence list": lambda w: "/evidence/",
    "evidence list filtered": lambda w: "/evidence/?state=MAR&status=completed",
    "record page": lambda w: f"/evidence/{w['state_record'].record}/",
    "organisation record page": lambda w: f"/evidence/{w['org_record'].record}/",
    "State page": lambda w: "/states/MAR/",
    "organisation page": lambda w: f"/organisations/{w['org'].pk}/",
    "action page": lambda w: "/actions/1a/",
    "global dashboard": lambda w: "/dashboards/",
    "filtered dashboard": lambda w: "/dashboards/?status=completed&cycle=3",
    "State dashboard": lambda w: "/dashboards/states/MAR/",
    "objective dashboard": lambda w: "/dashboards/objectives/1/",
    "action dashboard": lambda w: "/dashboards/actions/1a/",
    "organisation dashboard": lambda w: f"/dashboards/organisations/{w['org'].pk}/",
    "API list": lambda w: "/api/v1/evidence/",
    "API record": lambda w: f"/api/v1/evidence/{w['state_record'].record}/",
    "CSV export": lambda w: "/evidence/export.csv",
    "JSON export": lambda w: "/evidence/export.json",
}


def body(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return CSRF.sub("", content.decode())


@pytest.mark.parametrize("page", PAGES)
def test_a_validation_shows_on_the_next_request_of_every_page(world, page):
    url = PAGES[page](world)
    reader = Client()
    response = reader.get(url)
    assert response.status_code == 200
    before = body(response)
    assert body(reader.get(url)) == before, "the page is not stable, so the test could not tell"
    validate_both(world)
    response = reader.get(url)
    assert response.status_code == 200
    after = body(response)
    forget_cached()
    assert after == body(Client().get(url)), "a cached answer outlived the data it was made from"
    assert after != before, "the validation changed nothing on this page"


@pytest.mark.parametrize("page", ["evidence list", "global dashboard", "State dashboard", "State page", "API list"])
def test_a_withdrawal_shows_on_the_next_request(world, page):
    url = PAGES[page](world)
    reader = Client()
    before = body(reader.get(url))
    # A published record is taken down by its focal point, who says why.
    services.evidence_withdraw(
        user=world["people"]["focal"], evidence=world["state_record"], reason="Reported twice by mistake"
    )
    after = body(reader.get(url))
    assert after == body(Client().get(url)) and after != before


@pytest.mark.parametrize("page", ["evidence list", "organisation page", "organisation dashboard", "API list"])
def test_an_organisation_renamed_in_the_admin_shows_at_once(world, page):
    url = PAGES[page](world)
    reader = Client()
    assert "Migrant Rights Network" in body(reader.get(url))
    admin = Client()
    admin.force_login(make_user(Role.SECRETARIAT, username="root", is_staff=True, is_superuser=True))
    org = world["org"]
    response = admin.post(
        f"/admin/commitments/organisation/{org.pk}/change/",
        {"name": "Migrant Rights Alliance", "stakeholder_type": org.stakeholder_type_id, "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    after = body(reader.get(url))
    assert "Migrant Rights Alliance" in after and "Migrant Rights Network" not in after


@pytest.mark.parametrize("page", ["State page", "global dashboard", "evidence list"])
def test_a_member_state_edit_shows_at_once(world, page):
    url = PAGES[page](world)
    reader = Client()
    reader.get(url)
    state = MemberState.objects.get(iso3="MAR")
    state.name = "Kingdom of Morocco (renamed)"
    state.save()
    assert "Kingdom of Morocco (renamed)" in body(reader.get(url))


def test_drafts_do_not_empty_the_public_cache_but_reach_their_authors(world):
    version = dataversion.current()
    services.evidence_reopen(user=world["people"]["contributor"], evidence=world["state_record"])
    after = dataversion.current()
    assert after.public == version.public and after.private == version.private + 1


def test_bulk_writes_bump_the_version(framework):
    from commitments import demo
    from commitments.loading import load_framework

    start = dataversion.current().public
    load_framework()
    assert dataversion.current().public > start
    demo.generate(30, seed=3, organisations=5)
    middle = dataversion.current().public
    demo.delete_demo()
    assert dataversion.current().public > middle > start


# --- 304s -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["evidence list", "global dashboard", "record page", "API list", "CSV export"])
def test_repeat_readers_get_304_until_the_data_changes(world, page):
    url = PAGES[page](world)
    reader = Client()
    first = reader.get(url)
    etag = first["ETag"]
    assert etag and first["Last-Modified"] and "no-cache" in first["Cache-Control"]
    again = reader.get(url, headers={"if-none-match": etag})
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    since = reader.get(url, headers={"if-modified-since": first["Last-Modified"]})
    assert since.status_code == 304
    validate_both(world)
    changed = reader.get(url, headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_api_etag_names_the_reader(world):
    from rest_framework.authtoken.models import Token

    url = "/api/v1/evidence/"
    anonymous = APIClient().get(url)["ETag"]
    token = Token.objects.create(user=world["people"]["focal"])
    signed_in = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}").get(url)
    assert signed_in.status_code == 200 and signed_in["ETag"] != anonymous
    assert "private" in signed_in["Cache-Control"]
    # A draft changes what its authors see through the API: their ETag moves, the public's does not.
    services.evidence_reopen(user=world["people"]["contributor"], evidence=world["state_record"])
    assert APIClient().get(url)["ETag"] == anonymous
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token.key}").get(url)["ETag"] != signed_in["ETag"]


def test_signed_in_people_never_get_the_cached_page(world):
    url = "/evidence/"
    Client().get(url)  # cached for anonymous readers
    person = Client()
    person.force_login(world["people"]["focal"])
    response = person.get(url)
    assert "youssef" in response.content.decode() and "ETag" not in response


def test_cached_page_carries_each_readers_own_csrf_token(world):
    Client().get("/evidence/")  # the page is cached with someone else's token cut out
    reader = Client(enforce_csrf_checks=True)
    page = reader.get("/evidence/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert token != "__csrf__"
    response = reader.post("/i18n/setlang/", {"language": "fr", "next": "/evidence/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    # The chosen language has its own addresses: the English one now leads to the French page.
    french = reader.get("/evidence/", follow=True)
    assert french.redirect_chain == [("/fr/evidence/", 302)]
    assert 'lang="fr"' in french.content.decode()


def test_cached_pages_keep_their_language(world):
    english = Client().get("/evidence/").content.decode()
    french = Client(headers={"accept-language": "fr"}).get("/evidence/", follow=True)
    assert french.redirect_chain == [("/fr/evidence/", 302)]
    assert 'lang="en"' in english and 'lang="fr"' in french.content.decode()
    # Asked for directly, each address keeps its own language whatever was cached first.
    assert 'lang="fr"' in Client().get("/fr/evidence/").content.decode()
    assert 'lang="en"' in Client().get("/evidence/").content.decode()


# --- The shared cache and redis ---------------------------------------------------------------------


@pytest.fixture
def redis_down(settings):
    """The production cache backend pointed at a port where nothing listens."""
    import socket

    from django.core.cache import caches

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {
        "default": {**settings.REDIS_CACHES["default"], "LOCATION": f"redis://127.0.0.1:{port}/1"},
    }
    from monitor import cache as resilient

    resilient._STATES.clear()
    yield caches["default"]
    resilient._STATES.clear()


@pytest.mark.parametrize(
    "url", ["/evidence/", "/dashboards/", "/dashboards/states/MAR/", "/api/v1/evidence/", "/evidence/export.csv"]
)
def test_pages_and_api_are_served_with_redis_down(world, redis_down, url, caplog):
    with caplog.at_level(logging.WARNING, logger="monitor.cache"):
        for _ in range(3):
            assert Client().get(url).status_code == 200
    warnings = [r.getMessage() for r in caplog.records if r.name == "monitor.cache"]
    assert len(warnings) <= 1 and all("Cache unavailable" in w for w in warnings)  # once per outage


def test_an_outage_is_logged_once_and_recovery_too(redis_down, caplog, monkeypatch):
    from monitor import cache as resilient

    with caplog.at_level(logging.WARNING, logger="monitor.cache"):
        for _ in range(5):
            assert redis_down.get("x") is None
        monkeypatch.setattr(resilient, "RETRY_SECONDS", 0)
        redis_down.get("x")  # tries again, fails again: still the same outage
    warnings = [r.getMessage() for r in caplog.records if r.name == "monitor.cache"]
    assert len(warnings) == 1 and "Cache unavailable" in warnings[0]


def test_resilient_cache_misses_instead_of_failing(redis_down):
    assert redis_down.get("x", "fallback") == "fallback"
    assert redis_down.get_many(["x", "y"]) == {}
    assert redis_down.set("x", 1) is None and redis_down.add("x", 1) is False
    with pytest.raises(ValueError):
        redis_down.incr("x")


def test_api_throttle_and_pages_share_redis(world, redis_cache, low_api_rates, settings):
    codes = [APIClient().get("/api/v1/objectives/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert any(b"throttle" in key for key in _redis_keys(settings)), "the throttle's history is in redis"
    Client().get("/evidence/")
    assert any(b":dv:" in key for key in _redis_keys(settings)), "the page went to the shared cache"


def _redis_keys(settings):
    import redis

    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).keys("*")


def test_no_cached_state_leaks_between_tests_part_1(world):
    Client().get("/evidence/")
    assert cache.get("leak-probe") is None
    cache.set("leak-probe", 1)


def test_no_cached_state_leaks_between_tests_part_2(world):
    assert cache.get("leak-probe") is None


@pytest.mark.parametrize("page", ["evidence list filtered", "global dashboard", "objective dashboard", "API list"])
def test_signed_in_readers_see_a_validation_at_once(world, page):
    """Their pages are rendered afresh, but figures and counts come from the versioned cache."""
    url = PAGES[page](world)
    reader = Client()
    reader.force_login(make_user(Role.ANALYST, username="analyst"))
    before = body(reader.get(url))
    assert body(reader.get(url)) == before
    validate_both(world)
    after = body(reader.get(url))
    cache.clear()
    assert after == body(reader.get(url)) and after != before


def test_pages_kept_in_the_process_stay_within_their_budget(settings):
    settings.READER_PROCESS_CACHE_MB = 1
    kept = ProcessPages()
    page = b"x" * 60_000  # 64 KB and less are kept (a sixteenth of the budget)
    for n in range(40):
        kept.put(f"dv:7:page:{n}", page, len(page))
        kept.get("dv:7:page:0")  # read often: kept although it is the oldest
    assert kept.size <= 1024 * 1024
    assert kept.get("dv:7:page:0") == page and kept.get("dv:7:page:39") == page
    assert kept.get("dv:7:page:1") is None, "the least recently read page goes first"
    kept.put("dv:7:big", b"x" * 70_000, 70_000)
    assert kept.get("dv:7:big") is None, "one large page never pushes out many others"
    settings.READER_PROCESS_CACHE_MB = 0
    kept.put("dv:7:off", b"x", 1)
    assert kept.get("dv:7:off") is None


def test_a_page_read_again_in_the_same_process_skips_the_shared_cache(world, django_assert_num_queries):
    """The second read of a page is served from the process: one query (the data version), no cache
    call; after a validation the key names another version, so the fresh page is read."""
    from unittest import mock

    reader = Client()
    first = body(reader.get("/evidence/"))
    from django.core.cache import caches

    shared = type(caches["default"])
    refused = AssertionError("the shared cache was asked")
    with mock.patch.object(shared, "get", side_effect=refused), django_assert_num_queries(1):
        assert body(reader.get("/evidence/")) == first
    validate_both(world)
    assert body(reader.get("/evidence/")) != first


def test_the_filter_form_is_rendered_once_for_all_pages_of_a_list(world):
    """The ~400-option filter form is kept per version, language and filter: page 2 of the same
    filter reuses it, another filter or a signed-in reader gets it rendered."""
    from unittest import mock

    from commitments import views_public

    sidebar = re.compile(r'<aside class="filter-sidebar">.*?</aside>', re.S)
    with mock.patch.object(views_public, "render_to_string", wraps=views_public.render_to_string) as rendered:
        first = Client().get("/evidence/?status=completed").content.decode()
        second = Client().get("/evidence/?status=completed&page=2").content.decode()
        assert rendered.call_count == 1
        assert sidebar.search(first).group() == sidebar.search(second).group()
        assert 'value="completed" selected' in sidebar.search(first).group() or re.search(
            r'value="completed"[^>]*checked', sidebar.search(first).group()
        ), "the kept form shows the reader's filter"
        Client().get("/evidence/?status=planned")
        assert rendered.call_count == 2
        signed_in = Client()
        signed_in.force_login(world["people"]["focal"])
        assert signed_in.get("/evidence/?status=completed").status_code == 200
        assert rendered.call_count == 2, "signed-in readers get the form from the template itself"


@pytest.mark.parametrize("path", ["/api/v1/evidence/", "/api/v1/evidence/?state=MAR"])
def test_a_kept_json_answer_is_sent_as_kept_bytes_and_equals_a_fresh_one(world, path, monkeypatch):
    from rest_framework.renderers import JSONRenderer

    reader = Client(HTTP_ACCEPT="application/json")
    forget_cached()
    fresh = reader.get(path)
    encoded = []
    real = JSONRenderer.render
    monkeypatch.setattr(JSONRenderer, "render", lambda self, *a, **k: encoded.append(1) or real(self, *a, **k))
    kept = reader.get(path)
    assert encoded == []  # nothing encoded again: the bytes were kept
    assert kept.content == fresh.content and kept.json()["count"] >= 1
    for header in ("Content-Type", "Vary", "Allow", "ETag"):
        assert kept.get(header) == fresh.get(header), header
    # Another media type (indented JSON) is another answer; the browsable API is rendered per reader.
    indented = reader.get(path, HTTP_ACCEPT="application/json; indent=2")
    assert indented.content != fresh.content and indented.json() == fresh.json()
    html = reader.get(path, HTTP_ACCEPT="text/html")
    assert html["Content-Type"].startswith("text/html") and html.status_code == 200
