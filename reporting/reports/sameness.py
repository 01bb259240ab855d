"""A report whose data has not changed is published with the files already compiled from it.

Compiling a national report reads every record of the State (41,000 at a million records) and
lays out its PDF: 10-15 s. Yet most requests come when nothing in the report's scope changed
since the last version: a focal point compiling again, a colleague, the report the schedule
compiled overnight (`schedule.keep_national_reports_current`). Such a request is published with
the earlier version's files (hard links, each checked against its SHA-256) in a fraction of a
second, and its page says which version's data and cut-off it carries.

"Not changed" is a fingerprint of exactly what the report reads, taken before it reads it:

- the records it uses (its cycle, the previous one, and for a national report the stakeholders
  based in the State), each set as (count, sum of ids, latest change);
- for a national report, the State's plans, plan items, pledges, the evidence linked to them,
  and how many of their targets are overdue on the cut-off's day; for the global report, every
  plan and pledge;
- the names records are shown with (the data version's `labels`: framework, States,
  organisations, reference lists), the report's language, kind, scope and cycle, and the code's
  release (a new release compiles afresh).

A record validated, withdrawn, revised or edited changes its set's count, ids or latest change;
so does a plan, a pledge or an owner's status. Only reports of the data as it stands are
compared (no milestone, no chosen cut-off, no unpublished working revisions): their cut-off is
the moment they were requested, so two with the same fingerprint show the same records.
`tests/reporting/test_sameness.py` checks that every kind of write that changes a report's
content changes its fingerprint, and that writes elsewhere do not.
"""

import hashlib
import json
import logging
import os
import shutil

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from commitments.models import DataVersion

from ..models import Report, ReportKind, ReportPart
from .publication import file_path, new_run_dir, publish, sha256_of
from .requests import report_language
from .scoping import previous_evidence, report_evidence, stakeholders_based_in_state

log = logging.getLogger(__name__)
FORMAT = 1  # moves when what the fingerprint covers changes


def eligible(report):
    """Only reports of the data as it stands may share files (see the module doc)."""
    return (
        not report.include_unpublished
        and report.milestone_id is None
        and not (report.parameters or {}).get("cutoff_chosen", True)
    )


def _sums(queryset, *latest):
    """(count, sum of ids, latest of each `latest` field) of a queryset, in one query."""
    if queryset is None:
        return None
    extra = {f"latest_{i}": Max(field) for i, field in enumerate(latest)}
    row = queryset.order_by().aggregate(n=Count("pk"), ids=Sum("pk"), **extra)
    return [row["n"], row["ids"] or 0, *(row[f"latest_{i}"] for i in range(len(latest)))]


def _commitments(report):
    from commitments.pledges.models import Delivery, NationalPlan, PlanItem, Pledge
    from commitments.pledges.selectors import OPEN

    day = report.data_cutoff.date()
    overdue = Q(target_date__lt=day, status__in=list(OPEN))
    if report.kind == ReportKind.NATIONAL:
        state = report.member_state_id
        plans, items = (
            NationalPlan.objects.filter(member_state_id=state),
            PlanItem.objects.filter(plan__member_state_id=state),
        )
        pledges = Pledge.objects.filter(member_state_id=state)
        # Two sums, not one OR: PostgreSQL read every link for the OR (180 ms at 1M, 5 ms apart).
        deliveries = [
            Delivery.objects.filter(item_key__in=items.values("key")),
            Delivery.objects.filter(pledge__member_state_id=state),
        ]
    elif report.kind == ReportKind.GLOBAL:
        plans, items, pledges = NationalPlan.objects.all(), PlanItem.objects.none(), Pledge.objects.all()
        deliveries = []
    else:
        return None
    return [
        _sums(plans, "updated_at"),
        _sums(items, "status_changed_at"),
        items.filter(overdue).count(),
        _sums(pledges, "updated_at", "status_changed_at"),
        pledges.filter(overdue).count(),
        *(_sums(links, "evidence__updated_at") for links in deliveries),
    ]


def data_fingerprint(report):
    """A SHA-256 of everything the report's content is made from (see the module doc)."""
    from commitments.readers import release

    parts = [
        FORMAT,
        release(),
        report_language(report),
        report.kind,
        report.scope_key,
        report.cycle,
        report.include_unpublished,
        DataVersion.objects.values_list("labels", flat=True).first(),
        _sums(report_evidence(report), "updated_at"),
        _sums(previous_evidence(report), "updated_at"),
        _sums(stakeholders_based_in_state(report), "updated_at"),
        _commitments(report),
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def same_data(report, fingerprint):
    """The latest complete version of the same report compiled from the same data, or None."""
    language = report_language(report)
    candidates = (
        Report.objects.filter(
            kind=report.kind,
            scope_key=report.scope_key,
            cycle=report.cycle,
            data_fingerprint=fingerprint,
            status=Report.Status.COMPLETE,
        )
        .exclude(pk=report.pk)
        .order_by("-version")
    )
    for candidate in candidates:
        if eligible(candidate) and report_language(candidate) == language:
            return candidate
    return None


def _linked_copy(source, target):
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed: a copy
        shutil.copyfile(source, target)


def publish_same(report, claimed_at, source, fingerprint, file_stem):
    """Publish `report` with `source`'s files (linked, each checked against its SHA-256) and its
    cut-off. Returns False (nothing published, the directory removed) if a file is missing or
    differs from its checksum: the caller then compiles afresh."""
    tmp = new_run_dir(report)
    parts = []
    try:
        for source_file in source.files.all():
            extension = os.path.basename(source_file.path).rsplit(".", 1)[-1]
            filename = f"{file_stem}.{extension}"
            target = os.path.join(tmp, filename)
            _linked_copy(file_path(source_file), target)
            if os.path.getsize(target) != source_file.size or sha256_of(target) != source_file.sha256:
                log.warning("Report %s: %s of version %s differs from its checksum", report.pk, filename, source.pk)
                raise FileNotFoundError(filename)
            parts.append(
                ReportPart(
                    report=report,
                    format=source_file.format,
                    claimed_at=claimed_at,
                    state=ReportPart.State.DONE,
                    filename=filename,
                    size=source_file.size,
                    sha256=source_file.sha256,
                    seconds=0,
                )
            )
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        return False
    if not parts:
        shutil.rmtree(tmp, ignore_errors=True)
        return False
    ReportPart.objects.filter(report=report).delete()
    ReportPart.objects.bulk_create(parts)
    Report.objects.filter(pk=report.pk, started_at=claimed_at).update(
        data_cutoff=source.data_cutoff,
        data_fingerprint=fingerprint,
        parameters={**(report.parameters or {}), "same_data_as": source.pk},
        heartbeat_at=timezone.now(),
    )
    publish(report, claimed_at, tmp, parts)
    return True
