"""Everything a report says, as plain, deterministically ordered data (no ORM objects)."""

from django.db.models import Count
from django.utils.translation import gettext as _

from commitments.models import Action, Evidence, Objective, StakeholderType
from commitments.pledges import selectors as pledge_selectors
from commitments.pledges.models import Pledge

from .. import aggregates
from ..models import ReportKind
from ..report_layout import ANNEX_COLUMNS, GOOD_PRACTICE_COLUMNS, good_practice_row
from ..report_layout import stream_tables as _stream_content
from . import annex
from .annex import AnnexQuery, annex_rows
from .scoping import previous_evidence, report_evidence


def _coverage(covered, action_objective):
    objectives = {action_objective[code] for code in covered if code in action_objective}
    return covered, objectives


def annex_records(report, limit=None):
    """The report's annex rows as dicts (column: value), e.g. for tests and previews."""
    return [dict(zip(ANNEX_COLUMNS, row, strict=True)) for row in annex_rows(report_evidence(report), limit)]


def compile_content(report, spool=None):
    """Everything the report says, as plain, deterministically ordered data (no ORM objects).

    With `spool` (an AnnexSpool of this report), the previews come from it and the renderers
    stream the full tables from it; without, they are read from the database. The renderers
    read only this content (and the report for its labels), never the database."""
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
        rows = AnnexQuery(current)
        practices = current.filter(good_practice=True)
        good_practices = [
            dict(zip(GOOD_PRACTICE_COLUMNS, good_practice_row(row), strict=True))
            for row in annex_rows(practices, annex.GOOD_PRACTICES_PREVIEW_ROWS)
        ]
        practices_total = (
            len(good_practices) if len(good_practices) < annex.GOOD_PRACTICES_PREVIEW_ROWS else practices.count()
        )
        annex_preview = [
            dict(zip(ANNEX_COLUMNS, row, strict=True)) for row in annex_rows(current, annex.ANNEX_PREVIEW_ROWS)
        ]
    else:
        rows = spool
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
        "commitments": _commitments(report),
        # Bounded previews for the HTML and PDF; the data files and the XLSX stream every row.
        "good_practices_preview": good_practices,
        "good_practices_total": practices_total,
        "annex_preview": annex_preview,
        "annex_total": totals["records"],
        # Every annex row, re-iterable: the spool, or the query read afresh (see stream_tables).
        "rows": rows,
    }


def _commitments(report):
    """What States committed to themselves: a State's plan and pledges (national report), or
    pledges by type, status and objective and plan adoption by region (global report)."""
    cutoff = report.data_cutoff
    if report.kind == ReportKind.NATIONAL:
        return {"national": pledge_selectors.national_section(report.member_state, cutoff, today=cutoff.date())}
    if report.kind == ReportKind.GLOBAL:
        pledges = Pledge.objects.filter(validated_at__lt=cutoff)
        return {
            "global": {
                **pledge_selectors.pledge_counts(pledges),
                "plans_by_region": pledge_selectors.plan_adoption_by_region(cutoff),
            }
        }
    return {}


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


def stream_tables(report, content=None):
    """(key, row) of the streamed tables of `content`, or of the report read afresh without it."""
    return _stream_content(content if content is not None else {"rows": AnnexQuery(report_evidence(report))})
