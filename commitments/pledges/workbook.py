"""Bulk entry of pledges and plan items by XLSX workbook, with the evidence workbook's rules.

The upload is read completely first; every problem is collected as (sheet, row, column,
message) and, if there is any, nothing is written. A clean workbook is imported in one
transaction through `commitments.pledges.services`, so history, permissions and checks are
those of the forms. Re-uploading the same workbook creates nothing new: a pledge row is matched
by its identifier, or else by its title among the entity's draft and returned pledges; plan item
rows by their key, or else by their priority, in the State's plan being drafted; a row whose
content did not change makes no new version.
"""

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

import openpyxl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from commitments.filters import action_code
from commitments.models import Action, MemberState, Objective
from commitments.workbook import WorkbookRefused, _open, _put

from . import permissions, services
from .models import Event, NationalPlan, Pledge, ReviewState

EDITABLE = (ReviewState.DRAFT, ReviewState.RETURNED)
PLEDGE_SHEET, ITEM_SHEET = "pledges", "plan_items"
PLEDGE_COLUMNS = [
    ("identifier", "Identifier"),
    ("title", "Title"),
    ("description", "Description"),
    ("kind", "Type"),
    ("objectives", "Objectives"),
    ("actions", "Actions"),
    ("target_what", "Target: what"),
    ("target_amount", "Target: how much"),
    ("target_date", "Target: by when"),
    ("occasion", "Occasion"),
]
ITEM_COLUMNS = [
    ("key", "Item key"),
    ("priority", "Priority"),
    ("objectives", "Objectives"),
    ("actions", "Actions"),
    ("target_what", "Target: what"),
    ("target_amount", "Target: how much"),
    ("target_date", "Target: by when"),
    ("responsible_institution", "Responsible institution"),
    ("budget", "Budget"),
    ("currency", "Currency"),
]


@dataclass
class Problem:
    sheet: str
    row: int
    column: str
    message: str


class WorkbookProblems(Exception):
    def __init__(self, problems):
        self.problems = problems
        super().__init__(_("The workbook has %(n)s problems; nothing was imported.") % {"n": len(problems)})


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    identifiers: list = field(default_factory=list)


def _editable_plan(state):
    return NationalPlan.objects.filter(member_state=state, review_state__in=EDITABLE).order_by("-revision").first()


def build(user):
    """The workbook, pre-filled with the entity's pledges (and plan items) being drafted."""
    entity = permissions.can_record_pledge(user)
    if entity is None:
        raise PermissionDenied(_("Only people reporting for a Member State or an organisation can make pledges."))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = PLEDGE_SHEET
    ws.append([label for _name, label in PLEDGE_COLUMNS])
    field_name = "member_state" if isinstance(entity, MemberState) else "organisation"
    for p in Pledge.objects.filter(**{field_name: entity}, review_state__in=EDITABLE).order_by("id"):
        row = ws.max_row + 1
        values = [
            p.identifier,
            p.title,
            p.description,
            p.kind,
            ";".join(str(o.number) for o in p.objectives.all()),
            ";".join(a.code for a in p.actions.all()),
            p.target_what,
            p.target_amount,
            p.target_date,
            p.occasion,
        ]
        for column, value in enumerate(values, 1):
            _put(ws.cell(row=row, column=column), value)
    if isinstance(entity, MemberState):
        items = wb.create_sheet(ITEM_SHEET)
        items.append([label for _name, label in ITEM_COLUMNS])
        plan = _editable_plan(entity)
        for item in plan.items.all() if plan else []:
            row = items.max_row + 1
            values = [
                str(item.key),
                item.priority,
                ";".join(str(o.number) for o in item.objectives.all()),
                ";".join(a.code for a in item.actions.all()),
                item.target_what,
                item.target_amount,
                item.target_date,
                item.responsible_institution,
                item.budget,
                item.currency,
            ]
            for column, value in enumerate(values, 1):
                _put(items.cell(row=row, column=column), value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- Reading ------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, sheet, number, cells, problems):
        self.sheet, self.number, self.cells, self.problems = sheet, number, cells, problems

    def text(self, name, required=False, label=""):
        value = self.cells.get(name)
        text = "" if value is None else str(value).strip()
        if required and not text:
            self.problems.append(Problem(self.sheet, self.number, label, _("This cell is required.")))
        return text

    def date(self, name, label):
        value = self.cells.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            self.problems.append(Problem(self.sheet, self.number, label, _("Enter a date as 2027-06-30.")))
            return None

    def objectives(self, label):
        numbers = [p.strip() for p in self.text("objectives").replace(",", ";").split(";") if p.strip()]
        found = {str(o.number): o for o in Objective.objects.filter(number__in=[n for n in numbers if n.isdigit()])}
        for n in numbers:
            if n not in found:
                message = _("%(value)s is not an objective (1 to 23).") % {"value": n}
                self.problems.append(Problem(self.sheet, self.number, label, message))
        return [found[n] for n in numbers if n in found]

    def actions(self, label):
        codes = [action_code(p.strip()) for p in self.text("actions").replace(",", ";").split(";") if p.strip()]
        found = {a.code: a for a in Action.objects.filter(code__in=codes)}
        for code in codes:
            if code not in found:
                message = _("%(value)s is not an action of the compact.") % {"value": code}
                self.problems.append(Problem(self.sheet, self.number, label, message))
        return [found[c] for c in codes if c in found]


