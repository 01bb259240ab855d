"""Pledges and plan items as two more sheets of the entity's workbook (`commitments.workbook`).

The evidence workbook calls this part (registered in `commitments.extensions.WORKBOOK_SHEETS`)
to add its sheets, to read them with the rest of the upload and to save them in the same
transaction: every problem of every sheet is collected as (sheet, row, column, message) and,
if there is any, nothing at all is written. Rows go through `commitments.pledges.services`, so
history, permissions and checks are those of the forms. Re-uploading the same workbook creates
nothing new: a pledge row is matched by its identifier, or else by its title among the entity's
draft and returned pledges; plan item rows by their key, or else by their priority, in the
State's plan being drafted; a row whose content did not change makes no new version.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments.filters import action_code
from commitments.models import Action, MemberState, Objective
from commitments.workbook import (
    HEADER_FILL,
    HEADER_FONT,
    Problem,
    _all_languages,
    _fold,
    _put,
    _sheet,
)

from . import permissions, services
from .models import Event, NationalPlan, Pledge, ReviewState

EDITABLE = (ReviewState.DRAFT, ReviewState.RETURNED)
PLEDGE_SHEET = gettext_lazy("Pledges")
ITEM_SHEET = gettext_lazy("Plan items")
# The separate plans-and-pledges workbook of the first version named its sheets so: still read.
OLD_SHEET_NAMES = {PLEDGE_SHEET: "pledges", ITEM_SHEET: "plan_items"}
PLEDGE_COLUMNS = [
    ("identifier", gettext_lazy("Identifier"), 20),
    ("title", gettext_lazy("Title"), 40),
    ("description", gettext_lazy("Description"), 60),
    ("kind", gettext_lazy("Type"), 18),
    ("objectives", gettext_lazy("Objectives"), 14),
    ("actions", gettext_lazy("Actions"), 14),
    ("target_what", gettext_lazy("Target: what"), 30),
    ("target_amount", gettext_lazy("Target: how much"), 14),
    ("target_date", gettext_lazy("Target: by when"), 14),
    ("occasion", gettext_lazy("Occasion"), 16),
]
ITEM_COLUMNS = [
    ("key", gettext_lazy("Item key"), 12),
    ("priority", gettext_lazy("Priority"), 40),
    ("objectives", gettext_lazy("Objectives"), 14),
    ("actions", gettext_lazy("Actions"), 14),
    ("target_what", gettext_lazy("Target: what"), 30),
    ("target_amount", gettext_lazy("Target: how much"), 14),
    ("target_date", gettext_lazy("Target: by when"), 14),
    ("responsible_institution", gettext_lazy("Responsible institution"), 30),
    ("budget", gettext_lazy("Budget"), 14),
    ("currency", gettext_lazy("Currency"), 10),
]
DATES = ("target_date",)


@dataclass
class Pending:
    """What a clean upload will write: pledge rows (with their match) and the plan's items."""

    pledges: list
    plan: NationalPlan | None
    items: list


def _editable_plan(state):
    return NationalPlan.objects.filter(member_state=state, review_state__in=EDITABLE).order_by("-revision").first()


def _owner(entity):
    return {"member_state" if isinstance(entity, MemberState) else "organisation": entity}


# --- Writing ------------------------------------------------------------------------------------


def _header(ws, columns):
    for index, (_name, label, width) in enumerate(columns, 1):
        cell = ws.cell(row=1, column=index, value=str(label))
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = "A2"


def _write(ws, row, values):
    for column, value in enumerate(values, 1):
        cell = _put(ws.cell(row=row, column=column), value)
        if isinstance(value, datetime.date):
            cell.number_format = "yyyy-mm-dd"


def _codes(objectives, actions):
    return ";".join(str(o.number) for o in objectives), ";".join(a.code for a in actions)


def write_sheets(wb, user, entity):
    """The Pledges sheet (pre-filled with the entity's pledges being drafted) and, for a State,
    the Plan items sheet (the items of the plan being drafted)."""
    ws = wb.create_sheet(str(PLEDGE_SHEET))
    _header(ws, PLEDGE_COLUMNS)
    pledges = Pledge.objects.filter(**_owner(entity), review_state__in=EDITABLE).prefetch_related(
        "objectives", "actions"
    )
    for row, p in enumerate(pledges.order_by("id"), 2):
        objectives, actions = _codes(p.objectives.all(), p.actions.all())
        values = [p.identifier, p.title, p.description, p.kind, objectives, actions]
        _write(ws, row, [*values, p.target_what, p.target_amount, p.target_date, p.occasion])
    if not isinstance(entity, MemberState):
        return
    ws = wb.create_sheet(str(ITEM_SHEET))
    _header(ws, ITEM_COLUMNS)
    plan = _editable_plan(entity)
    items = plan.items.prefetch_related("objectives", "actions") if plan else []
    for row, item in enumerate(items, 2):
        objectives, actions = _codes(item.objectives.all(), item.actions.all())
        values = [str(item.key), item.priority, objectives, actions, item.target_what, item.target_amount]
        _write(ws, row, [*values, item.target_date, item.responsible_institution, item.budget, item.currency])


