"""Reads about evidence that more than one surface needs (API, exports, open data)."""

from django.db.models import Exists, Max, OuterRef

from .models import Evidence, EvidenceEvent


def withdrawn_records(since=None):
    """[{record, withdrawn_at}] of records once published and published no more, oldest first:
    what a harvester removes from its copy. Withdrawing a draft while the published revision
    stays is not one of them; nor is a record that never was public."""
    events = EvidenceEvent.objects.filter(kind=EvidenceEvent.Kind.WITHDRAWN)
    if since is not None:
        events = events.filter(at__gte=since)
    published_now = Evidence.objects.filter(record=OuterRef("record"), is_published=True)
    ever_published = EvidenceEvent.objects.filter(record=OuterRef("record"), kind=EvidenceEvent.Kind.VALIDATED)
    return (
        events.filter(Exists(ever_published))
        .exclude(Exists(published_now))
        .values("record")
        .annotate(withdrawn_at=Max("at"))
        .order_by("withdrawn_at", "record")
    )
