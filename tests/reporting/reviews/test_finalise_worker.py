"""A finalisation sent through a real redis to a real celery worker writes the version."""

import time

import pytest

from reporting.reviews import services
from reporting.reviews.models import VoluntaryReview

pytestmark = pytest.mark.services


@pytest.fixture(autouse=True)
def reports_root(monkeypatch, settings, tmp_path):
    """The worker (started after this) and the test agree on where files go."""
    root = tmp_path / "reports"
    monkeypatch.setenv("REPORTS_ROOT", str(root))
    settings.REPORTS_ROOT = root
    return root


def test_a_real_worker_finalises_the_review(review, world, celery_worker, settings):
    settings.TASKS_INLINE = False  # the review was drafted inline; the finalisation goes through redis
    queued = services.request_finalising(world["focal"], review)
    assert queued.finalising in (VoluntaryReview.Finalising.QUEUED, VoluntaryReview.Finalising.RUNNING)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        review.refresh_from_db()
        if review.finalising not in services.FINALISING_ACTIVE:
            break
        time.sleep(0.2)
    assert review.finalising == VoluntaryReview.Finalising.DONE, review.finalising_error
    assert review.finalising_progress == 100 and review.finalising_task_id
    version = review.versions.get()
    assert version.number == 1 and {f.format for f in version.files.all()} == {"docx", "pdf"}
    for review_file in version.files.all():
        assert review_file.sha256 == services.sha256_of_file(services.file_path(review_file))
