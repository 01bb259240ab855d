"""Bulk entry by XLSX workbook: build the template, read it back, import it as drafts.

A reporting entity downloads a workbook pre-filled with the 187 actions (and with its drafts
imported earlier), fills it offline and uploads it. The upload is read completely first; every
problem is collected as (row, column, message) and, if there is any, nothing is written. Only
a clean workbook is imported, in one transaction, through `commitments.services`, so the
history, permissions and checks are the same as for the forms.

A row is matched to an existing draft by its Record ID cell, or else by (primary action, title)
among the entity's draft and returned records, so uploading the same workbook twice creates no
duplicates; a row whose content did not change makes no new version.
"""

import datetime
import io
import re
import uuid
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field

import openpyxl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from . import extensions, permissions, services
from .indicators import evidence as framework_links
from .models import (
    Action,
    Evidence,
    EvidenceEvent,
    GuidingPrinciple,
    MemberState,
    Organisation,
    StakeholderType,
    TargetGroup,
)

FORMAT_VERSION = 1
MARKER_RE = re.compile(r"^gcm-evidence/(\d+) (state|organisation):([A-Za-z0-9]+)$")
# Room for more than one measure per action: validations reach this many rows past the actions.
EXTRA_ROWS = 200
MAX_ROWS = 5000
# A small .xlsx can unzip to gigabytes; refuse before openpyxl expands it.
MAX_UNZIPPED_MB = 200
EDITABLE = (Evidence.ReviewState.DRAFT, Evidence.ReviewState.RETURNED)
TITLE_MAX = Evidence._meta.get_field("title").max_length
LINK_MAX = 500

SHEET_EVIDENCE = gettext_lazy("Evidence")
SHEET_INSTRUCTIONS = gettext_lazy("Instructions")
SHEET_LISTS = gettext_lazy("Lists")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    required: bool = True


COLUMNS = [
    Column("action", gettext_lazy("Action code"), 11),
    Column("objective", gettext_lazy("Objective"), 28, required=False),
    Column("action_text", gettext_lazy("Action text"), 60, required=False),
    Column("record", gettext_lazy("Record ID"), 12),
    Column("title", gettext_lazy("Title"), 40),
    Column("description", gettext_lazy("Description"), 60),
    Column("status", gettext_lazy("Status"), 24),
    Column("level", gettext_lazy("Level"), 12),
    Column("start_date", gettext_lazy("Start date"), 12),
    Column("end_date", gettext_lazy("End date"), 12),
    Column("other_actions", gettext_lazy("Other actions"), 16),
    Column("principles", gettext_lazy("Guiding principles"), 16),
    Column("partners", gettext_lazy("Partners"), 30),
    Column("groups_reached", gettext_lazy("Groups reached"), 30),
    Column("links", gettext_lazy("Links"), 40),
    Column("challenges", gettext_lazy("Challenges"), 40),
    Column("good_practice", gettext_lazy("Good practice"), 13),
    # Optional (older workbooks lack it): the SDG targets the measure contributes to, by code.
    Column("sdg_targets", gettext_lazy("SDG targets"), 16, required=False),
]
COLUMN = {c.key: c for c in COLUMNS}
CONTENT_KEYS = [c.key for c in COLUMNS if c.key not in ("action", "objective", "action_text", "record")]
# Which workbook column a service's ValidationError field belongs to.
FIELD_COLUMN = {"primary_action": "action", "__all__": "title"}

YES, NO = gettext_lazy("Yes"), gettext_lazy("No")


class WorkbookRefused(Exception):
    """The file as a whole cannot be read as this entity's workbook; one plain message."""

    def __init__(self, message):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str
    sheet: str = ""  # "" is the Evidence sheet; other apps' sheets (extensions.WORKBOOK_SHEETS) name theirs


class WorkbookProblems(Exception):
    """Rows with problems; nothing was imported."""

    def __init__(self, problems):
        self.problems = sorted(problems, key=lambda p: (p.sheet, p.row))
        super().__init__(f"{len(self.problems)} problem(s) in the workbook")


