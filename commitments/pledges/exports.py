"""Exports of pledge lists and plan items (CSV, XLSX, JSON), with their links to evidence.

The same cell rules as the evidence exports (`commitments.exports.neutralise`: text a
spreadsheet would run as a formula gets a leading apostrophe); lists are joined with ';'.
"""

import csv
import io
import json

from django.http import StreamingHttpResponse
from django.utils import timezone

from commitments.exports import CONTENT_TYPES, chunked, neutralise
from commitments.spreadsheet import stream_workbook

from .models import PlanItem, Pledge

CHUNK_SIZE = 2000
PLEDGE_COLUMNS = [
    "identifier",
    "title",
    "description",
    "entity",
    "iso3",
    "organisation",
    "kind",
    "objectives",
    "actions",
    "target_what",
    "target_amount",
    "target_date",
    "occasion",
    "status",
    "status_reason",
    "partners",
    "matches",
    "evidence",
    "validated_at",
]
ITEM_COLUMNS = [
    "plan",
    "plan_version",
    "plan_title",
    "iso3",
    "item",
    "priority",
    "objectives",
    "actions",
    "target_what",
    "target_amount",
    "target_date",
    "responsible_institution",
    "budget",
    "currency",
    "status",
    "status_reason",
    "evidence",
]
LISTS = {"objectives", "actions", "partners", "evidence"}


def _iso(value):
    return value.isoformat() if value else None


def _published_evidence(deliveries):
    return sorted({str(d.evidence.record) for d in deliveries if d.evidence.is_published})


def pledge_row(pledge):
    state, organisation = pledge.member_state, pledge.organisation
    return {
        "identifier": pledge.identifier,
        "title": pledge.title,
        "description": pledge.description,
        "entity": str(state or organisation),
        "iso3": state.iso3 if state else None,
        "organisation": organisation.pk if organisation else None,
        "kind": pledge.kind,
        "objectives": [str(o.number) for o in pledge.objectives.all()],
        "actions": [a.code for a in pledge.actions.all()],
        "target_what": pledge.target_what,
        "target_amount": pledge.target_amount,
        "target_date": _iso(pledge.target_date),
        "occasion": pledge.occasion,
        "status": pledge.status,
        "status_reason": pledge.status_reason,
        "partners": [f"{p.entity}:{p.answer}" for p in pledge.partners.all()],
        "matches": pledge.matches.identifier if pledge.matches_id else None,
        "evidence": _published_evidence(pledge.deliveries.all()),
        "validated_at": _iso(pledge.validated_at),
    }


def pledge_rows(queryset):
    queryset = queryset.select_related("member_state", "organisation", "matches").prefetch_related(
        "objectives", "actions", "partners__member_state", "partners__organisation", "deliveries__evidence"
    )
    for pledge in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield pledge_row(pledge)


def item_row(item, evidence_by_key):
    plan = item.plan
    return {
        "plan": str(plan.record),
        "plan_version": plan.revision,
        "plan_title": plan.title,
        "iso3": plan.member_state.iso3,
        "item": str(item.key),
        "priority": item.priority,
        "objectives": [str(o.number) for o in item.objectives.all()],
        "actions": [a.code for a in item.actions.all()],
        "target_what": item.target_what,
        "target_amount": item.target_amount,
        "target_date": _iso(item.target_date),
        "responsible_institution": item.responsible_institution,
        "budget": str(item.budget) if item.budget is not None else None,
        "currency": item.currency,
        "status": item.status,
        "status_reason": item.status_reason,
        "evidence": evidence_by_key.get(item.key, []),
    }


