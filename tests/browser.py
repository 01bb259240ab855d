"""Debian's Chromium driven by Playwright, shared by the browser tests. No browser is downloaded."""

import os
from contextlib import contextmanager
from pathlib import Path

from django.db import connections
from playwright.sync_api import sync_playwright

from tests.factories import PASSWORD

# Playwright runs an event loop in the test's thread; the ORM calls the tests make stay synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
# The background-networking flags keep Chromium from calling home on a closed network.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium_context(**context_options):
    """A fresh browser context in Debian's Chromium, closed afterwards."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(**context_options)
        try:
            yield context
        finally:
            context.close()
            browser.close()
            # ORM calls made while Playwright runs use connections of its greenlet's context, which
            # Django never closes: left open, they keep PostgreSQL from dropping the test database.
            connections.close_all()


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page, username, next_url=""):
    """Sign in through the log-in form as a test user (tests.factories.PASSWORD)."""
    page.goto("/accounts/login/" + (f"?next={next_url}" if next_url else ""))
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