def _rows(ws, columns):
    labels = {label: name for name, label in columns}
    header = [labels.get(str(c.value).strip() if c.value else "") for c in ws[1]]
    for number, row in enumerate(ws.iter_rows(min_row=2, values_only=True), 2):
        cells = {name: value for name, value in zip(header, row, strict=False) if name}
        if any(v not in (None, "") for v in cells.values()):
            yield number, cells


def _read_pledges(ws, problems):
    labels = dict(PLEDGE_COLUMNS)
    rows = []
    for number, cells in _rows(ws, PLEDGE_COLUMNS):
        r = _Reader(PLEDGE_SHEET, number, cells, problems)
        kind = r.text("kind", True, labels["kind"])
        if kind and kind not in Pledge.Kind.values:
            choices = ", ".join(Pledge.Kind.values)
            problems.append(Problem(PLEDGE_SHEET, number, labels["kind"], _("Use one of: %(c)s.") % {"c": choices}))
        data = {
            "title": r.text("title", True, labels["title"]),
            "description": r.text("description", True, labels["description"]),
            "kind": kind,
            "objectives": r.objectives(labels["objectives"]),
            "actions": r.actions(labels["actions"]),
            "target_what": r.text("target_what"),
            "target_amount": r.text("target_amount"),
            "target_date": r.date("target_date", labels["target_date"]),
            "occasion": r.text("occasion"),
        }
        rows.append((number, r.text("identifier").upper(), data))
    return rows


def _read_items(ws, problems):
    labels = dict(ITEM_COLUMNS)
    rows = []
    for number, cells in _rows(ws, ITEM_COLUMNS):
        r = _Reader(ITEM_SHEET, number, cells, problems)
        budget = cells.get("budget")
        if budget not in (None, ""):
            try:
                budget = Decimal(str(budget)).quantize(Decimal("0.01"))
            except (TypeError, ValueError, ArithmeticError):
                problems.append(Problem(ITEM_SHEET, number, labels["budget"], _("Enter a number.")))
                budget = None
        else:
            budget = None
        currency = r.text("currency").upper()
        if budget is not None and not currency:
            problems.append(Problem(ITEM_SHEET, number, labels["currency"], _("Give the currency, e.g. EUR.")))
        rows.append(
            (
                number,
                {
                    "key": r.text("key") or None,
                    "priority": r.text("priority", True, labels["priority"]),
                    "objectives": r.objectives(labels["objectives"]),
                    "actions": r.actions(labels["actions"]),
                    "target_what": r.text("target_what"),
                    "target_amount": r.text("target_amount"),
                    "target_date": r.date("target_date", labels["target_date"]),
                    "responsible_institution": r.text("responsible_institution"),
                    "budget": budget,
                    "currency": currency,
                },
            )
        )
    return rows


# --- Importing ----------------------------------------------------------------------------------