def _all_languages(text):
    """The string in each of the site's languages, so a workbook downloaded in French reads back anywhere."""
    names = {str(text)}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.add(str(text))
    return names


def _stored_name_in_all_languages(name):
    """A name stored in English and translated at display time (gettext), in each language."""
    names = {name}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.add(translation.gettext(name))
    return names


def _fold(value):
    return " ".join(str(value).split()).casefold()


def _marker(entity):
    kind, key = ("state", entity.iso3) if isinstance(entity, MemberState) else ("organisation", entity.pk)
    return f"gcm-evidence/{FORMAT_VERSION} {kind}:{key}"


def file_name(entity):
    key = entity.iso3 if isinstance(entity, MemberState) else f"organisation-{entity.pk}"
    return f"gcm-evidence-{key}-{datetime.date.today():%Y-%m-%d}.xlsx"


# --- Building the template ------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="00558C")
LOCKED_FILL = PatternFill("solid", fgColor="E7EAED")
HEADER_FONT = Font(bold=True, color="FFFFFF")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")


def _put(cell, value):
    """Write a value; text that looks like a formula stays text (no formula injection)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"
    return cell


def _imported_drafts(user):
    """The entity's draft/returned records that came from a workbook, by primary action."""
    imported = EvidenceEvent.objects.filter(kind=EvidenceEvent.Kind.IMPORTED).values("record")
    rows = (
        _editable(user)
        .filter(record__in=imported)
        .order_by("primary_action_id", "id")
        .prefetch_related(
            "other_actions", "principles", "partners", "groups_reached", "links", "framework_targets__item"
        )
    )
    by_action = defaultdict(list)
    for evidence in rows:
        by_action[evidence.primary_action_id].append(evidence)
    return by_action


def _row_values(evidence):
    """An existing draft as workbook cells, in the same forms the reader accepts."""
    return {
        "record": str(evidence.record),
        "title": evidence.title,
        "description": evidence.description,
        "status": str(evidence.get_status_display()),
        "level": str(evidence.get_level_display()),
        "start_date": evidence.start_date,
        "end_date": evidence.end_date,
        "other_actions": "; ".join(sorted(a.code for a in evidence.other_actions.all())),
        "principles": ";".join(sorted(p.letter for p in evidence.principles.all())),
        "partners": "; ".join(str(p) for p in evidence.partners.all()),
        "groups_reached": "; ".join(str(g) for g in evidence.groups_reached.all()),
        "links": "\n".join(link.url for link in evidence.links.all()),
        "challenges": evidence.challenges,
        "good_practice": str(YES if evidence.good_practice else NO),
        "sdg_targets": "; ".join(link.item.code for link in evidence.framework_targets.all()),
    }


def _write_row(ws, row, action, values):
    for index, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=row, column=index)
        if column.key == "action":
            _put(cell, action.code).fill = LOCKED_FILL
        elif column.key == "objective":
            _put(cell, f"{action.objective.number}. {action.objective.title}").fill = LOCKED_FILL
        elif column.key == "action_text":
            _put(cell, action.text).fill = LOCKED_FILL
        elif values.get(column.key) not in (None, ""):
            _put(cell, values[column.key])
        if column.key in ("start_date", "end_date"):
            cell.number_format = "yyyy-mm-dd"
        cell.alignment = WRAP if column.width >= 28 else TOP


def _evidence_sheet(ws, user):
    ws.title = str(SHEET_EVIDENCE)
    for index, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=index, value=str(column.header))
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "B2"
    drafts = _imported_drafts(user)
    actions = list(Action.objects.select_related("objective").order_by("objective__number", "letter"))
    extra = []
    for row, action in enumerate(actions, start=2):
        mine = drafts.get(action.pk, [])
        _write_row(ws, row, action, _row_values(mine[0]) if mine else {})
        extra += [(action, evidence) for evidence in mine[1:]]
    for row, (action, evidence) in enumerate(extra, start=len(actions) + 2):
        _write_row(ws, row, action, _row_values(evidence))
    # The Record ID column is grouped and folded: it links a row to its draft, people need not see it.
    record = get_column_letter(_index("record"))
    ws.column_dimensions.group(record, record, hidden=True)
    return len(actions) + len(extra) + 1


