"""A version is written from one view of the data: a contribution sent while it is being written
waits for the next version instead of entering this one undecided (reporting.reports.snapshot)."""

import threading

import pytest
from django.db import connections

from reporting.reviews import services
from reporting.reviews.models import Contribution, SectionKind

# Real transactions: the contribution is committed by another connection during the write.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_contribution_sent_while_a_version_is_written_waits_for_the_next(review, world, monkeypatch):
    section = review.sections.get(kind=SectionKind.POLICY)
    real_section_content, sent = services._section_content, []

    def send():
        try:
            sent.append(services.contribute(world["stakeholder"], section, "A view sent during the writing."))
        finally:
            connections.close_all()

    def section_content(one):  # the sections are read, the contributions not yet
        if not sent:
            thread = threading.Thread(target=send)
            thread.start()
            thread.join(30)
        return real_section_content(one)

    monkeypatch.setattr(services, "_section_content", section_content)
    version = services.finalise(world["focal"], review)
    assert sent and Contribution.objects.get(pk=sent[0].pk).decision == Contribution.Decision.PENDING
    # Not in this version, undecided: the focal point decides on it before the next one.
    assert version.content["stakeholder_views"] == []
    with pytest.raises(services.ReviewError):
        services.finalise(world["focal"], review)
