"""Compiled reports: requesting a version, choosing its evidence, its content as plain data,
and compiling its files once, even when a worker dies half-way.

A report uses the published evidence of its scope validated in its cycle before its data
cut-off. Only a national report may include the State's unpublished working revisions
(`include_unpublished`, for the State's own preparation); such a report is visible only to
that State's people and the secretariat.

Compilation claims the version with a conditional UPDATE (queued -> running, with the task
id), writes every file into a temporary directory, renames the directory into place in one
step, and only then marks the report complete: a report is never complete without its files,
and no file is published for a report that is not complete.
"""

import logging
import marshal
import os
import shutil
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from datetime import time as dtime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, DateTimeField, Exists, F, Func, Max, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments import permissions
from commitments.filters import filter_evidence
from commitments.models import Action, Evidence, MemberState, Objective, Role, StakeholderType

from . import aggregates
from .models import Report, ReportFile, ReportKind

log = logging.getLogger(__name__)
S = Evidence.ReviewState
TRANSIENT_ERRORS = (OperationalError, OSError)
WORKING_STATES = (S.DRAFT, S.SUBMITTED, S.RETURNED)


# --- Who may see and compile -------------------------------------------------------------------


def visible_reports(user, queryset=None):
    """Reports compiled from published evidence: everyone. With unpublished records: the State's people
    and the secretariat."""
    queryset = Report.objects.all() if queryset is None else queryset
    if permissions.is_secretariat(user):
        return queryset
    profile = permissions.profile_of(user)
    own_state = Q(member_state_id=profile.member_state_id) if profile and profile.member_state_id else Q(pk__in=[])
    return queryset.filter(Q(include_unpublished=False) | own_state)


def can_view_report(user, report):
    return visible_reports(user, Report.objects.filter(pk=report.pk)).exists()


def compile_allowed(user, kind, member_state=None, include_unpublished=False):
    """Secretariat: any report. Focal point: their own State's national report. Analyst: published-only."""
    if permissions.is_secretariat(user):
        return True
    profile = permissions.profile_of(user)
    if profile is None:
        return False
    if profile.role == Role.FOCAL_POINT:
        return kind == ReportKind.NATIONAL and member_state is not None and member_state.pk == profile.member_state_id
    return profile.role == Role.ANALYST and not include_unpublished


# --- Requesting a version ----------------------------------------------------------------------


def scope_key(kind, member_state=None, region="", objective=None, stakeholder_type=None):
    if kind == ReportKind.NATIONAL:
        return member_state.iso3
    if kind == ReportKind.REGIONAL:
        return region
    if kind == ReportKind.OBJECTIVE:
        return f"objective-{objective.number}"
    if kind == ReportKind.STAKEHOLDER:
        return stakeholder_type.slug if stakeholder_type else "stakeholders"
    return "global"


def _check_scope(kind, member_state, region, objective, include_unpublished):
    errors = {}
    if kind not in ReportKind.values:
        errors["kind"] = [_("Choose a kind of report.")]
    if kind == ReportKind.NATIONAL and member_state is None:
        errors["member_state"] = [_("A national report needs a Member State.")]
    if kind == ReportKind.REGIONAL and not MemberState.objects.filter(region=region).exists():
        errors["region"] = [_("A regional report needs one of the M49 regions.")]
    if kind == ReportKind.OBJECTIVE and objective is None:
        errors["objective"] = [_("An objective report needs an objective.")]
    if include_unpublished and kind != ReportKind.NATIONAL:
        errors["include_unpublished"] = [_("Only a national report can include unpublished records.")]
    if errors:
        raise ValidationError(errors)


