"""The review workflow in a real Chromium: record, submit, return, correct, validate, publish."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from commitments.models import Evidence, EvidenceEvent
from tests import browser
from tests.browser import chromium_context, screenshot
from tests.factories import Role, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def page(live_server):
    with chromium_context(base_url=live_server.url) as context:
        yield context.new_page()


def sign_in(page, username):
    browser.sign_in(page, username)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Workspace")


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def shot(page, name):
    screenshot(page, f"workflow-{name}")


def test_record_return_correct_validate_and_publish(page, framework):
    make_user(Role.CONTRIBUTOR, state="MAR", username="amina", first_name="Amina")
    make_user(Role.FOCAL_POINT, state="MAR", username="youssef", first_name="Youssef")

    # The contributor records evidence against 13(a), with a document, and submits it.
    sign_in(page, "amina")
    page.goto("/workspace/evidence/new/?action=13a")
    expect(page.get_by_label("Primary action")).to_have_value("13(a)")
    page.get_by_label("Title").fill("Alternatives to detention for families")
    page.get_by_label("Description").fill("Community-based case management replaces detention of families.")
    page.get_by_label("Implementation status").select_option("under_way")
    page.get_by_label("Level").select_option("national")
    page.get_by_label("Attach documents").set_input_files(
        files=[{"name": "case-management.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    shot(page, "1-form")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alternatives to detention for families")
    expect(page.get_by_role("link", name="case-management.pdf")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("The record was submitted for review.")).to_be_visible()
    sign_out(page)

    # The focal point finds it in the review queue and returns it with a comment.
    sign_in(page, "youssef")
    page.get_by_role("link", name="Review queue").click()
    page.get_by_role("link", name="Alternatives to detention for families").click()
    page.get_by_label("Return with a comment: what needs to change").fill("Add the number of children reached.")
    shot(page, "2-return")
    page.get_by_role("button", name="Return to the contributor").click()
    expect(page.get_by_text("The record was returned with your comment.")).to_be_visible()
    sign_out(page)

    # The contributor reads the comment, corrects the record and submits it again.
    sign_in(page, "amina")
    page.get_by_role("link", name="13. Use migration detention only as a measure of last resort").click()
    page.get_by_role("link", name="Alternatives to detention for families").click()
    expect(page.locator(".history")).to_contain_text("Add the number of children reached.")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Description").fill("Case management replaced detention for 120 families with 210 children.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Your changes were saved.")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    sign_out(page)

    # The focal point validates: the record is published.
    sign_in(page, "youssef")
    page.goto("/review/")
    page.get_by_role("link", name="Alternatives to detention for families").click()
    page.get_by_role("button", name="Validate and publish").click()
    expect(page.get_by_text("The record was validated and is now published.")).to_be_visible()
    shot(page, "3-validated")
    sign_out(page)

    # Anyone sees it on the action's page, with its document.
    page.goto("/actions/13a/")
    page.get_by_role("link", name="Alternatives to detention for families").click()
    expect(page.locator(".description")).to_contain_text("120 families with 210 children")
    expect(page.get_by_role("link", name="case-management.pdf")).to_be_visible()
    expect(page.get_by_role("button", name="Validate and publish")).to_have_count(0)
    shot(page, "4-public")

    ev = Evidence.objects.get(is_published=True)
    assert ev.primary_action.code == "13(a)" and ev.member_state.iso3 == "MAR" and ev.attachments.count() == 1
    kinds = list(EvidenceEvent.objects.filter(record=ev.record).values_list("kind", flat=True))
    assert kinds == ["created", "edited", "submitted", "returned", "edited", "submitted", "validated"]
    assert [m.to for m in mail.outbox][-1] == ["amina@example.org"]