def instructions(entity):
    """The Instructions sheet's paragraphs about these sheets."""
    paragraphs = [
        _(
            "The sheet 'Pledges' holds your pledges being drafted, one per row: Title, Description and Type "
            "(financial, human_resources, process or policy) are required. Objectives: numbers such as 6;7. "
            "Actions: codes such as 6(a). Leave the Identifier as downloaded; a new pledge has none."
        ),
    ]
    if isinstance(entity, MemberState):
        paragraphs.append(
            _(
                "The sheet 'Plan items' holds the items of your national implementation plan being drafted: "
                "Priority is required. Record the plan itself in your workspace first. Leave the Item key as "
                "downloaded; a new item has none."
            )
        )
    return paragraphs


# --- Reading ------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, sheet, columns, number, cells, problems):
        self.sheet, self.number, self.cells, self.problems = sheet, number, cells, problems
        self.labels = {name: str(label) for name, label, _width in columns}

    def problem(self, name, message):
        self.problems.append(Problem(self.number, self.labels.get(name, ""), message, sheet=self.sheet))

    def text(self, name, required=False):
        value = self.cells.get(name)
        text = "" if value is None else str(value).strip()
        if required and not text:
            self.problem(name, _("This cell is required."))
        return text

    def date(self, name):
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
            self.problem(name, _("Enter a date as 2027-06-30."))
            return None

    def objectives(self):
        numbers = [p.strip() for p in self.text("objectives").replace(",", ";").split(";") if p.strip()]
        found = {str(o.number): o for o in Objective.objects.filter(number__in=[n for n in numbers if n.isdigit()])}
        for n in numbers:
            if n not in found:
                self.problem("objectives", _("%(value)s is not an objective (1 to 23).") % {"value": n})
        return [found[n] for n in numbers if n in found]

    def actions(self):
        codes = [action_code(p.strip()) for p in self.text("actions").replace(",", ";").split(";") if p.strip()]
        found = {a.code: a for a in Action.objects.filter(code__in=codes)}
        for code in codes:
            if code not in found:
                self.problem("actions", _("%(value)s is not an action of the compact.") % {"value": code})
        return [found[c] for c in codes if c in found]


def _find(wb, name):
    return _sheet(wb, name) or (wb[OLD_SHEET_NAMES[name]] if OLD_SHEET_NAMES[name] in wb.sheetnames else None)


def _rows(ws, columns, problems):
    """(row number, {column name: value}) of each filled row; headers read in any of the six languages."""
    labels = {_fold(spelling): name for name, label, _w in columns for spelling in _all_languages(label)}
    header = [labels.get(_fold(c.value)) if c.value else None for c in ws[1]]
    missing = [str(label) for name, label, _w in columns if name not in header]
    if missing:
        message = _("The sheet '%(sheet)s' has no column %(columns)s in its first row.") % {
            "sheet": ws.title,
            "columns": ", ".join(f"'{m}'" for m in missing),
        }
        problems.append(Problem(1, "", message, sheet=ws.title))
        return
    for number, row in enumerate(ws.iter_rows(min_row=2, values_only=True), 2):
        cells = {name: value for name, value in zip(header, row, strict=False) if name}
        if any(v not in (None, "") for v in cells.values()):
            yield number, cells


def _read_pledges(ws, problems):
    rows = []
    for number, cells in _rows(ws, PLEDGE_COLUMNS, problems):
        r = _Reader(ws.title, PLEDGE_COLUMNS, number, cells, problems)
        kind = r.text("kind", True)
        if kind and kind not in Pledge.Kind.values:
            kinds = {_fold(label): value for value, label in Pledge.Kind.choices for label in _all_languages(label)}
            if _fold(kind) in kinds:
                kind = kinds[_fold(kind)]
            else:
                r.problem("kind", _("Use one of: %(c)s.") % {"c": ", ".join(Pledge.Kind.values)})
        data = {
            "title": r.text("title", True),
            "description": r.text("description", True),
            "kind": kind,
            "objectives": r.objectives(),
            "actions": r.actions(),
            "target_what": r.text("target_what"),
            "target_amount": r.text("target_amount"),
            "target_date": r.date("target_date"),
            "occasion": r.text("occasion"),
        }
        rows.append((number, r.text("identifier").upper(), data))
    return rows


def _read_items(ws, problems):
    rows = []
    for number, cells in _rows(ws, ITEM_COLUMNS, problems):
        r = _Reader(ws.title, ITEM_COLUMNS, number, cells, problems)
        budget = cells.get("budget")
        if budget not in (None, ""):
            try:
                budget = Decimal(str(budget)).quantize(Decimal("0.01"))
            except (TypeError, ValueError, ArithmeticError):
                r.problem("budget", _("Enter a number."))
                budget = None
        else:
            budget = None
        currency = r.text("currency").upper()
        if budget is not None and not currency:
            r.problem("currency", _("Give the currency, e.g. EUR."))
        data = {
            "key": r.text("key") or None,
            "priority": r.text("priority", True),
            "objectives": r.objectives(),
            "actions": r.actions(),
            "target_what": r.text("target_what"),
            "target_amount": r.text("target_amount"),
            "target_date": r.date("target_date"),
            "responsible_institution": r.text("responsible_institution"),
            "budget": budget,
            "currency": currency,
        }
        rows.append((number, data))
    return rows