def request_report(
    *,
    kind,
    cycle,
    user=None,
    member_state=None,
    region="",
    objective=None,
    stakeholder_type=None,
    include_unpublished=False,
    data_cutoff=None,
    milestone=None,
):
    """A new queued version of a report. Raises PermissionDenied, ValidationError, or IntegrityError
    when the milestone's report was already claimed."""
    _check_scope(kind, member_state, region, objective, include_unpublished)
    if user is not None and not compile_allowed(user, kind, member_state, include_unpublished):
        raise PermissionDenied(_("You are not allowed to compile this report."))
    key = scope_key(kind, member_state, region, objective, stakeholder_type)
    cutoff = data_cutoff or timezone.now()
    fields = {
        "kind": kind,
        "scope_key": key,
        "cycle": cycle,
        "member_state": member_state if kind == ReportKind.NATIONAL else None,
        "region": region if kind == ReportKind.REGIONAL else "",
        "objective": objective if kind == ReportKind.OBJECTIVE else None,
        "stakeholder_type": stakeholder_type if kind == ReportKind.STAKEHOLDER else None,
        "include_unpublished": include_unpublished,
        "data_cutoff": cutoff,
        "milestone": milestone,
        "requested_by": user,
        "scheduled": user is None,
        "parameters": {"include_unpublished": include_unpublished, "data_cutoff": cutoff.isoformat()},
    }
    for _attempt in range(5):
        last = Report.objects.filter(kind=kind, scope_key=key, cycle=cycle).aggregate(v=Max("version"))["v"]
        try:
            with transaction.atomic():
                return Report.objects.create(version=(last or 0) + 1, **fields)
        except IntegrityError:
            if (
                milestone is not None
                and Report.objects.filter(kind=kind, scope_key=key, cycle=cycle, milestone=milestone).exists()
            ):
                raise
    raise IntegrityError("could not number the report version")


def cutoff_of(day):
    """A milestone's cut-off day as the instant it begins (UTC): evidence validated before it."""
    return datetime.combine(day, dtime.min, tzinfo=UTC)


# --- The evidence of a report ------------------------------------------------------------------


def _scope_params(report):
    if report.kind == ReportKind.NATIONAL:
        return {"state": [report.member_state.iso3]}
    if report.kind == ReportKind.REGIONAL:
        return {"region": report.region}
    if report.kind == ReportKind.OBJECTIVE:
        return {"objective": [str(report.objective.number)]}
    if report.kind == ReportKind.STAKEHOLDER:
        return {"entity_kind": report.stakeholder_type.slug} if report.stakeholder_type_id else {}
    return {}


class NotIndexed(Func):
    """A column SQLite's planner may not drive an index from (its documented unary `+`); the
    plain column elsewhere.

    A report's cut-off is usually "now": `validated_at < cut-off` matches nearly every row, yet
    SQLite, without statistics, took it as selective and walked the `validated_at` index,
    fetching each row at random (the global report's figures at 1M records: 13.0 s; with the
    term kept off the index, 6.3 s)."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra)


def _published(report, cycle):
    """Published evidence of the report's scope, validated in `cycle` before the cut-off."""
    _filterset, queryset = filter_evidence(_scope_params(report), None)
    queryset = queryset.alias(validated=NotIndexed("validated_at", output_field=DateTimeField())).filter(
        cycle=cycle, validated__lt=report.data_cutoff
    )
    if report.kind == ReportKind.STAKEHOLDER:
        queryset = queryset.filter(organisation__isnull=False)
    return queryset.order_by()


def report_evidence(report):
    """The records the report uses (its data annex)."""
    published = _published(report, report.cycle)
    if not report.include_unpublished:
        return published
    # The State's working revisions replace their published predecessors in its own preparation.
    working = Evidence.objects.filter(member_state_id=report.member_state_id, review_state__in=WORKING_STATES)
    newer = working.filter(record=OuterRef("record"))
    return Evidence.objects.filter(
        Q(pk__in=published.exclude(Exists(newer)).values("pk")) | Q(pk__in=working.values("pk"))
    ).order_by()


def previous_evidence(report):
    return _published(report, report.cycle - 1) if report.cycle > 1 else Evidence.objects.none()


# --- Content as plain data ---------------------------------------------------------------------

# The HTML and PDF show the data annex and the good practices only up to these many rows (the
# first by the annex's order); the XLSX and the CSV/JSON files always have every row. WeasyPrint
# on a table of hundreds of thousands of rows would take hours and gigabytes.
ANNEX_PREVIEW_ROWS = 200
GOOD_PRACTICES_PREVIEW_ROWS = 200
FULL_ANNEX_NOTE = gettext_lazy("The full data annex of %(n)s records is in the XLSX and CSV/JSON files of this report.")
FULL_GOOD_PRACTICES_NOTE = gettext_lazy(
    "The full list of %(n)s good practices is in the XLSX and CSV/JSON files of this report."
)
# Rows read from the database per round trip while streaming the annex; the many-to-many
# labels of a chunk come in one query per relation (`evidence_id IN (chunk)`), never per row
# and never one list of every id (SQLite allows 32,766 variables per statement at most).
ANNEX_CHUNK_ROWS = 2000