def _index(key):
    return [c.key for c in COLUMNS].index(key) + 1


def _lists_sheet(wb):
    ws = wb.create_sheet(str(SHEET_LISTS))
    lists = [
        (_("Status"), [str(label) for label in Evidence.Status.labels]),
        (_("Level"), [str(label) for label in Evidence.Level.labels]),
        (_("Good practice"), [str(YES), str(NO)]),
        (_("Guiding principle (letter)"), [p.letter for p in GuidingPrinciple.objects.all()]),
        (_("Guiding principle"), [p.name for p in GuidingPrinciple.objects.all()]),
        (_("Partners"), [str(t) for t in StakeholderType.objects.all()]),
        (_("Partners (short name)"), [t.slug for t in StakeholderType.objects.all()]),
        (_("Groups reached"), [str(g) for g in TargetGroup.objects.all()]),
        (_("Groups reached (short name)"), [g.slug for g in TargetGroup.objects.all()]),
    ]
    ranges = {}
    for index, (header, values) in enumerate(lists, start=1):
        letter = get_column_letter(index)
        head = ws.cell(row=1, column=index, value=header)
        head.font, head.fill = HEADER_FONT, HEADER_FILL
        for row, value in enumerate(values, start=2):
            _put(ws.cell(row=row, column=index), value)
        ws.column_dimensions[letter].width = max([len(header)] + [len(v) for v in values]) + 2
        ranges[index] = f"'{ws.title}'!${letter}$2:${letter}${len(values) + 1}"
    ws.freeze_panes = "A2"
    return {"status": ranges[1], "level": ranges[2], "good_practice": ranges[3]}


def _validations(ws, ranges, last_row):
    """Drop-down lists for Status, Level and Good practice, down to the spare rows."""
    for key, source in ranges.items():
        letter = get_column_letter(_index(key))
        dv = DataValidation(type="list", formula1=source, allow_blank=True)
        dv.error = _("Choose a value from the list.")
        dv.errorTitle = str(COLUMN[key].header)
        dv.prompt = _("Choose from the list.")
        dv.add(f"{letter}2:{letter}{last_row + EXTRA_ROWS}")
        ws.add_data_validation(dv)


def instructions(entity):
    """The Instructions sheet's paragraphs, in plain words."""
    return [
        _("How to report evidence with this workbook"),
        _("This workbook was made for: %(entity)s. It cannot be uploaded for another State or organisation.")
        % {"entity": entity},
        _(
            "The sheet 'Evidence' has one row for each of the 187 actions of the compact. Fill in the rows of the "
            "actions you have evidence for, one measure per row, and leave the other rows empty."
        ),
        _(
            "A row is imported only if its Title is filled. A row without a title means 'no evidence' for that "
            "action; it is never counted as zero."
        ),
        _("In every row with a title, Description, Status and Level are required. The other columns are optional."),
        _(
            "Status, Level and Good practice: choose from the drop-down list. Start date and End date: type a date, "
            "for example 2024-03-31. The end date cannot be before the start date."
        ),
        _(
            "Other actions: codes such as 13(h), separated by ';'. Guiding principles: letters a to j separated by "
            "';', for example f;h. Partners and Groups reached: names or short names from the sheet 'Lists', "
            "separated by ';'. Links: web addresses starting with https:// or http://, separated by spaces or ';'."
        ),
        _(
            "More than one measure for the same action: add a row below the last one and type the action code in "
            "its first column."
        ),
        _("Type values, not formulas: a cell containing a formula is refused."),
        _(
            "When you upload, the whole workbook is checked first. If any row has a problem, nothing is imported: "
            "you see every problem with its row and column, correct them and upload again. If there is no problem, "
            "all the filled rows are imported at once."
        ),
        _(
            "Imported records are drafts: only your colleagues and the secretariat can see them. Check them in your "
            "workspace and submit them for review when they are ready."
        ),
        _(
            "Uploading again updates the same drafts instead of creating new ones; rows that did not change are "
            "left as they are. The folded column 'Record ID' links a row to its draft: do not change it. Download "
            "a new workbook to see your imported drafts filled in. A record already submitted or validated cannot "
            "be changed by an upload."
        ),
        _("Clearing a row does not delete its draft: withdraw the draft in your workspace instead."),
        *(paragraph for part in extensions.WORKBOOK_SHEETS for paragraph in part.instructions(entity)),
    ]