def _match_pledges(rows, entity, sheet, problems):
    own = {p.identifier: p for p in Pledge.objects.filter(**_owner(entity), review_state__in=EDITABLE)}
    by_title = {p.title.casefold(): p for p in own.values()}
    label = str(PLEDGE_COLUMNS[0][1])
    matched = []
    for number, identifier, data in rows:
        if identifier and identifier not in own:
            message = _("%(id)s is not one of your draft or returned pledges.") % {"id": identifier}
            problems.append(Problem(number, label, message, sheet=sheet))
            continue
        matched.append((number, own.get(identifier) or by_title.get(data["title"].casefold()), data))
    return matched


def read_sheets(wb, user, entity, problems):
    """What the upload's Pledges and Plan items sheets will write (problems appended), or None."""
    pledge_sheet, item_sheet = _find(wb, PLEDGE_SHEET), _find(wb, ITEM_SHEET)
    pledges = _read_pledges(pledge_sheet, problems) if pledge_sheet is not None else []
    items = _read_items(item_sheet, problems) if item_sheet is not None else []
    if (pledges or items) and permissions.can_record_pledge(user) is None:
        raise PermissionDenied(_("Only people reporting for a Member State or an organisation can make pledges."))
    if items and not isinstance(entity, MemberState):
        message = _("Only a Member State has a national implementation plan.")
        problems.append(Problem(2, "", message, sheet=item_sheet.title))
        items = []
    plan = _editable_plan(entity) if items else None
    if items and plan is None:
        message = _("Record your plan first (or open a new version of it).")
        problems.append(Problem(2, "", message, sheet=item_sheet.title))
    pledges = _match_pledges(pledges, entity, pledge_sheet.title, problems) if pledges else []
    if not pledges and not items:
        return None
    return Pending(pledges=pledges, plan=plan, items=items)


# --- Saving -------------------------------------------------------------------------------------


def _same(pledge, data):
    current = services.snapshot(pledge)
    proposed = {**current, **{k: services._plain(v) for k, v in data.items() if k not in ("objectives", "actions")}}
    proposed["objectives"] = sorted(o.number for o in data["objectives"])
    proposed["actions"] = sorted(a.code for a in data["actions"])
    return proposed == current


def save_sheets(user, pending, summary):
    """Write the pledges and plan items (inside the import's transaction); each row in the summary."""
    sheet = str(PLEDGE_SHEET)
    try:
        for number, pledge, data in pending.pledges:
            if pledge is None:
                pledge = services.pledge_create(user=user, data=data, kind=Event.Kind.IMPORTED)
                summary.add("created", number, pledge, sheet)
            elif _same(pledge, data):
                summary.add("unchanged", number, pledge, sheet)
            else:
                pledge = services.pledge_update(
                    user=user, pledge=pledge, data=data, expected_version=pledge.version, kind=Event.Kind.IMPORTED
                )
                summary.add("updated", number, pledge, sheet)
        if pending.plan is not None:
            _save_items(user, pending.plan, pending.items, summary)
    except ValidationError as exc:
        raise ValidationError([f"{sheet}: {m}" for m in exc.messages]) from exc


COMPARED = [f for f in services.ITEM_FIELDS if f in {name for name, _label, _w in ITEM_COLUMNS}] + [
    "objectives",
    "actions",
]


def _item_content(data):
    """A row in the history's terms (the columns the sheet has), to tell whether anything changed."""
    plain = {f: services._plain(data[f]) for f in COMPARED if f not in ("objectives", "actions")}
    return {
        **plain,
        "objectives": sorted(o.number for o in data["objectives"]),
        "actions": sorted(a.code for a in data["actions"]),
    }


def _save_items(user, plan, rows, summary):
    sheet = str(ITEM_SHEET)
    by_priority = {i.priority.casefold(): str(i.key) for i in plan.items.all()}
    keys = {str(i.key) for i in plan.items.all()}
    items = []
    for _number, data in rows:
        key = data["key"] if data["key"] in keys else by_priority.get(data["priority"].casefold())
        items.append({**data, "key": key})
    current = [{k: row[k] for k in COMPARED} for row in services.snapshot(plan)["items"]]
    if [_item_content(row) for row in items] == current:
        for number, data in rows:
            summary.add("unchanged", number, plan, sheet, title=data["priority"])
        return
    plan = services.plan_update(
        user=user, plan=plan, data={}, items=items, expected_version=plan.version, kind=Event.Kind.IMPORTED
    )
    for (number, data), item in zip(rows, items, strict=True):
        summary.add("updated" if item["key"] else "created", number, plan, sheet, title=data["priority"])


class PledgeSheets:
    """The part `commitments.workbook` calls (see `commitments.extensions.WORKBOOK_SHEETS`)."""

    write = staticmethod(write_sheets)
    instructions = staticmethod(instructions)
    read = staticmethod(read_sheets)
    save = staticmethod(save_sheets)
