"""Finalising runs as a task (reviews.finalise_review): the page checks and queues, the task writes
the version with progress; a second request, a failure, a missing broker and a dead worker each
leave the review in a state the focal point can read and act on."""

import hashlib
import os
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from monitor import queue
from reporting.reviews import render, schedule, services, tasks
from reporting.reviews.models import ReviewFile, ReviewVersion, VoluntaryReview

Finalising = VoluntaryReview.Finalising


def sha256(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def finalise_page(client, user, review):
    client.force_login(user)
    return client.post(reverse("reviews:finalise", args=[review.pk]), follow=True)


def files_on_disk(reports_root, review):
    folder = reports_root / "reviews" / str(review.pk)
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


def test_the_page_queues_the_task_which_writes_the_same_version_and_checksums(review, world, client, tmp_path):
    response = finalise_page(client, world["focal"], review)
    assert response.redirect_chain == [(review.get_absolute_url(), 302)]
    body = response.content.decode()
    assert "Version 1 finalised: its Word and PDF files are ready." in body
    review.refresh_from_db()
    assert (review.finalising, review.finalising_progress, review.finalising_error) == (Finalising.DONE, 100, "")
    assert review.finalising_by == world["focal"] and review.finalising_task_id  # the task that wrote it
    version = ReviewVersion.objects.get(review=review)
    assert (version.number, version.finalised_by, version.language) == (1, world["focal"], "en")
    assert version.content == {
        **services.snapshot(review),
        "version": 1,
        "finalised_on": timezone.localdate().isoformat(),
    }
    files = {f.format: f for f in version.files.all()}
    assert set(files) == {"docx", "pdf"}
    for review_file in files.values():
        path = services.file_path(review_file)
        assert review_file.path.startswith(f"reviews/{review.pk}/v1-")
        assert review_file.sha256 == sha256(path) and review_file.size == os.path.getsize(path)
        assert reverse("reviews:download", args=[version.pk, review_file.format]) in body
    # The files are those the renderers write for this content (the PDF byte for byte; the DOCX's
    # zip carries its own timestamps, so its document is compared).
    render.write_pdf(version.content, str(tmp_path / "again.pdf"))
    assert sha256(tmp_path / "again.pdf") == files["pdf"].sha256
    render.write_docx(version.content, str(tmp_path / "again.docx"))
    with zipfile.ZipFile(services.file_path(files["docx"])) as task_zip, zipfile.ZipFile(tmp_path / "again.docx") as z:
        assert task_zip.read("word/document.xml") == z.read("word/document.xml")
    status = client.get(reverse("reviews:finalising_status", args=[review.pk])).json()
    assert status == {
        "status": "complete",
        "status_label": "Version finalised",
        "progress": 100,
        "error": "",
        "finished": True,
    }


def test_progress_is_reported_at_each_step(review, world, monkeypatch):
    seen = []
    original = render.write_pdf

    def write_pdf(content, path):
        seen.append(VoluntaryReview.objects.values_list("finalising", "finalising_progress").get(pk=review.pk))
        original(content, path)

    monkeypatch.setattr(render, "write_pdf", write_pdf)
    services.request_finalising(world["focal"], review)
    assert seen == [(Finalising.RUNNING, 50)]  # the snapshot (10%) and the DOCX (50%) are behind it


@pytest.mark.parametrize("state", [Finalising.QUEUED, Finalising.RUNNING])
def test_a_second_finalise_while_one_is_under_way_is_refused(review, world, client, state):
    VoluntaryReview.objects.filter(pk=review.pk).update(
        finalising=state,
        finalising_progress=40,
        finalising_task_id="the-first",
        finalising_progress_at=timezone.now() - timedelta(minutes=2),
    )
    with pytest.raises(services.FinalisingUnderWay):
        services.request_finalising(world["focal"], review)
    response = finalise_page(client, world["focal"], review)
    body = response.content.decode()
    assert "A version of this review is already being finalised." in body
    assert f"{Finalising(state).label} (40%)" in body
    assert 'id="report-progress-bar"' in body and "report-progress.js" in body
    assert "Finalise a new version (Word and PDF)" not in body  # no button while it runs
    review.refresh_from_db()
    assert (review.finalising, review.finalising_task_id) == (state, "the-first")  # the first one goes on
    assert not ReviewVersion.objects.exists()
    status = client.get(reverse("reviews:finalising_status", args=[review.pk])).json()
    assert (status["status"], status["progress"], status["finished"]) == (state, 40, False)


def test_a_pdf_failure_leaves_no_version_nor_files_says_why_and_a_retry_works(
    review, world, client, monkeypatch, reports_root
):
    def broken(content, path):
        raise RuntimeError("no fonts for this script")

    monkeypatch.setattr(render, "write_pdf", broken)
    body = finalise_page(client, world["focal"], review).content.decode()
    review.refresh_from_db()
    assert review.finalising == Finalising.FAILED
    assert review.finalising_error == "The new version could not be written: RuntimeError: no fonts for this script"
    assert not ReviewVersion.objects.exists() and not ReviewFile.objects.exists()
    assert files_on_disk(reports_root, review) == []
    assert "RuntimeError: no fonts for this script" in body and "Finalising failed" in body
    assert "No version was recorded and the files of the attempt were removed. Try again" in body
    assert "Try again: finalise a new version (Word and PDF)" in body
    status = client.get(reverse("reviews:finalising_status", args=[review.pk])).json()
    assert status["status"] == "failed" and status["finished"] and "no fonts" in status["error"]

    monkeypatch.undo()
    body = finalise_page(client, world["focal"], review).content.decode()
    assert "Version 1 finalised" in body and "no fonts" not in body
    review.refresh_from_db()
    assert (review.finalising, review.finalising_error) == (Finalising.DONE, "")
    assert ReviewVersion.objects.get().number == 1 and ReviewFile.objects.count() == 2
    assert len(files_on_disk(reports_root, review)) == 3  # the version's folder and its two files


def test_broker_down_the_request_says_so_and_nothing_is_claimed(review, world, client, settings, monkeypatch):
    settings.TASKS_INLINE = False
    monkeypatch.setattr(queue, "broker_available", lambda timeout=0.5: False)
    body = finalise_page(client, world["focal"], review).content.decode()
    assert "The task queue is not available right now, so the new version was not started." in body
    review.refresh_from_db()
    assert review.finalising == Finalising.IDLE and review.finalising_by is None
    assert review.finalising_progress_at is None and review.finalising_started_at is None
    assert not ReviewVersion.objects.exists()
    assert schedule.stale_finalisations() == []  # nothing left for the schedule to pick up either
    assert "Finalise a new version (Word and PDF)" in body


def test_a_refused_finalisation_claims_nothing(review, world):
    with pytest.raises(PermissionDenied):
        services.request_finalising(world["contributor"], review)
    services.contribute(world["stakeholder"], review.sections.first(), "A view.")
    with pytest.raises(services.ReviewError, match="stakeholder contributions awaiting you"):
        services.request_finalising(world["focal"], review)
    review.refresh_from_db()
    assert review.finalising == Finalising.IDLE and review.finalising_by is None


def test_a_stale_finalisation_is_queued_again_by_the_schedule(review, world):
    now = timezone.now()
    VoluntaryReview.objects.filter(pk=review.pk).update(
        finalising=Finalising.RUNNING,
        finalising_progress=50,
        finalising_task_id="died-with-its-worker",
        finalising_by=world["focal"],
        finalising_progress_at=now - timedelta(minutes=11),
    )
    assert schedule.stale_finalisations(now - timedelta(minutes=2)) == []  # nine minutes without progress: alive
    assert schedule.stale_finalisations() == [review.pk]
    assert tasks.requeue_finalising.apply().get() == [review.pk]  # runs inline in the test settings
    review.refresh_from_db()
    assert (review.finalising, review.finalising_progress) == (Finalising.DONE, 100)
    version = ReviewVersion.objects.get(review=review)
    assert version.finalised_by == world["focal"] and version.files.count() == 2
    assert services.run_finalising(review.pk, "died-with-its-worker") == "not-claimed"  # the dead run wakes up
    assert schedule.stale_finalisations() == [] and tasks.requeue_finalising.apply().get() == []