def _instructions_sheet(wb, entity):
    ws = wb.create_sheet(str(SHEET_INSTRUCTIONS), 1)
    ws.column_dimensions["A"].width = 110
    ws.column_dimensions["B"].width = 30
    paragraphs = instructions(entity)
    ws.cell(row=1, column=1, value=paragraphs[0]).font = Font(bold=True, size=14)
    for row, text in enumerate(paragraphs[1:], start=3):
        _put(ws.cell(row=row, column=1), text).alignment = WRAP
    row = len(paragraphs) + 3
    ws.cell(row=row, column=1, value=_("Workbook format and reporting entity (do not change):")).font = Font(bold=True)
    ws.cell(row=row, column=2, value=_marker(entity))


def build_workbook(user):
    """The workbook for the user's own entity, as XLSX bytes."""
    entity = permissions.can_record_for(user)
    if entity is None:
        raise PermissionDenied(_("Only people reporting for a Member State or an organisation can use workbooks."))
    wb = openpyxl.Workbook()
    ws = wb.active
    last_row = _evidence_sheet(ws, user)
    _instructions_sheet(wb, entity)
    _validations(ws, _lists_sheet(wb), last_row)
    for part in extensions.WORKBOOK_SHEETS:
        part.write(wb, user, entity)
    wb.active = 0
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- Reading a workbook ---------------------------------------------------------------------------


class Lookups:
    """The framework's vocabularies, loaded once per upload, keyed by every accepted spelling."""

    def __init__(self):
        self.actions = {a.code: a for a in Action.objects.all()}
        principles = list(GuidingPrinciple.objects.all())
        self.principles = {p.letter: p for p in principles} | {_fold(p.name): p for p in principles}
        self.partners = self._named(StakeholderType.objects.all())
        self.groups = self._named(TargetGroup.objects.all())
        self.status = self._choices(Evidence.Status)
        self.level = self._choices(Evidence.Level)
        self.yes_no = {_fold(s): True for s in _all_languages(YES) | {"y", "true", "1"}}
        self.yes_no |= {_fold(s): False for s in _all_languages(NO) | {"n", "false", "0"}}
        self.sdg_targets = set(framework_links.sdg_items("target").values_list("code", flat=True))

    @staticmethod
    def _named(queryset):
        rows = list(queryset)
        # Names as listed in any of the six languages (stored in English, shown translated).
        named = {_fold(name): r for r in rows for name in _stored_name_in_all_languages(r.name)}
        return named | {_fold(r.slug): r for r in rows}

    @staticmethod
    def _choices(choices):
        found = {}
        for value, label in zip(choices.values, choices.labels, strict=True):
            found[_fold(value)] = value
            found |= {_fold(name): value for name in _all_languages(label)}
        return found


