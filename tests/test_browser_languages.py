"""Every page type in a real Chromium, in English and Arabic: axe-core finds no serious or critical
violation, and no Arabic page scrolls sideways at 375 px or 1,280 px.

axe-core comes from node_modules (pinned by package.json / package-lock.json, installed by the
Makefile's `npm ci`), injected from disk: nothing is fetched at test time. One browser, one seeded
data set and one test keep the module fast.
"""

import pytest

from commitments import demo
from commitments.models import Evidence, Organisation
from tests.browser import chromium_context, sign_in
from tests.conftest import ROOT
from tests.factories import Role, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def page_types():
    """(name, English address, signed in?) of every page type."""
    record = Evidence.objects.filter(is_published=True).order_by("pk").first()
    organisation = Organisation.objects.filter(evidence__is_published=True).order_by("pk").first()
    public = [
        ("home", "/"),
        ("objective", "/objectives/13/"),
        ("action", "/actions/13a/"),
        ("evidence list", "/evidence/"),
        ("evidence record", f"/evidence/{record.record}/"),
        ("evidence history", f"/evidence/{record.record}/history/"),
        ("Member State", "/states/MAR/"),
        ("organisation", f"/organisations/{organisation.pk}/"),
        ("global dashboard", "/dashboards/"),
        ("State profile", "/dashboards/states/MAR/"),
        ("objective profile", "/dashboards/objectives/13/"),
        ("calendar", "/calendar/"),
        ("reports", "/reports/"),
        ("open data", "/data/"),
        ("log-in", "/accounts/login/"),
        ("password reset", "/accounts/password/reset/"),
    ]
    signed_in = [
        ("workspace", "/workspace/"),
        ("workspace objective", "/workspace/objectives/13/"),
        ("evidence form", "/workspace/evidence/new/"),
        ("review queue", "/review/"),
        ("people", "/workspace/people/"),
        ("workbook", "/workspace/workbook/"),
        ("new report", "/reports/new/"),
    ]
    return [(n, u, False) for n, u in public] + [(n, u, True) for n, u in signed_in]


def localised(url, language):
    return url if language == "en" else f"/{language}{url}"


def open_page(page, url):
    page.goto(url)
    page.wait_for_load_state("load")
    if page.locator(".chart-figure").count():  # plotly draws after load: audit the drawn charts
        page.wait_for_function(
            "[...document.querySelectorAll('.chart-figure')].every(d => d.querySelector('.main-svg'))",
            timeout=20000,
        )


def serious_violations(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in result["violations"] if v["impact"] in SERIOUS
    ]


def sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_every_page_type_is_accessible_in_english_and_arabic_and_arabic_never_scrolls_sideways(framework, live_server):
    assert AXE.exists(), "axe-core is missing: `make test` runs npm ci (package-lock.json)"
    demo.generate(80, seed=3, organisations=12)
    make_user(Role.FOCAL_POINT, state="MAR", username="youssef")
    pages = page_types()
    problems = []
    # bypass_csp: the site's Content-Security-Policy (rightly) refuses inline scripts, and axe is one.
    viewport = {"width": 1280, "height": 900}
    with chromium_context(base_url=live_server.url, viewport=viewport, bypass_csp=True) as context:
        page = context.new_page()
        signed_in = False
        for name, url, needs_account in sorted(pages, key=lambda p: p[2]):
            if needs_account and not signed_in:
                sign_in(page, "youssef")
                signed_in = True
            for language in ("en", "ar"):
                open_page(page, localised(url, language))
                assert page.url.endswith(localised(url, language)), (name, page.url)  # not sent elsewhere
                problems += [f"{name} [{language}]: {v}" for v in serious_violations(page)]
                if language == "ar":
                    for width in (1280, 375):
                        page.set_viewport_size({"width": width, "height": 900})
                        if overflow := sideways_scroll(page):
                            problems.append(f"{name} [ar] scrolls {overflow} px sideways at {width} px")
                    page.set_viewport_size({"width": 1280, "height": 900})
        # The API's docs are English only, but must say so.
        open_page(page, "/api/v1/redoc/")
        problems += [f"API docs: {v}" for v in serious_violations(page)]
    assert problems == [], "\n".join(problems)
