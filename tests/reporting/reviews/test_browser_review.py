"""The whole review in a real Chromium: the focal point creates the draft and edits a section, a
stakeholder based in the State contributes, the focal point accepts it, finalises, and downloads
the Word and PDF files."""

import pytest
from docx import Document
from playwright.sync_api import expect

from tests.browser import chromium_context, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_focal_point_and_stakeholder_finish_a_review(live_server, world, tmp_path):
    with chromium_context(base_url=live_server.url, accept_downloads=True) as context:
        page = context.new_page()
        errors = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))

        sign_in(page, "mar-focal")
        page.goto("/reviews/")
        page.get_by_role("link", name="Start your State's review").click()
        page.get_by_label("For").select_option(label="Regional reviews 2028")
        page.get_by_label("Language of the review").select_option("en")
        page.get_by_role("button", name="Create the draft").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Voluntary GCM review 2026, for Regional reviews 2028"
        )
        expect(page.locator("#section-" + str(objective_13_section(world)))).to_contain_text(
            "Alternatives to detention for families"
        )

        page.get_by_role("link", name="Edit Policy and enabling environment").click()
        page.get_by_label("Text (Markdown)").fill("## The 2027 migration law\n\nAdopted with **all** ministries.")
        page.get_by_role("button", name="Save the section").click()
        expect(page.get_by_text("Section saved (version 2).")).to_be_visible()
        section_url = page.url

        page.get_by_role("button", name="Sign out").click()
        sign_in(page, "rabat-editor")
        page.goto(section_url)
        page.get_by_label("Your contribution (Markdown)").fill("Cities and migrant associations were consulted.")
        page.get_by_role("button", name="Send the contribution").click()
        expect(page.get_by_text("your contribution was sent to the focal point")).to_be_visible()

        page.get_by_role("button", name="Sign out").click()
        sign_in(page, "mar-focal")
        page.goto(section_url)
        page.get_by_role("button", name="Accept into the text").click()
        expect(page.locator(".narrative").first).to_contain_text("Cities and migrant associations were consulted.")
        expect(page.get_by_role("heading", name="Rabat Migrant Forum – Accepted into the text")).to_be_visible()

        page.get_by_role("link", name="Voluntary GCM review 2026, for Regional reviews 2028").click()
        page.get_by_role("button", name="Finalise a new version (Word and PDF)").click()
        expect(page.get_by_text("Version 1 finalised")).to_be_visible()
        screenshot(page, "review-finalised")

        with page.expect_download() as docx_download:
            page.get_by_role("link", name="Word document (DOCX)").click()
        docx_path = tmp_path / docx_download.value.suggested_filename
        docx_download.value.save_as(docx_path)
        with page.expect_download() as pdf_download:
            page.get_by_role("link", name="PDF").click()
        pdf_path = tmp_path / pdf_download.value.suggested_filename
        pdf_download.value.save_as(pdf_path)
        assert errors == []

    assert docx_path.name == "gcm-review-mar-2026-en-v1.docx"
    text = "\n".join(p.text for p in Document(docx_path).paragraphs)
    assert "The 2027 migration law" in text and "Cities and migrant associations were consulted." in text
    assert pdf_path.read_bytes().startswith(b"%PDF-")


def objective_13_section(world):
    from reporting.reviews.models import Section

    return Section.objects.get(review__member_state=world["state"], objective__number=13).pk


def test_the_page_follows_a_finalisation_written_by_the_worker(live_server, world, review):
    """With a real worker the redirect lands on the progress; the page polls it and offers the new version."""
    from django.utils import timezone

    from reporting.reviews.models import VoluntaryReview

    running = VoluntaryReview.objects.filter(pk=review.pk)
    running.update(
        finalising=VoluntaryReview.Finalising.RUNNING, finalising_progress=50, finalising_progress_at=timezone.now()
    )
    with chromium_context(base_url=live_server.url) as context:
        page = context.new_page()
        errors = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        sign_in(page, "mar-focal")
        page.goto(review.get_absolute_url())
        expect(page.locator("#report-status-text")).to_have_text("Finalising (50%)")
        expect(page.get_by_role("button", name="Finalise a new version (Word and PDF)")).to_have_count(0)
        running.update(finalising=VoluntaryReview.Finalising.DONE, finalising_progress=100)
        expect(page.get_by_role("link", name="The new version is ready: show it")).to_be_visible(timeout=10_000)
        expect(page.locator("#report-status-text")).to_have_text("Version finalised")
        assert errors == []