def item_rows(queryset):
    """Items of the given plans, read in chunks; evidence by item key, so a revised plan keeps
    earlier links (one query per chunk, whatever the number of items)."""
    queryset = queryset.select_related("plan__member_state").prefetch_related("objectives", "actions")
    for chunk in chunked(queryset.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        evidence_by_key = _evidence_by_key([item.key for item in chunk])
        for item in chunk:
            yield item_row(item, evidence_by_key)


def _evidence_by_key(keys):
    """Item key -> the published evidence records linked to it, each once, sorted."""
    from .models import Delivery

    links = Delivery.objects.filter(item_key__in=keys, evidence__is_published=True)
    evidence_by_key = {}
    for key, record in links.values_list("item_key", "evidence__record").order_by("evidence__record").distinct():
        evidence_by_key.setdefault(key, []).append(str(record))
    return evidence_by_key


def published_items():
    return PlanItem.objects.filter(plan__is_published=True).order_by("plan__member_state__iso3", "plan_id", "order")


def flat(row, columns):
    return [neutralise(";".join(row[c]) if c in LISTS else row[c]) for c in columns]


def csv_chunks(rows, columns):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    yield "\ufeff".encode() + buffer.getvalue().encode()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(["" if cell is None else cell for cell in flat(row, columns)])
        yield buffer.getvalue().encode()


def json_chunks(rows, columns):
    yield b"["
    first = True
    for row in rows:
        yield (("" if first else ",") + "\n" + json.dumps(row, ensure_ascii=False)).encode()
        first = False
    yield b"\n]\n"


def xlsx_chunks(rows, columns, sheet_name="pledges"):
    """A workbook streamed as it is written, by the evidence exports' writer (commitments.spreadsheet)."""
    return stream_workbook(sheet_name, columns, chunked((flat(row, columns) for row in rows), CHUNK_SIZE))


WRITERS = {"csv": csv_chunks, "json": json_chunks, "xlsx": xlsx_chunks}


def _stream(rows, columns, fmt, sheet_name):
    if fmt == "xlsx":
        return xlsx_chunks(rows, columns, sheet_name=sheet_name)
    return WRITERS[fmt](rows, columns)


def response(queryset, fmt, name="gcm-pledges"):
    stream = StreamingHttpResponse(
        _stream(pledge_rows(queryset), PLEDGE_COLUMNS, fmt, "pledges"), content_type=CONTENT_TYPES[fmt]
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    stream["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    return stream


def items_response(queryset, fmt, name="gcm-plan-items"):
    """Plan items (a PlanItem queryset, in the order to write) with their published evidence."""
    stream = StreamingHttpResponse(
        _stream(item_rows(queryset), ITEM_COLUMNS, fmt, "plan items"), content_type=CONTENT_TYPES[fmt]
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    stream["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    return stream


# --- Open data package rows (reporting.opendata): published plans, items, pledges, links ---------


def open_plans():
    from .models import NationalPlan

    rows = (
        NationalPlan.objects.filter(is_published=True)
        .select_related("member_state")
        .order_by("member_state__iso3", "id")
    )
    for p in rows:
        yield [
            str(p.record),
            p.revision,
            p.member_state.iso3,
            p.title,
            p.instrument,
            _iso(p.adopted_on),
            _iso(p.period_start),
            _iso(p.period_end),
            p.lead_institution,
            ";".join(p.institutions),
            p.document_url,
        ]


def open_plan_items():
    for row in item_rows(published_items()):
        yield [
            row["item"],
            row["plan"],
            row["priority"],
            ";".join(row["objectives"]),
            ";".join(row["actions"]),
            row["target_what"],
            row["target_amount"],
            row["target_date"],
            row["responsible_institution"],
            row["budget"],
            row["currency"],
            row["status"],
            row["status_reason"],
        ]


def open_pledges():
    for row in pledge_rows(Pledge.objects.filter(is_published=True).order_by("id")):
        yield [
            row["identifier"],
            row["title"],
            row["description"],
            row["iso3"],
            row["organisation"],
            row["kind"],
            ";".join(row["objectives"]),
            ";".join(row["actions"]),
            row["target_what"],
            row["target_amount"],
            row["target_date"],
            row["occasion"],
            row["status"],
            row["status_reason"],
            ";".join(row["partners"]),
            row["matches"] if row["matches"] else None,
            row["validated_at"][:19] + "Z" if row["validated_at"] else None,
        ]


def open_deliveries():
    """(evidence record, plan item key or None, pledge identifier or None) between published rows."""
    from .models import Delivery

    published_keys = set(published_items().values_list("key", flat=True))
    links = (
        Delivery.objects.filter(evidence__is_published=True)
        .values_list("evidence__record", "item_key", "pledge__identifier", "pledge__is_published")
        .order_by("evidence__record", "id")
    )
    for record, key, identifier, pledge_published in links.iterator(chunk_size=5000):
        if key is not None and key in published_keys:
            yield [str(record), str(key), None]
        elif identifier and pledge_published:
            yield [str(record), None, identifier]
