"""Celery tasks of the reviews: thin, id-based, safe to run twice."""

from celery import shared_task

from monitor.queue import BrokerUnavailable, enqueue

from . import schedule, services


@shared_task(bind=True, name="reviews.draft_review", acks_late=True, reject_on_worker_lost=True, max_retries=4)
def draft_review(self, review_id):
    """Draft a review from the data; the claim (queued -> running) makes a second run a no-op."""
    return services.run_drafting(review_id, self.request.id or f"inline-{review_id}")


def queue_drafting(review_id):
    """Queue the drafting; False if the broker is down (the schedule picks queued drafts up again)."""
    try:
        enqueue(draft_review, review_id)
    except BrokerUnavailable:
        return False
    return True


@shared_task(bind=True, name="reviews.finalise_review", acks_late=True, reject_on_worker_lost=True, max_retries=4)
def finalise_review(self, review_id):
    """Write the next version of a review marked as finalising; the claim (queued -> running) makes
    a second run a no-op."""
    return services.run_finalising(review_id, self.request.id or f"inline-{review_id}")


def queue_finalising(review_id):
    """Queue a finalisation; False if the broker is down (the request then says so and puts the
    review back as it was)."""
    try:
        enqueue(finalise_review, review_id)
    except BrokerUnavailable:
        return False
    return True


@shared_task(name="reviews.requeue_finalising", ignore_result=True)
def requeue_finalising():
    """Every few minutes: queue again the finalisations the broker lost or whose worker died (queued
    or running with no progress for 10 minutes). Each is taken once; the claim makes a duplicate a no-op."""
    queued = []
    for review_id in schedule.stale_finalisations():
        if schedule.take_stale_finalisation(review_id) and queue_finalising(review_id):
            queued.append(review_id)
    return queued


@shared_task(name="reviews.prepare_due_reviews", ignore_result=True, autoretry_for=(OSError,), retry_backoff=True)
def prepare_due_reviews():
    """Daily: as a regional review or a Forum approaches, prepare each focal point's draft and remind them."""
    created = schedule.prepare_due_reviews()
    for review_id in sorted(set(created) | set(schedule.stale_drafts())):
        queue_drafting(review_id)
    requeue_finalising()
    schedule.remind_focal_points()
    return created