ANNEX_COLUMNS = [
    "record",
    "revision",
    "reporting_entity",
    "member_state",
    "stakeholder_type",
    "title",
    "description",
    "objective",
    "primary_action",
    "other_actions",
    "status",
    "level",
    "start_date",
    "end_date",
    "principles",
    "partners",
    "groups_reached",
    "challenges",
    "good_practice",
    "review_state",
    "validated_on",
    "cycle",
]
GOOD_PRACTICE_COLUMNS = ["record", "reporting_entity", "title", "primary_action", "status"]
_GOOD_PRACTICE_INDEX = [ANNEX_COLUMNS.index(c) for c in GOOD_PRACTICE_COLUMNS]
_GOOD_PRACTICE_FLAG = ANNEX_COLUMNS.index("good_practice")

# Read from the database for each annex row; the many-to-many labels are added per chunk.
_ANNEX_FIELDS = [
    "pk",
    "record",
    "revision",
    "entity_name",
    "member_state__iso3",
    "organisation__stakeholder_type__name",
    "title",
    "description",
    "primary_action__objective__number",
    "primary_action__code",
    "status",
    "level",
    "start_date",
    "end_date",
    "challenges",
    "good_practice",
    "review_state",
    "validated_at",
    "cycle",
]
# (ManyToMany field, label of a related row given (pk, *values)): joined by "; ", sorted.
_M2M = {
    "other_actions": ("code",),
    "principles": ("letter", "name"),
    "partners": ("name",),
    "groups_reached": ("name",),
}


def _coverage(covered, action_objective):
    objectives = {action_objective[code] for code in covered if code in action_objective}
    return covered, objectives


def annex_queryset(queryset):
    """The annex's rows as value tuples in their stable order: objective, action, entity, record."""
    return (
        queryset.annotate(entity_name=Coalesce(F("member_state__name"), F("organisation__name")))
        .order_by("primary_action__objective__number", "primary_action__letter", "entity_name", "record", "pk")
        .values_list(*_ANNEX_FIELDS)
    )


def _m2m_labels():
    """{field: {related pk: label}}: the small reference tables, read once per stream."""
    labels = {}
    for name, columns in _M2M.items():
        model = Evidence._meta.get_field(name).related_model
        if name == "principles":
            rows = model.objects.values_list("pk", *columns)
            labels[name] = {pk: f"({letter}) {title}" for pk, letter, title in rows}
        else:
            labels[name] = dict(model.objects.values_list("pk", *columns))
    return labels


def _m2m_tables():
    """[(field name, through table, evidence column, target column)] of the annex's relations."""
    result = []
    for name in _M2M:
        field = Evidence._meta.get_field(name)
        through = field.remote_field.through._meta
        result.append(
            (
                name,
                through.db_table,
                through.get_field(field.m2m_field_name()).column,
                through.get_field(field.m2m_reverse_field_name()).column,
            )
        )
    return result


