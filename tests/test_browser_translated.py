"""The interface in each of the five other languages, in a real Chromium: no English string on the
pages people use most, and the evidence workflow in French and Arabic with e-mails in each
recipient's language.

"English string" means a string marked for translation in the code (the catalogue template that
`check_translations` builds) found in the page's text or its accessible names. The compact's own
text, shown in English inside lang="en" while no official translation is loaded, is left out.
"""

import re

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext, to_locale
from playwright.sync_api import expect

from commitments import demo
from commitments.models import Evidence, GuidingPrinciple, Profile
from monitor.translations import build_template, placeholders
from tests.browser import chromium_context
from tests.factories import PASSWORD, Role, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LANGUAGES = ["ar", "zh-hans", "fr", "ru", "es"]
# Strings that may stay as they are in another language (names and symbols, not interface words).
ALLOWED = {
    "GCM Implementation Monitor API",
    "A/RES/73/195",
    # The demo data's record and plan titles are what their authors wrote (commitments/demo.py), not
    # interface words; one of them is also the name of an instrument type.
    "Action plan",
}
PAGE_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('[lang="en"], script, style, .js-plotly-plot .modebar').forEach(e => e.remove());
  const names = [...body.querySelectorAll('[aria-label], [title], [placeholder], [alt]')].map(e =>
    [e.getAttribute('aria-label'), e.getAttribute('title'), e.getAttribute('placeholder'), e.getAttribute('alt')]
      .filter(Boolean).join(' '));
  const charts = [...document.querySelectorAll('.chart-figure .main-svg text')].map(t => t.textContent);
  return [body.innerText, ...names, ...charts].join('\\n');
}"""


def interface_strings(language):
    """Marked English strings of several words that this language's catalogue translates differently."""
    path = settings.LOCALE_PATHS[0] / to_locale(language) / "LC_MESSAGES" / "django.po"
    translated = {e.msgid: e.msgstr for e in polib.pofile(str(path))} if path.exists() else {}
    strings = set()
    for entry in build_template():
        text = entry.msgid
        if entry.msgid_plural or placeholders(text) != (set(), []) or "%" in text or text in ALLOWED:
            continue
        if len(text.split()) >= 2 and translated.get(text) != text:
            strings.add(text)
    return strings


def english_in(text, strings):
    flat = " ".join(text.split())
    return sorted(s for s in strings if re.search(r"(?<!\w)" + re.escape(s) + r"(?!\w)", flat))


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def sign_out(page):
    page.locator("form[action*='logout'] button").click()


def test_no_english_interface_string_on_the_main_pages_in_any_language(framework, live_server):
    demo.generate(60, seed=5, organisations=8)
    focal = make_user(Role.FOCAL_POINT, state="MAR", username="youssef")
    leaks = {}
    compact_names = set(GuidingPrinciple.objects.values_list("name", flat=True))
    with chromium_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}) as context:
        page = context.new_page()
        for language in LANGUAGES:
            strings = interface_strings(language)
            Profile.objects.filter(user=focal).update(language=language)
            sign_in(page, "youssef")
            prefix = f"/{language}"
            for path in ["/", "/objectives/13/", "/dashboards/", "/workspace/evidence/new/", "/review/"]:
                page.goto(prefix + path)
                page.wait_for_load_state("load")
                if page.locator(".chart-figure").count():
                    page.wait_for_function(
                        "[...document.querySelectorAll('.chart-figure')].every(d => d.querySelector('.main-svg'))",
                        timeout=20000,
                    )
                assert page.locator("html").get_attribute("lang") == language
                found = english_in(page.evaluate(PAGE_TEXT), strings)
                # A chart's text cannot carry lang="en": the principles' names there are the compact's
                # own text (no official translation loaded), not interface strings.
                if found := [s for s in found if s not in compact_names]:
                    leaks[f"{language} {path}"] = found
            sign_out(page)
    assert leaks == {}, "\n".join(f"{page}: {found}" for page, found in leaks.items())


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_evidence_workflow_in_french_and_arabic(framework, live_server, language):
    contributor = make_user(Role.CONTRIBUTOR, state="MAR", username="amina")
    focal = make_user(Role.FOCAL_POINT, state="MAR", username="youssef")
    Profile.objects.filter(user__in=[contributor, focal]).update(language=language)
    with translation.override(language):
        words = {
            s: gettext(s)
            for s in [
                "Save as draft",
                "Submit for review",
                "The record was submitted for review.",
                "Validate and publish",
                "The record was validated and is now published.",
            ]
        }
    assert all(words[s] != s for s in words), f"the {language} catalogue lacks the workflow's strings"
    with chromium_context(base_url=live_server.url) as context:
        page = context.new_page()
        sign_in(page, "amina")
        expect(page).to_have_url(re.compile(f"/{language}/workspace/$"))  # the remembered language
        page.goto(f"/{language}/workspace/evidence/new/?action=13a")
        page.locator("#id_title").fill("Alternatives à la détention")
        page.locator("#id_description").fill("Gestion des cas au lieu de la détention.")
        page.locator("#id_status").select_option("under_way")
        page.locator("#id_level").select_option("national")
        page.get_by_role("button", name=words["Save as draft"]).click()
        page.get_by_role("button", name=words["Submit for review"]).click()
        expect(page.get_by_text(words["The record was submitted for review."])).to_be_visible()
        sign_out(page)

        sign_in(page, "youssef")
        page.goto(f"/{language}/review/")
        page.get_by_role("link", name="Alternatives à la détention").click()
        page.get_by_role("button", name=words["Validate and publish"]).click()
        expect(page.get_by_text(words["The record was validated and is now published."])).to_be_visible()

    assert Evidence.objects.get(is_published=True).title == "Alternatives à la détention"
    submitted, validated = mail.outbox[0], mail.outbox[-1]
    assert submitted.to == ["youssef@example.org"] and validated.to == ["amina@example.org"]
    with translation.override(language):
        opener = gettext("Open the record:")
    assert opener != "Open the record:"
    for message in (submitted, validated):
        assert opener in message.body and f"/{language}/evidence/" in message.body
