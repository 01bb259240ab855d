"""Writes outside the services that change what readers see bump the data version.

The evidence workflow bumps it itself (`services._record`), in the transaction of the write. The
framework, the Member States and the organisations are also edited in the admin and by
`load_framework`; any save or delete of these rows changes names, filters and profiles on
public pages, so their signals bump the public version, and the labels the export lines were
written with (except a new State or organisation, which renames nothing). A profile (who may see what) changes
only what its own user sees: the private version.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

from . import dataversion
from .models import (
    Action,
    GuidingPrinciple,
    Instrument,
    MemberState,
    Objective,
    Organisation,
    Paragraph,
    Profile,
    StakeholderType,
    TargetGroup,
)

PUBLIC = (Instrument, GuidingPrinciple, Objective, Action, Paragraph, MemberState, StakeholderType, TargetGroup)
PUBLIC += (Organisation,)


# A new State or organisation renames no published record; a new action, principle or reference
# entry may reorder the lists records are exported with.
_NEW_RENAMES_NOTHING = (MemberState, Organisation)


def _public_change(sender, raw=False, created=False, **kwargs):
    if not raw:  # fixtures loaded by loaddata bump once at the end (load_framework does)
        dataversion.bump(public=True, labels=not (created and sender in _NEW_RENAMES_NOTHING))


def _private_change(sender, raw=False, **kwargs):
    if not raw:
        dataversion.bump(public=False)


def connect():
    for model in PUBLIC:
        post_save.connect(_public_change, sender=model, dispatch_uid=f"dv-save-{model.__name__}")
        post_delete.connect(_public_change, sender=model, dispatch_uid=f"dv-delete-{model.__name__}")
    post_save.connect(_private_change, sender=Profile, dispatch_uid="dv-save-Profile")
    post_delete.connect(_private_change, sender=Profile, dispatch_uid="dv-delete-Profile")


# The published evidence changed (a record validated or withdrawn); sent after the commit.
# Arguments: evidence_id, kind (an EvidenceEvent.Kind). reporting keeps the open data current with it.
# (commitments imports no other app of the project: reporting listens.)
published_evidence_changed = Signal()