def _m2m_of(ids, labels, m2m_tables):
    """{field: {evidence id: "label; label"}} for one chunk of evidence ids: one plain
    `evidence_id IN (chunk)` query per relation, `= ANY(array)` on PostgreSQL (the ORM's
    per-value preparation of a 2,000-item IN list cost more than the query itself)."""
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":  # one array parameter: about a quarter faster than 2,000 placeholders
        condition, params = "= ANY(%s)", [list(ids)]
    else:
        condition, params = f"IN ({', '.join(['%s'] * len(ids))})", ids
    result = {}
    with connection.cursor() as cursor:
        for name, table, source, target in m2m_tables:
            cursor.execute(
                f"SELECT {quote(source)}, {quote(target)} FROM {quote(table)} "  # noqa: S608 - names from _meta
                f"WHERE {quote(source)} {condition}",
                params,
            )
            found, names = {}, labels[name]
            for evidence_id, target_id in cursor.fetchall():
                found.setdefault(evidence_id, []).append(names[target_id])
            result[name] = {k: "; ".join(sorted(v)) for k, v in found.items()}
    return result


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def annex_rows(queryset, limit=None):
    """Every annex row of `queryset` as a tuple in ANNEX_COLUMNS order, streamed from the database.

    Memory stays bounded by one chunk; queries are one for the rows (read in chunks), four small
    reference tables, and four per chunk of ANNEX_CHUNK_ROWS rows, whatever the number of rows."""
    rows = annex_queryset(queryset)
    if limit is not None:
        rows = rows[:limit]
    labels, m2m_tables = _m2m_labels(), _m2m_tables()
    status = {k: str(v) for k, v in Evidence.Status.choices}
    level = {k: str(v) for k, v in Evidence.Level.choices}
    review = {k: str(v) for k, v in Evidence.ReviewState.choices}
    for chunk in _chunks(rows.iterator(chunk_size=ANNEX_CHUNK_ROWS), ANNEX_CHUNK_ROWS):
        m2m = _m2m_of([row[0] for row in chunk], labels, m2m_tables)
        other, principles, partners, groups = (m2m[name] for name in _M2M)
        for (
            pk,
            record,
            revision,
            entity,
            iso3,
            stakeholder_type,
            title,
            description,
            objective,
            code,
            status_value,
            level_value,
            start,
            end,
            challenges,
            good_practice,
            review_state,
            validated_at,
            cycle,
        ) in chunk:
            yield (
                str(record),
                revision,
                entity,
                iso3 or "",
                stakeholder_type or "",
                title,
                description,
                objective,
                code,
                other.get(pk, ""),
                status.get(status_value, status_value),
                level.get(level_value, level_value),
                start.isoformat() if start else "",
                end.isoformat() if end else "",
                principles.get(pk, ""),
                partners.get(pk, ""),
                groups.get(pk, ""),
                challenges,
                good_practice,
                review.get(review_state, review_state),
                validated_at.date().isoformat() if validated_at else "",
                cycle or "",
            )


def good_practice_row(row):
    """The good-practice columns of an annex row, or None if the record is not offered as one."""
    return [row[i] for i in _GOOD_PRACTICE_INDEX] if row[_GOOD_PRACTICE_FLAG] else None


class AnnexSpool:
    """The report's annex read from the database ONCE, into a temporary file that every format
    then reads (marshal, a chunk of rows per record); the bounded previews and the count of good
    practices are taken on the way. Memory stays bounded by one chunk."""

    def __init__(self, queryset, directory):
        self.path = os.path.join(directory, "annex.spool")
        self.annex_preview, self.good_practices_preview, self.good_practices_total = [], [], 0
        with open(self.path, "wb") as handle:
            for chunk in _chunks(annex_rows(queryset), ANNEX_CHUNK_ROWS):
                marshal.dump(chunk, handle)
                for row in chunk:
                    if len(self.annex_preview) < ANNEX_PREVIEW_ROWS:
                        self.annex_preview.append(dict(zip(ANNEX_COLUMNS, row, strict=True)))
                    practice = good_practice_row(row)
                    if practice is not None:
                        self.good_practices_total += 1
                        if len(self.good_practices_preview) < GOOD_PRACTICES_PREVIEW_ROWS:
                            self.good_practices_preview.append(dict(zip(GOOD_PRACTICE_COLUMNS, practice, strict=True)))

    def __iter__(self):
        with open(self.path, "rb") as handle:
            while True:
                try:
                    chunk = marshal.load(handle)  # noqa: S302 - written by this process just before
                except EOFError:
                    return
                yield from chunk


def annex_records(report, limit=None):
    """The report's annex rows as dicts (column: value), e.g. for tests and previews."""
    return [dict(zip(ANNEX_COLUMNS, row, strict=True)) for row in annex_rows(report_evidence(report), limit)]