def _same(pledge, data):
    current = services.snapshot(pledge)
    proposed = {**current, **{k: services._plain(v) for k, v in data.items() if k not in ("objectives", "actions")}}
    proposed["objectives"] = sorted(o.number for o in data["objectives"])
    proposed["actions"] = sorted(a.code for a in data["actions"])
    return proposed == current


def _match_pledges(rows, entity, problems):
    field_name = "member_state" if isinstance(entity, MemberState) else "organisation"
    own = {p.identifier: p for p in Pledge.objects.filter(**{field_name: entity}, review_state__in=EDITABLE)}
    by_title = {p.title.casefold(): p for p in own.values()}
    matched = []
    for number, identifier, data in rows:
        if identifier and identifier not in own:
            message = _("%(id)s is not one of your draft or returned pledges.") % {"id": identifier}
            problems.append(Problem(PLEDGE_SHEET, number, "Identifier", message))
            continue
        matched.append((number, own.get(identifier) or by_title.get(data["title"].casefold()), data))
    return matched


def import_workbook(*, user, upload):
    """Read everything, then import all rows (as drafts) or none; returns a Summary."""
    entity = permissions.can_record_pledge(user)
    if entity is None:
        raise PermissionDenied(_("Only people reporting for a Member State or an organisation can make pledges."))
    wb = _open(upload)
    problems = []
    pledge_sheet = wb[PLEDGE_SHEET] if PLEDGE_SHEET in wb.sheetnames else None
    item_sheet = wb[ITEM_SHEET] if ITEM_SHEET in wb.sheetnames else None
    if pledge_sheet is None and item_sheet is None:
        raise WorkbookRefused(_("This workbook has neither a “pledges” nor a “plan_items” sheet."))
    pledges = _match_pledges(_read_pledges(pledge_sheet, problems), entity, problems) if pledge_sheet else []
    items = _read_items(item_sheet, problems) if item_sheet else []
    plan = _editable_plan(entity) if isinstance(entity, MemberState) and items else None
    if items and plan is None:
        problems.append(Problem(ITEM_SHEET, 2, "", _("Record your plan first (or open a new version of it).")))
    if problems:
        raise WorkbookProblems(problems)
    summary = Summary()
    try:
        with transaction.atomic():
            _save_pledges(user, pledges, summary)
            if plan is not None:
                _save_items(user, plan, items, summary)
    except ValidationError as exc:
        raise WorkbookProblems([Problem("", 0, "", m) for m in exc.messages]) from exc
    return summary


def _save_pledges(user, rows, summary):
    for _number, pledge, data in rows:
        if pledge is None:
            pledge = services.pledge_create(user=user, data=data, kind=Event.Kind.IMPORTED)
            summary.created += 1
        elif _same(pledge, data):
            summary.unchanged += 1
        else:
            pledge = services.pledge_update(
                user=user, pledge=pledge, data=data, expected_version=pledge.version, kind=Event.Kind.IMPORTED
            )
            summary.updated += 1
        summary.identifiers.append(pledge.identifier)


COMPARED = [f for f in services.ITEM_FIELDS if f in dict(ITEM_COLUMNS)] + ["objectives", "actions"]


def _item_content(data):
    """A row in the history's terms (the columns the sheet has), to tell whether anything changed."""
    plain = {f: services._plain(data[f]) for f in COMPARED if f not in ("objectives", "actions")}
    return {
        **plain,
        "objectives": sorted(o.number for o in data["objectives"]),
        "actions": sorted(a.code for a in data["actions"]),
    }


def _save_items(user, plan, rows, summary):
    by_priority = {i.priority.casefold(): str(i.key) for i in plan.items.all()}
    keys = {str(i.key) for i in plan.items.all()}
    items = []
    for _number, data in rows:
        key = data["key"] if data["key"] in keys else by_priority.get(data["priority"].casefold())
        items.append({**data, "key": key})
    current = [{k: row[k] for k in COMPARED} for row in services.snapshot(plan)["items"]]
    if [_item_content(row) for row in items] == current:
        summary.unchanged += len(rows)
        return
    services.plan_update(
        user=user, plan=plan, data={}, items=items, expected_version=plan.version, kind=Event.Kind.IMPORTED
    )
    summary.updated += len(rows)
