"""Rollups: counts of published evidence kept in step with every write, for the dashboards.

Two tables, kept together:

- `PublishedRollup` holds, per (State | organisation kind and country, objective of the primary
  action, cycle, status), the number of published records;
- `PrincipleRollup` holds, per (State | organisation kind and country, cycle, status, guiding
  principle), the number of published records applying the principle.

Each change of the published set moves the counts in the writer's transaction:

- a saved Evidence row (the services' transitions, factories, the admin): its old contribution
  out, its new one in (`pre_save`/`post_save` signals);
- the principles of a published row changed (the admin): out before, in after (`m2m_changed`);
- rows changed in bulk by the services (a superseded revision) call `remove()` before;
- an organisation whose kind or country changes moves its records' counts;
- bulk loads (demo data, the framework) call `rebuild()`.

`matches_base()` recounts from the evidence; tests assert it after random workflows.
"""

from django.db import transaction
from django.db.models import Count, F, Q, Sum

from .models import Evidence, Organisation, PrincipleRollup, PublishedRollup

ENTITY = ("member_state_id", "organisation__stakeholder_type_id", "organisation__country_id")


class Table:
    """One rollup table: its model, its key's fields and the evidence's fields that fill them."""

    def __init__(self, model, key_fields, evidence_fields, *, through_relation=False):
        self.model, self.key_fields, self.evidence_fields = model, key_fields, evidence_fields
        # The last field is a many-to-many relation: a record without any has one row with NULL
        # there (the LEFT JOIN), which counts for nothing.
        self.through_relation = through_relation

    def grouped(self, evidence):
        """{key tuple: n} of the published rows of an Evidence queryset, one grouped query."""
        rows = evidence.filter(is_published=True).order_by().values_list(*self.evidence_fields).annotate(n=Count("id"))
        return {tuple(row[:-1]): row[-1] for row in rows if not (self.through_relation and row[-2] is None)}

    def row(self, parts, n, model=None):
        return (model or self.model)(key=_key(parts), n=n, **dict(zip(self.key_fields, parts, strict=True)))

    def apply(self, counts, sign):
        for parts, n in counts.items():
            if not n:
                continue
            updated = self.model.objects.filter(key=_key(parts)).update(n=F("n") + sign * n)
            if not updated:
                self.row(parts, sign * n).save()

    def as_counts(self):
        """{key tuple: n} of the table, zero rows left out."""
        rows = self.model.objects.exclude(n=0).values_list(*self.key_fields, "n")
        return {tuple(row[:-1]): row[-1] for row in rows}

    def rebuild(self):
        self.model.objects.all().delete()
        counts = self.grouped(Evidence.objects.all())
        self.model.objects.bulk_create([self.row(parts, n) for parts, n in counts.items()], batch_size=2000)
        return len(counts)


def _key(parts):
    return "|".join("" if part is None else str(part) for part in parts)


CUBE = Table(
    PublishedRollup,
    ("member_state_id", "stakeholder_type_id", "country_id", "objective", "cycle", "status"),
    (*ENTITY, "primary_action__objective__number", "cycle", "status"),
)
PRINCIPLES = Table(
    PrincipleRollup,
    ("member_state_id", "stakeholder_type_id", "country_id", "cycle", "status", "principle_id"),
    (*ENTITY, "cycle", "status", "principles"),
    through_relation=True,
)
TABLES = (CUBE, PRINCIPLES)


def _row(parts, n, model=PublishedRollup):
    """A PublishedRollup row (also used by the migration that first counted them)."""
    return CUBE.row(parts, n, model)


def _move(evidence, sign):
    counts = CUBE.grouped(evidence)
    if not counts:
        return  # no published row (a draft saved): nothing in either table, one query
    CUBE.apply(counts, sign)
    PRINCIPLES.apply(PRINCIPLES.grouped(evidence), sign)


def add(evidence):
    """Count the published rows of `evidence` (a queryset), as they are now in the database."""
    _move(evidence, +1)


def remove(evidence):
    """Uncount the published rows of `evidence`, as they are now (call before changing them)."""
    _move(evidence, -1)


@transaction.atomic
def rebuild():
    """Recount everything from the evidence (bulk loads, `manage.py rebuild_rollups`): the rows written."""
    return sum(table.rebuild() for table in TABLES)


def as_counts():
    """{table's model name: {key tuple: n}} of the rollup tables, zero rows left out."""
    return {table.model.__name__: table.as_counts() for table in TABLES}


def matches_base():
    """(rollup counts, recount from the evidence): equal when the rollups are right."""
    return as_counts(), {table.model.__name__: table.grouped(Evidence.objects.all()) for table in TABLES}


# --- Reading ---------------------------------------------------------------------------------------

# The filters the rollups can answer; any other (words, objective or action, which also match
# linked actions, organisation, level, principle, dates ...) is read from the evidence itself.
ANSWERABLE = {"state", "region", "subregion", "entity_kind", "cycle", "status", "sort"}


def query_for(filterset):
    """A Q over either rollup table (their entity, cycle and status fields have the same names)
    equal to the filterset's filters on published evidence, or None when a filter in use is one
    the rollups cannot answer."""
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


def principle_counts(q):
    """{(letter, name): records applying the principle} from the rollups, as
    reporting.aggregates.principles_applied counts them from the evidence: one small query."""
    rows = (
        PrincipleRollup.objects.filter(q)
        .order_by()
        .values_list("principle__letter", "principle__name")
        .annotate(total=Sum("n"))
    )
    return {(letter, name): total for letter, name, total in rows if total}


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


def _principles_changing(sender, instance, action, reverse=False, pk_set=None, **kwargs):
    """The principles of published rows changed (the admin; the services set them on drafts)."""
    if action not in ("pre_add", "pre_remove", "pre_clear", "post_add", "post_remove", "post_clear"):
        return
    if not reverse and not instance.is_published:
        return  # a draft's principles (the services, an import): nothing counted, no query
    if reverse:  # a principle's records changed: instance is the principle, pk_set the records
        rows = (
            Evidence.objects.filter(principles=instance) if pk_set is None else Evidence.objects.filter(pk__in=pk_set)
        )
        if action.startswith("pre_"):
            # Kept on the instance until the post_ signal: after a clear the rows are no longer linked.
            instance._rollup_rows = list(rows.filter(is_published=True).values_list("pk", flat=True))
        rows = Evidence.objects.filter(pk__in=getattr(instance, "_rollup_rows", []))
    else:
        rows = Evidence.objects.filter(pk=instance.pk)
    if action.startswith("pre_"):
        PRINCIPLES.apply(PRINCIPLES.grouped(rows), -1)
    else:
        PRINCIPLES.apply(PRINCIPLES.grouped(rows), +1)


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
    from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save

    pre_save.connect(_before_evidence_save, sender=Evidence, dispatch_uid="rollup-evidence-pre")
    post_save.connect(_after_evidence_save, sender=Evidence, dispatch_uid="rollup-evidence-post")
    pre_delete.connect(_before_evidence_delete, sender=Evidence, dispatch_uid="rollup-evidence-delete")
    pre_save.connect(_before_organisation_save, sender=Organisation, dispatch_uid="rollup-org-pre")
    post_save.connect(_after_organisation_save, sender=Organisation, dispatch_uid="rollup-org-post")
    m2m_changed.connect(_principles_changing, sender=Evidence.principles.through, dispatch_uid="rollup-principles")