def compile_content(report, spool=None):
    """Everything the report says, as plain, deterministically ordered data (no ORM objects).

    With `spool` (an AnnexSpool of this report), the previews come from it and the renderers
    stream the full tables from it; without, they are read from the database."""
    current, previous = report_evidence(report), previous_evidence(report)
    action_objective = dict(Action.objects.values_list("code", "objective__number"))
    objectives = list(
        Objective.objects.annotate(n_actions=Count("actions")).values_list("number", "title", "n_actions")
    )
    # One grouped query per cycle (plus the linked actions), not a scan per figure.
    figures, prev_figures = aggregates.report_figures(current), aggregates.report_figures(previous)
    covered, objectives_covered = _coverage(figures["actions_covered"], action_objective)
    prev_covered, prev_objectives = _coverage(prev_figures["actions_covered"], action_objective)
    status_labels = dict(Evidence.Status.choices)
    statuses, prev_statuses = figures["by_status"], prev_figures["by_status"]
    by_objective = figures["by_objective_status"]
    type_names = dict(StakeholderType.objects.values_list("slug", "name"))
    totals = figures["totals"]
    if spool is None:
        practices = current.filter(good_practice=True)
        good_practices = [
            dict(zip(GOOD_PRACTICE_COLUMNS, good_practice_row(row), strict=True))
            for row in annex_rows(practices, GOOD_PRACTICES_PREVIEW_ROWS)
        ]
        practices_total = (
            len(good_practices) if len(good_practices) < GOOD_PRACTICES_PREVIEW_ROWS else practices.count()
        )
        annex_preview = [dict(zip(ANNEX_COLUMNS, row, strict=True)) for row in annex_rows(current, ANNEX_PREVIEW_ROWS)]
    else:
        good_practices, practices_total = spool.good_practices_preview, spool.good_practices_total
        annex_preview = spool.annex_preview
    return {
        "scope": {
            "kind": report.kind,
            "kind_label": report.get_kind_display(),
            "scope": report.scope_key,
            "scope_label": str(report.scope_label),
            "cycle": report.cycle,
            "data_cutoff": report.data_cutoff.isoformat(),
            "include_unpublished": report.include_unpublished,
        },
        "totals": totals,
        "coverage": {
            "actions_total": len(action_objective),
            "actions_covered": len(covered),
            "objectives_total": len(objectives),
            "objectives_covered": len(objectives_covered),
        },
        "objectives": [
            {
                "number": number,
                "title": title,
                "actions": n_actions,
                "actions_covered": sum(1 for code in covered if action_objective.get(code) == number),
                "records": sum(by_objective.get(number, {}).values()),
                **{status: by_objective.get(number, {}).get(status, 0) for status in aggregates.STATUS_ORDER},
            }
            for number, title, n_actions in objectives
        ],
        "status": [
            {"status": s, "label": str(status_labels[s]), "records": statuses.get(s, 0)}
            for s in aggregates.STATUS_ORDER
        ],
        "change": _change(report, covered, prev_covered, objectives_covered, prev_objectives, statuses, prev_statuses),
        "principles": [
            {"principle": f"({letter})", "name": name, "records": n}
            for (letter, name), n in sorted(aggregates.principles_applied(current).items())
        ],
        "participation": [
            {"entity_type": _("Member States") if slug == "member-state" else type_names.get(slug, slug), "records": n}
            for slug, n in sorted(figures["participation"].items())
        ],
        # Bounded previews for the HTML and PDF; the data files and the XLSX stream every row.
        "good_practices_preview": good_practices,
        "good_practices_total": practices_total,
        "annex_preview": annex_preview,
        "annex_total": totals["records"],
        "spool": spool,
    }


def _change(report, covered, prev_covered, objectives, prev_objectives, statuses, prev_statuses):
    """Cycle N against cycle N-1, same scope: coverage and status counts."""
    rows = [
        (_("Actions with evidence"), len(prev_covered), len(covered)),
        (_("Objectives with evidence"), len(prev_objectives), len(objectives)),
    ]
    labels = dict(Evidence.Status.choices)
    rows += [(str(labels[s]), prev_statuses.get(s, 0), statuses.get(s, 0)) for s in aggregates.STATUS_ORDER]
    previous = report.cycle - 1 if report.cycle > 1 else None
    return [
        {
            "measure": str(m),
            "previous_cycle": p if previous else "",
            "this_cycle": c,
            "change": c - p if previous else "",
        }
        for m, p, c in rows
    ]


