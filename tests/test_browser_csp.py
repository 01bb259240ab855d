"""Every kind of page under the Content-Security-Policy, in a real Chromium: no console error (a blocked
script, style or request is one), the policy's header on every response, nothing fetched from outside.
One browser for the whole module."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from commitments import demo
from reporting import reports
from reporting.models import Report, ReportKind
from tests.browser import chromium_context, screenshot, sign_in
from tests.factories import Role, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server):
    with chromium_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url) as context:
        page = context.new_page()
        page.errors, page.requests, page.unprotected = [], [], []
        page.on("console", lambda m: page.errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda exc: page.errors.append(f"{page.url}: {exc}"))
        # Requests that completed: one the policy refuses is reported as failed, never finished.
        page.on("requestfinished", lambda r: page.requests.append(r.url))

        def check_header(response):
            ours = response.url.startswith(live_server.url) and "/static/" not in response.url
            if ours and "content-security-policy" not in response.headers:
                page.unprotected.append(response.url)

        page.on("response", check_header)
        yield page


def charts_drawn(page, count):
    page.wait_for_function("n => document.querySelectorAll('.main-svg').length >= n", arg=count, timeout=20000)


def test_pages_work_under_the_content_security_policy(framework, live_server, page, settings, tmp_path):
    settings.REPORTS_ROOT = tmp_path / "reports"
    demo.generate(120, seed=5, organisations=20)
    make_user(Role.SECRETARIAT, username="csp-secretariat")
    base = live_server.url

    for path in ("/", reverse("commitments:evidence_list"), reverse("opendata:page"), reverse("reporting:calendar")):
        page.goto(base + path)
        assert page.locator("main h1").count() == 1, path

    page.goto(base + reverse("dashboards:global"))
    charts_drawn(page, 9)
    page.goto(base + "/dashboards/states/MAR/")
    charts_drawn(page, 4)
    screenshot(page, "csp-dashboard-state")

    # The API's documentation: Swagger UI and ReDoc draw the schema; the browsable API renders.
    page.goto(base + "/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20000)
    page.wait_for_selector(".opblock-tag", timeout=20000)
    screenshot(page, "csp-swagger")
    page.goto(base + "/api/v1/redoc/")
    page.wait_for_selector("redoc h1", timeout=30000)
    page.wait_for_load_state("networkidle")
    screenshot(page, "csp-redoc")
    page.goto(base + "/api/v1/evidence/")
    assert page.locator(".response-info").count() == 1

    # Signed in: a report being compiled polls its progress (report-progress.js), the admin works.
    sign_in(page, "csp-secretariat")
    waiting = reports.request_report(kind=ReportKind.GLOBAL, cycle=3, data_cutoff=datetime(2030, 1, 1, tzinfo=UTC))
    page.goto(base + waiting.get_absolute_url())
    page.wait_for_load_state("networkidle")
    page.goto(base + "/admin/")
    assert page.locator("#site-name").count() == 1

    # The compiled HTML report, opened from disk as a reader would: its own policy, charts drawn.
    assert reports.run_compile(waiting.pk, "csp-task") == "complete", Report.objects.get(pk=waiting.pk).error
    html = reports.file_path(Report.objects.get(pk=waiting.pk).files.get(format="html"))
    page.goto(f"file://{html}")
    charts_drawn(page, 5)
    policy = page.locator("meta[http-equiv=Content-Security-Policy]").get_attribute("content")
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    screenshot(page, "csp-report-html")

    # ReDoc always asks for its maker's logo from a CDN: the policy refuses it (nothing leaves the site),
    # and Chromium logs that refusal; it is the one error expected.
    redoc_logo = [e for e in page.errors if "/api/v1/redoc/" in e and "https://cdn.redoc.ly/redoc/logo-mini.svg" in e]
    assert len(redoc_logo) == 1
    errors = [e for e in page.errors if e not in redoc_logo]
    assert errors == [], "\n".join(errors)
    assert page.unprotected == []
    outside = [u for u in page.requests if not u.startswith((base, "data:", "file:", "blob:"))]
    assert outside == []
