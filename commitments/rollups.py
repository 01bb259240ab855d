"""Rollups: counts of published evidence kept in step with every write, for the dashboards.

`PublishedRollup` holds, per (State | organisation kind and country, objective of the primary
action, cycle, status), the number of published records. Each change of the published set
moves the counts in the writer's transaction:

- a saved Evidence row (the services' transitions, factories, the admin): its old contribution
  out, its new one in (`pre_save`/`post_save` signals);
- rows changed in bulk by the services (a superseded revision) call `remove()` before;
- an organisation whose kind or country changes moves its records' counts;
- bulk loads (demo data, the framework) call `rebuild()`.

`matches_base()` recounts from the evidence; tests assert it after random workflows.
"""

from django.db import transaction
from django.db.models import Count, F, Q, Sum

from .models import Evidence, Organisation, PublishedRollup

KEY_FIELDS = ("member_state_id", "stakeholder_type_id", "country_id", "objective", "cycle", "status")


def _grouped(evidence):
    """{key tuple: n} of the published rows of an Evidence queryset, one grouped query."""
    rows = (
        evidence.filter(is_published=True)
        .order_by()
        .values_list(
            "member_state_id",
            "organisation__stakeholder_type_id",
            "organisation__country_id",
            "primary_action__objective__number",
            "cycle",
            "status",
        )
        .annotate(n=Count("id"))
    )
    return {tuple(row[:6]): row[6] for row in rows}


def _key(parts):
    return "|".join("" if part is None else str(part) for part in parts)


def _row(parts, n, model=PublishedRollup):
    return model(key=_key(parts), n=n, **dict(zip(KEY_FIELDS, parts, strict=True)))


def _apply(counts, sign):
    for parts, n in counts.items():
        if not n:
            continue
        key = _key(parts)
        updated = PublishedRollup.objects.filter(key=key).update(n=F("n") + sign * n)
        if not updated:
            _row(parts, sign * n).save()


def add(evidence):
    """Count the published rows of `evidence` (a queryset), as they are now in the database."""
    _apply(_grouped(evidence), +1)


def remove(evidence):
    """Uncount the published rows of `evidence`, as they are now (call before changing them)."""
    _apply(_grouped(evidence), -1)


@transaction.atomic
def rebuild():
    """Recount everything from the evidence (bulk loads, `manage.py rebuild_rollups`)."""
    PublishedRollup.objects.all().delete()
    counts = _grouped(Evidence.objects.all())
    PublishedRollup.objects.bulk_create(
        [
            PublishedRollup(key=_key(parts), n=n, **dict(zip(KEY_FIELDS, parts, strict=True)))
            for parts, n in counts.items()
        ],
        batch_size=2000,
    )
    return len(counts)


def as_counts():
    """{key tuple: n} of the rollup table, zero rows left out."""
    rows = PublishedRollup.objects.exclude(n=0).values_list(*KEY_FIELDS, "n")
    return {tuple(row[:6]): row[6] for row in rows}


def matches_base():
    """(rollup counts, recount from the evidence): equal when the rollups are right."""
    return as_counts(), _grouped(Evidence.objects.all())


# --- Reading ---------------------------------------------------------------------------------------

# The filters the rollups can answer; any other (words, objective or action, which also match
# linked actions, organisation, level, principle, dates ...) is read from the evidence itself.
ANSWERABLE = {"state", "region", "subregion", "entity_kind", "cycle", "status", "sort"}


def query_for(filterset):
    """A Q over PublishedRollup equal to the filterset's filters on published evidence, or None
    when a filter in use is one the rollups cannot answer."""
    if not filterset.is_valid():
        return None
    data = {name: value for name, value in filterset.form.cleaned_data.items() if value not in (None, "", [])}
    if set(data) - ANSWERABLE:
        return None
    q = Q(n__gt=0)
    states = list(data.get("state") or [])
    if states:  # as the filter: no State chosen is no condition
        q &= Q(member_state__in=states)
    for name in ("region", "subregion"):
        if name in data:
            q &= Q(**{f"member_state__{name}": data[name]}) | Q(**{f"country__{name}": data[name]})
    if "entity_kind" in data:
        kind = data["entity_kind"]
        q &= Q(member_state__isnull=False) if kind == "state" else Q(stakeholder_type__slug=kind)
    if "cycle" in data:
        q &= Q(cycle=data["cycle"])
    if "status" in data:
        q &= Q(status__in=data["status"])
    return q


def cube(q):
    """Rows shaped as reporting.aggregates.dashboard_cube's, from the rollups: one small query."""
    rows = (
        PublishedRollup.objects.filter(q)
        .order_by()
        .values_list("objective", "member_state_id", "stakeholder_type_id", "country__region", "cycle", "status")
        .annotate(total=Sum("n"))
    )
    return [row for row in rows if row[6]]


# --- Signals: the rows written one by one -------------------------------------------------------


def _before_evidence_save(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    remove(Evidence.objects.filter(pk=instance.pk))


def _after_evidence_save(sender, instance, raw=False, **kwargs):
    if raw or not instance.is_published:
        return
    add(Evidence.objects.filter(pk=instance.pk))


def _before_evidence_delete(sender, instance, **kwargs):
    remove(Evidence.objects.filter(pk=instance.pk))


def _before_organisation_save(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    old = Organisation.objects.filter(pk=instance.pk).values_list("stakeholder_type_id", "country_id").first()
    instance._rollup_moves = old is not None and old != (instance.stakeholder_type_id, instance.country_id)
    if instance._rollup_moves:
        remove(Evidence.objects.filter(organisation_id=instance.pk))


def _after_organisation_save(sender, instance, raw=False, **kwargs):
    if getattr(instance, "_rollup_moves", False):
        add(Evidence.objects.filter(organisation_id=instance.pk))
        instance._rollup_moves = False


def connect():
    from django.db.models.signals import post_save, pre_delete, pre_save

    pre_save.connect(_before_evidence_save, sender=Evidence, dispatch_uid="rollup-evidence-pre")
    post_save.connect(_after_evidence_save, sender=Evidence, dispatch_uid="rollup-evidence-post")
    pre_delete.connect(_before_evidence_delete, sender=Evidence, dispatch_uid="rollup-evidence-delete")
    pre_save.connect(_before_organisation_save, sender=Organisation, dispatch_uid="rollup-org-pre")
    post_save.connect(_after_organisation_save, sender=Organisation, dispatch_uid="rollup-org-post")