# Tables, in order: (key, sheet/file name, heading). XLSX and CSV/JSON use them; the last two
# ("streamed") have a row per record and are written from `annex_rows`, never held in memory.
TABLES = [
    ("summary", "summary", gettext_lazy("Summary")),
    ("objectives", "objectives", gettext_lazy("Coverage by objective")),
    ("status", "status", gettext_lazy("Implementation status")),
    ("change", "change", gettext_lazy("Change since the previous cycle")),
    ("principles", "principles", gettext_lazy("Guiding principles applied")),
    ("participation", "participation", gettext_lazy("Whole-of-society participation")),
    ("good_practices", "good_practices", gettext_lazy("Good practices")),
    ("annex", "records", gettext_lazy("Data annex: every record used")),
]
STREAMED_TABLES = {"good_practices": GOOD_PRACTICE_COLUMNS, "annex": ANNEX_COLUMNS}
# The content keys written as they are into data.json (besides the streamed tables).
DATA_KEYS = ["scope", "totals", "coverage", "objectives", "status", "change", "principles", "participation"]


def tables(content):
    """[(key, name, heading, columns, rows)] in a fixed order; rows are lists, except for the
    streamed tables, whose rows are None (write them from `stream_tables`)."""
    summary = [
        {"measure": k, "value": v}
        for k, v in sorted({**content["scope"], **content["totals"], **content["coverage"]}.items())
    ]
    result = []
    for key, name, heading in TABLES:
        if key in STREAMED_TABLES:
            result.append((key, name, str(heading), STREAMED_TABLES[key], None))
            continue
        rows = summary if key == "summary" else content[key]
        columns = list(rows[0]) if rows else _EMPTY_COLUMNS.get(key, [])
        result.append((key, name, str(heading), columns, [[row[c] for c in columns] for row in rows]))
    return result


_EMPTY_COLUMNS = {
    "principles": ["principle", "name", "records"],
    "participation": ["entity_type", "records"],
}


def stream_tables(report, content=None):
    """(key, row) for every row of the streamed tables, in one pass over the report's records:
    ("annex", row) for each record and ("good_practices", row) after each good practice. Read
    from the content's spool when it has one, else from the database."""
    spool = (content or {}).get("spool")
    for row in spool if spool is not None else annex_rows(report_evidence(report)):
        yield "annex", row
        practice = good_practice_row(row)
        if practice is not None:
            yield "good_practices", practice


def preview_notes(content):
    """The sentences saying where the full annex and good-practice list are, when the HTML/PDF cut them."""
    notes = {}
    if content["annex_total"] > len(content["annex_preview"]):
        notes["annex"] = FULL_ANNEX_NOTE % {"n": content["annex_total"]}
    if content["good_practices_total"] > len(content["good_practices_preview"]):
        notes["good_practices"] = FULL_GOOD_PRACTICES_NOTE % {"n": content["good_practices_total"]}
    return notes


# --- Compiling, once ---------------------------------------------------------------------------


def claim(report_id, task_id):
    """(report, claim time) if this task may compile it now, else None.

    queued -> running with this task id; a running report is taken over only by the same task
    redelivered after its worker was lost, or when its run is older than the hard time limit."""
    now = timezone.now()
    fields = {"status": Report.Status.RUNNING, "task_id": task_id, "started_at": now, "progress": 0, "error": ""}
    won = Report.objects.filter(pk=report_id, status=Report.Status.QUEUED).update(**fields)
    if not won:
        stale = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
        won = (
            Report.objects.filter(pk=report_id, status=Report.Status.RUNNING)
            .filter(Q(task_id=task_id) | Q(started_at__lt=stale))
            .update(**fields)
        )
    if not won:
        return None
    return Report.objects.select_related("member_state", "objective", "stakeholder_type").get(pk=report_id), now


def _progress(report, claimed_at, percent):
    Report.objects.filter(pk=report.pk, started_at=claimed_at).update(progress=percent)


def report_dir(report):
    return os.path.join(settings.REPORTS_ROOT, str(report.pk))