def _open(upload):
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if upload.size > limit:
        raise WorkbookRefused(
            _("The file is %(size).1f MB; a workbook can be at most %(limit)s MB.")
            % {"size": upload.size / 1048576, "limit": settings.MAX_UPLOAD_MB}
        )
    not_a_workbook = _("This file is not an Excel workbook (.xlsx). Download the template and fill it in.")
    try:
        upload.seek(0)
        unzipped = sum(member.file_size for member in zipfile.ZipFile(upload).infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WorkbookRefused(not_a_workbook) from exc
    if unzipped > MAX_UNZIPPED_MB * 1024 * 1024:
        raise WorkbookRefused(
            _("This workbook holds too much data to be read (more than %(limit)s MB once unpacked).")
            % {"limit": MAX_UNZIPPED_MB}
        )
    try:
        upload.seek(0)
        return openpyxl.load_workbook(upload, data_only=False)
    except Exception as exc:
        # openpyxl raises many kinds of error for files it cannot read (zip, XML, key, value ...);
        # to the person uploading they all mean the same thing.
        raise WorkbookRefused(not_a_workbook) from exc


def _sheet(wb, name):
    names = _all_languages(name)
    return next((ws for ws in wb.worksheets if ws.title in names), None)


def _check_marker(wb, entity):
    """The workbook says which entity it was made for; it must be the uploader's."""
    ws = _sheet(wb, SHEET_INSTRUCTIONS)
    found = None
    if ws is not None:
        for row in ws.iter_rows(max_row=200, max_col=5, values_only=True):
            found = found or next((m for v in row if isinstance(v, str) and (m := MARKER_RE.match(v.strip()))), None)
    if found is None:
        raise WorkbookRefused(
            _(
                "This workbook has lost the line on its Instructions sheet that says whom it was made for. "
                "Download the template from this page and fill it in."
            )
        )
    if int(found.group(1)) != FORMAT_VERSION:
        raise WorkbookRefused(_("This workbook is in an older format. Download a new one from this page."))
    if found.group(0) != _marker(entity):
        raise WorkbookRefused(
            _(
                "This workbook was made for %(other)s, and you report for %(entity)s. "
                "Nothing was imported: download your own workbook from this page."
            )
            % {"other": _owner_name(found.group(2), found.group(3)), "entity": entity}
        )


def _owner_name(kind, key):
    if kind == "state":
        owner = MemberState.objects.filter(iso3=key.upper()).first()
    else:
        owner = Organisation.objects.filter(pk=int(key)).first() if key.isdigit() else None
    return str(owner) if owner else _("another reporting entity")


def _header_map(ws):
    """Column number of each expected header; refuse naming the missing ones."""
    known = {}
    for column in COLUMNS:
        known |= {_fold(name): column.key for name in _all_languages(column.header)}
    found = {}
    for cell in next(ws.iter_rows(min_row=1, max_row=1), ()):
        key = known.get(_fold(cell.value)) if isinstance(cell.value, str) else None
        if key and key not in found:
            found[key] = cell.column
    missing = [str(c.header) for c in COLUMNS if c.required and c.key not in found]
    if missing:
        raise WorkbookRefused(
            _("The sheet '%(sheet)s' has no column %(columns)s in its first row. Download the template and fill it in.")
            % {"sheet": ws.title, "columns": ", ".join(f"'{name}'" for name in missing)}
        )
    return found


def _evidence_rows(wb):
    ws = _sheet(wb, SHEET_EVIDENCE)
    if ws is None:
        raise WorkbookRefused(
            _("The workbook has no sheet named '%(sheet)s'. Download the template and fill it in.")
            % {"sheet": SHEET_EVIDENCE}
        )
    columns = _header_map(ws)
    if ws.max_row > MAX_ROWS:
        raise WorkbookRefused(
            _("The sheet '%(sheet)s' has %(rows)s rows; a workbook can have at most %(limit)s.")
            % {"sheet": ws.title, "rows": ws.max_row, "limit": MAX_ROWS}
        )
    for cells in ws.iter_rows(min_row=2):
        by_column = {cell.column: cell for cell in cells if hasattr(cell, "column")}
        if cells and any(cell.value not in (None, "") for cell in cells):
            yield cells[0].row, {key: by_column.get(number) for key, number in columns.items()}


@dataclass
class Row:
    """One filled row, read and checked: what the services will be given."""

    number: int
    record: uuid.UUID | None
    data: dict
    problems: list = field(default_factory=list)


class RowReader:
    """Turns one row's cells into service data, noting every problem in plain words."""

    def __init__(self, number, cells, lookups):
        self.number, self.cells, self.lookups = number, cells, lookups
        self.problems = []

    def problem(self, key, message):
        problem = Problem(self.number, str(COLUMN[key].header), message)
        if problem not in self.problems:
            self.problems.append(problem)

    def raw(self, key):
        cell = self.cells.get(key)
        if cell is None:
            return None
        if cell.data_type == "f" or isinstance(cell.value, ArrayFormula | DataTableFormula):
            self.problem(key, _("This cell contains a formula; type the value instead."))
            return None
        if cell.data_type == "e":
            self.problem(key, _("This cell shows the error %(value)s; type the value instead.") % {"value": cell.value})
            return None
        return cell.value

    def text(self, key):
        value = self.raw(key)
        if value is None:
            return ""
        if isinstance(value, datetime.datetime | datetime.date):
            return value.isoformat()[:10]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def choice(self, key, table, choices):
        value = self.text(key)
        if not value:
            self.problem(key, _("Choose a value from the list."))
            return None
        if _fold(value) not in table:
            self.problem(
                key,
                _("'%(value)s' is not one of: %(allowed)s.")
                % {"value": value, "allowed": ", ".join(str(label) for label in choices.labels)},
            )
        return table.get(_fold(value))

    def date(self, key):
        value = self.raw(key)
        if value in (None, ""):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            self.problem(
                key, _("'%(value)s' is not a date; type it as a date, for example 2024-03-31.") % {"value": value}
            )
            return None

    def action(self, key, token):
        code = re.sub(r"\s+", "", token).lower()
        if re.fullmatch(r"\d{1,2}[a-z]{1,2}", code):
            code = re.sub(r"^(\d+)([a-z]+)$", r"\1(\2)", code)
        found = self.lookups.actions.get(code)
        if found is None:
            self.problem(
                key, _("'%(code)s' is not an action of the compact (codes look like 13(a)).") % {"code": token}
            )
        return found

    def many(self, key, table, message, separators=r"[;\n]+"):
        found = []
        for token in (t.strip() for t in re.split(separators, self.text(key))):
            if not token:
                continue
            item = table.get(_fold(token.strip("()")))
            if item is None:
                self.problem(key, message % {"value": token})
            elif item not in found:
                found.append(item)
        return found

    def links(self):
        urls, check = [], URLValidator(schemes=["http", "https"])
        for token in re.split(r"[;\s]+", self.text("links")):
            if not token:
                continue
            try:
                if len(token) > LINK_MAX:
                    raise ValidationError("too long")
                check(token)
            except ValidationError:
                self.problem(
                    "links",
                    _("'%(value)s' is not a web address; links must start with http:// or https://.")
                    % {"value": token[:80]},
                )
                continue
            if token not in urls:
                urls.append(token)
        return urls


def read_row(number, cells, lookups):
    """One row of the Evidence sheet as a Row, or None when it has no title (no evidence)."""
    r = RowReader(number, cells, lookups)
    title = r.text("title")
    if not title:
        if any(r.text(key) for key in CONTENT_KEYS):
            r.problem(
                "title",
                _("This row has content but no title. Add a title, or clear the row to leave the action without it."),
            )
        return Row(number, None, {}, r.problems) if r.problems else None
    if len(title) > TITLE_MAX:
        r.problem("title", _("The title has %(n)s characters; at most %(max)s.") % {"n": len(title), "max": TITLE_MAX})
    data = {"title": title, "description": r.text("description"), "challenges": r.text("challenges")}
    if not data["description"]:
        r.problem("description", _("A description is required when the row has a title."))
    code = r.text("action")
    data["primary_action"] = r.action("action", code) if code else None
    if not code:
        r.problem("action", _("The action code is missing."))
    data["status"] = r.choice("status", lookups.status, Evidence.Status)
    data["level"] = r.choice("level", lookups.level, Evidence.Level)
    data["start_date"], data["end_date"] = r.date("start_date"), r.date("end_date")
    if data["start_date"] and data["end_date"] and data["end_date"] < data["start_date"]:
        r.problem("end_date", _("The end date is before the start date."))
    data["other_actions"] = _other_actions(r, data["primary_action"])
    data["principles"] = r.many(
        "principles",
        lookups.principles,
        _("'%(value)s' is not a guiding principle; use the letters a to j (see the sheet 'Lists')."),
        separators=r"[;,\s]+",
    )
    data["partners"] = r.many(
        "partners", lookups.partners, _("'%(value)s' is not a partner listed on the sheet 'Lists'.")
    )
    data["groups_reached"] = r.many(
        "groups_reached", lookups.groups, _("'%(value)s' is not a group listed on the sheet 'Lists'.")
    )
    data["links"] = [{"url": url, "label": ""} for url in r.links()]
    data["good_practice"] = _good_practice(r)
    if "sdg_targets" in cells:  # a workbook without the column leaves the tags as they are
        data["sdg_targets"] = _sdg_targets(r)
    return Row(number, _record_id(r), data, r.problems)


def _sdg_targets(r):
    codes = framework_links.split_codes(r.text("sdg_targets"))
    for code in codes:
        if code not in r.lookups.sdg_targets:
            r.problem("sdg_targets", _("'%(value)s' is not an SDG target code (e.g. 10.7 or 10.c).") % {"value": code})
    return [code for code in codes if code in r.lookups.sdg_targets]


def _other_actions(r, primary):
    found = []
    for token in re.split(r"[;,\n]+", r.text("other_actions")):
        action = r.action("other_actions", token) if token.strip() else None
        if action is not None and action == primary:
            r.problem(
                "other_actions", _("%(code)s is this row's own action; list only other actions.") % {"code": action}
            )
        elif action is not None and action not in found:
            found.append(action)
    return found


def _good_practice(r):
    value = r.raw("good_practice")
    if isinstance(value, bool):
        return value
    text = r.text("good_practice")
    if not text:
        return False
    if _fold(text) not in r.lookups.yes_no:
        r.problem("good_practice", _("'%(value)s' is not Yes or No.") % {"value": text})
    return r.lookups.yes_no.get(_fold(text), False)


def _record_id(r):
    text = r.text("record")
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        r.problem("record", _("'%(value)s' is not a record ID; leave this column as downloaded.") % {"value": text})
        return None


# --- Matching rows to the entity's drafts ---------------------------------------------------------


def _editable(user):
    """The latest revisions of the user's entity that content may still change on (draft, returned)."""
    return Evidence.objects.filter(
        permissions.entity_filter(permissions.profile_of(user)), review_state__in=EDITABLE
    ).select_related("primary_action")


def _match(rows, user):
    """Each row's existing draft (or None to create one), and the problems found while matching."""
    drafts = list(
        _editable(user).prefetch_related(
            "other_actions", "principles", "partners", "groups_reached", "links", "framework_targets__item"
        )
    )
    by_record = {e.record: e for e in drafts}
    by_title = defaultdict(list)
    for evidence in sorted(drafts, key=lambda e: e.pk):
        by_title[(evidence.primary_action_id, _fold(evidence.title))].append(evidence)
    claimed, plan, problems = {}, [], []
    header = str(COLUMN["record"].header)
    for row in rows:
        current = None
        if row.record is not None:
            current = by_record.get(row.record)
            if current is None:
                problems.append(Problem(row.number, header, _not_a_draft_message()))
            elif current.pk in claimed:
                problems.append(
                    Problem(
                        row.number, header, _("The same Record ID is in row %(row)s.") % {"row": claimed[current.pk]}
                    )
                )
        else:
            action = row.data.get("primary_action")
            candidates = by_title.get((action.pk if action else None, _fold(row.data.get("title", ""))), [])
            current = next((e for e in candidates if e.pk not in claimed), None)
        if current is not None:
            claimed.setdefault(current.pk, row.number)
        plan.append((row, current))
    return plan, problems


def _not_a_draft_message():
    return _(
        "This Record ID is not one of your drafts or returned records (it may have been submitted since you "
        "downloaded the workbook). Clear the cell to record the row as a new draft."
    )


def _changes(current, data):
    """Only what differs from the saved draft; empty when the row is unchanged."""
    changed = {}
    for name in ("title", "description", "status", "level", "start_date", "end_date", "challenges", "good_practice"):
        if getattr(current, name) != data[name]:
            changed[name] = data[name]
    if current.primary_action_id != data["primary_action"].pk:
        changed["primary_action"] = data["primary_action"]
    for name in ("other_actions", "principles", "partners", "groups_reached"):
        if {o.pk for o in getattr(current, name).all()} != {o.pk for o in data[name]}:
            changed[name] = data[name]
    saved = list(current.links.all())
    if [link.url for link in saved] != [link["url"] for link in data["links"]]:
        labels = {link.url: link.label for link in saved}
        changed["links"] = [{"url": link["url"], "label": labels.get(link["url"], "")} for link in data["links"]]
    if "sdg_targets" in data and sorted(framework_links.target_codes_of(current)) != sorted(data["sdg_targets"]):
        changed["sdg_targets"] = data["sdg_targets"]
    return changed


# --- Importing ------------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    """What an import did, row by row: (row, object, sheet, title) in created / updated / unchanged."""

    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)

    def add(self, outcome, row, obj, sheet="", title=None):
        getattr(self, outcome).append((row, obj, sheet or str(SHEET_EVIDENCE), title or obj.title))

    def as_session(self):
        """Plain values for the page that shows the result after the redirect."""

        def items(rows):
            return [
                {"row": n, "title": title, "url": obj.get_absolute_url(), "sheet": sheet}
                for n, obj, sheet, title in rows
            ]

        return {"created": items(self.created), "updated": items(self.updated), "unchanged": items(self.unchanged)}


