"""Signals other apps listen to (commitments imports no other app of the project)."""

from django.dispatch import Signal

# The published evidence changed (a record validated or withdrawn); sent after the commit.
# Arguments: evidence_id, kind (an EvidenceEvent.Kind). reporting keeps the open data current with it.
published_evidence_changed = Signal()