def _clean_partial(report):
    """Temporary directories left by an earlier attempt that died (never published)."""
    parent, prefix = str(settings.REPORTS_ROOT), f"{report.pk}.tmp-"
    if os.path.isdir(parent):
        for name in os.listdir(parent):
            if name.startswith(prefix):
                shutil.rmtree(os.path.join(parent, name), ignore_errors=True)


def _test_pause():
    """A deliberate pause after the first file, for the suite's worker-crash test; never in production."""
    seconds = getattr(settings, "REPORT_TEST_PAUSE_SECONDS", 0)
    if seconds and (settings.DEBUG or getattr(settings, "TASKS_INLINE", False)):
        time.sleep(seconds)


def file_stem(report):
    return f"{report.kind}-{report.scope_key}-cycle{report.cycle}-v{report.version}".replace(" ", "_").lower()


def run_compile(report_id, task_id):
    """Compile a report's files and publish them; safe to run twice. Returns what happened."""
    claimed = claim(report_id, task_id)
    if claimed is None:
        return "not-claimed"
    report, claimed_at = claimed
    _clean_partial(report)
    os.makedirs(settings.REPORTS_ROOT, exist_ok=True)
    tmp = os.path.join(settings.REPORTS_ROOT, f"{report.pk}.tmp-{uuid.uuid4().hex}")
    os.makedirs(tmp)
    try:
        written = _write_files(report, claimed_at, tmp)
        _publish(report, claimed_at, tmp, written)
    except TRANSIENT_ERRORS:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except Exception as exc:  # noqa: BLE001 - any other failure is the report's, recorded for its requester
        log.exception("Report %s failed", report_id)
        shutil.rmtree(tmp, ignore_errors=True)
        mark_failed(report_id, claimed_at, exc)
        return "failed"
    return "complete"


def mark_failed(report_id, claimed_at, exc):
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, SoftTimeLimitExceeded):
        message = _("Compiling took longer than the time allowed. Try a narrower scope, or ask the secretariat.")
    else:
        message = _("The report could not be compiled: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"}
    query = Report.objects.filter(pk=report_id, status=Report.Status.RUNNING)
    if claimed_at is not None:
        query = query.filter(started_at=claimed_at)
    query.update(status=Report.Status.FAILED, error=message, finished_at=timezone.now())


def _write_files(report, claimed_at, tmp):
    """Render every format into the temporary directory: {format: path}."""
    from .render import FORMATS

    with tempfile.TemporaryDirectory(prefix="spool-", dir=tmp) as spool_dir:
        spool = AnnexSpool(report_evidence(report), spool_dir)
        content = compile_content(report, spool=spool)
        _progress(report, claimed_at, 20)
        written = {}
        stem = file_stem(report)
        for i, (fmt, extension, render) in enumerate(FORMATS, start=1):
            path = os.path.join(tmp, f"{stem}.{extension}")
            render(report, content, path)
            written[fmt] = path
            _progress(report, claimed_at, 20 + 70 * i // len(FORMATS))
            if i == 1:
                _test_pause()
    return written


def _sha256(path):
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _publish(report, claimed_at, tmp, written):
    """Move the finished directory into place in one rename, then mark the report complete."""
    final = report_dir(report)
    if os.path.isdir(final):
        shutil.rmtree(final)  # left by an attempt that died after renaming, before it was marked complete
    os.replace(tmp, final)
    rows = []
    for fmt, path in written.items():
        name = os.path.basename(path)
        full = os.path.join(final, name)
        rows.append(
            ReportFile(
                report=report, format=fmt, path=f"{report.pk}/{name}", size=os.path.getsize(full), sha256=_sha256(full)
            )
        )
    with transaction.atomic():
        ReportFile.objects.filter(report=report).delete()
        ReportFile.objects.bulk_create(rows)
        done = Report.objects.filter(pk=report.pk, status=Report.Status.RUNNING, started_at=claimed_at).update(
            status=Report.Status.COMPLETE, progress=100, finished_at=timezone.now()
        )
        if not done:
            raise IntegrityError("another run took this report over")


def file_path(report_file):
    return os.path.join(settings.REPORTS_ROOT, report_file.path)