def _service_problems(row, exc):
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        problems = []
        for name, messages in exc.message_dict.items():
            column = COLUMN.get(FIELD_COLUMN.get(name, name), COLUMN["title"])
            problems += [Problem(row.number, str(column.header), str(m)) for m in messages]
        return problems
    message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    return [Problem(row.number, str(COLUMN["record"].header), message)]


def _save(user, plan, others):
    """Create or update every row of every sheet in one transaction; the first refusal undoes them all."""
    summary = ImportSummary()
    with transaction.atomic():
        for row, current in plan:
            try:
                if current is None:
                    data = {k: v for k, v in row.data.items() if v not in ([], None) or k in services.SCALAR_FIELDS}
                    evidence = services.evidence_create(user=user, data=data, kind=EvidenceEvent.Kind.IMPORTED)
                    summary.add("created", row.number, evidence)
                elif changes := _changes(current, row.data):
                    evidence = services.evidence_update(
                        user=user,
                        evidence=current,
                        data=changes,
                        expected_version=current.version,
                        reason=_("Imported from a workbook (row %(row)s)") % {"row": row.number},
                        kind=EvidenceEvent.Kind.IMPORTED,
                    )
                    summary.add("updated", row.number, evidence)
                else:
                    summary.add("unchanged", row.number, current)
            except (ValidationError, PermissionDenied, services.WorkflowError) as exc:
                raise WorkbookProblems(_service_problems(row, exc)) from exc
        for part, pending in others:
            try:
                part.save(user, pending, summary)
            except (ValidationError, PermissionDenied, services.WorkflowError) as exc:
                message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                raise WorkbookProblems([Problem(0, "", message)]) from exc
    return summary


def import_workbook(*, user, upload):
    """Read the upload completely, then import every filled row as a draft, or nothing.

    Raises WorkbookRefused (the file as a whole) or WorkbookProblems (row by row)."""
    entity = permissions.can_record_for(user)
    if entity is None:
        raise PermissionDenied(_("Only people reporting for a Member State or an organisation can import evidence."))
    wb = _open(upload)
    _check_marker(wb, entity)
    lookups = Lookups()
    rows = [row for number, cells in _evidence_rows(wb) if (row := read_row(number, cells, lookups))]
    plan, problems = _match(rows, user)
    problems += [p for row in rows for p in row.problems]
    others = [(part, part.read(wb, user, entity, problems)) for part in extensions.WORKBOOK_SHEETS]
    if problems:
        raise WorkbookProblems(problems)
    return _save(user, plan, [(part, pending) for part, pending in others if pending is not None])
