"""Workbooks (XLSX) written as SpreadsheetML directly, row by row: for the evidence exports
(streamed to the client as they are written) and the compiled reports (reporting.render.xlsx).

openpyxl, even in write-only mode, builds a cell object per value (about 7,000 rows a second
here: a minute for 400,000 rows) and cannot write to a socket. This writer costs a fraction of
that, and its memory does not grow with the rows. The output is a plain workbook (inline
strings, a bold header row, the header frozen) that Excel, LibreOffice and openpyxl read. Text
is cleaned of the characters XML forbids and neutralised against formulas (a leading
apostrophe), as in every other export.
"""

import re
import zipfile
from xml.sax.saxutils import escape

from .exports import FORMULA_PREFIXES, neutralise

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
COMPRESS_LEVEL = 1  # fast; the sheets still shrink to about a fifth

# Characters XML 1.0 does not allow (openpyxl refuses them too); dropped from cell text.
# A literal CR would be folded into LF by every XML parser: written as a character reference, as
# openpyxl does, it reads back as CR.
_CR = {"\r": "&#13;"}
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_ROWS = 1_048_576  # a worksheet's limit

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>"
)
SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "{sheets}"
    '<Relationship Id="rIdStyles" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    "</sheetView></sheetViews><sheetData>"
)
SHEET_TAIL = "</sheetData></worksheet>"


def column_letter(index):
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value):
    return escape(_ILLEGAL.sub("", value), _CR)


class Sheet:
    """One worksheet written row by row into `handle` (anything with write(str)), or into a file
    at `path` that close() closes."""

    def __init__(self, path, columns, handle=None):
        self.path = path
        self.owned = handle is None
        self.handle = open(path, "w", encoding="utf-8") if handle is None else handle  # noqa: SIM115 - close()
        self.handle.write(SHEET_HEAD)
        self.letters = [column_letter(i) for i in range(len(columns))]
        self.rows = 0
        self.append(columns, style=' s="1"')

    def append(self, values, style=""):
        """One row; text is neutralised as in the open data (commitments.exports.neutralise) and
        escaped. The hot loop of a large report, hence the inlined type dispatch."""
        if self.rows >= MAX_ROWS:
            raise ValueError(f"A worksheet holds at most {MAX_ROWS:,} rows.")
        self.rows += 1
        n = self.rows
        cells = []
        for letter, value in zip(self.letters, values, strict=False):
            kind = type(value)
            if kind is str:
                if not value:
                    continue
                value = _ILLEGAL.sub("", value)  # cleaned first, so "\x07=..." is neutralised too
                if value.startswith(FORMULA_PREFIXES):
                    value = "'" + value
                text = escape(value, _CR)
                cells.append(f'<c r="{letter}{n}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
            elif kind is bool:
                cells.append(f'<c r="{letter}{n}"{style} t="b"><v>{int(value)}</v></c>')
            elif kind is int or kind is float:
                cells.append(f'<c r="{letter}{n}"{style}><v>{value}</v></c>')
            elif value is not None:
                text = _text(str(neutralise(value)))
                cells.append(f'<c r="{letter}{n}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
        self.handle.write(f'<row r="{n}">{"".join(cells)}</row>')

    def close(self):
        self.handle.write(SHEET_TAIL)
        if self.owned:
            self.handle.close()


def package_parts(names):
    """{zip member: text} of a workbook's fixed parts for worksheets named `names` (sheet1.xml ...)."""
    count = len(names)
    return {
        "[Content_Types].xml": CONTENT_TYPES.format(
            sheets="".join(SHEET_TYPE.format(n=i) for i in range(1, count + 1))
        ),
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK.format(
            sheets="".join(
                f'<sheet name="{escape(name[:31], {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                for i, name in enumerate(names, start=1)
            )
        ),
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS.format(
            sheets="".join(
                f'<Relationship Id="rId{i}" '
                'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                f'Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, count + 1)
            )
        ),
        "xl/styles.xml": STYLES,
    }


def member_info(name, level=COMPRESS_LEVEL):
    """A zip member with a fixed timestamp and mode, deflated at `level` (fast)."""
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info._compresslevel = level  # read by ZipFile.open(info, "w"); compress_level from Python 3.13
    return info


def write_parts(archive, names):
    """Write the fixed parts of a workbook with worksheets `names` into a zip."""
    for name, text in package_parts(names).items():
        archive.writestr(member_info(name), text.encode("utf-8"))


class _Encoder:
    """A text handle over a binary zip member, for Sheet."""

    def __init__(self, member):
        self.member = member

    def write(self, text):
        self.member.write(text.encode("utf-8"))


class _Sink:
    """An unseekable output that hands back what was written so far (zipfile then writes each
    member with a data descriptor, so a zip can be produced as it streams)."""

    def __init__(self):
        self.parts = []

    def write(self, data):
        self.parts.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def take(self):
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def stream_workbook(sheet_name, columns, row_chunks):
    """A one-sheet workbook as bytes, produced while `row_chunks` (lists of rows) are read: the
    first bytes leave before the last row is read, and memory holds one chunk. The sheet is the
    last member of the zip, written with a data descriptor (Excel, LibreOffice, openpyxl read it)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        write_parts(archive, [sheet_name])
        with archive.open(member_info("xl/worksheets/sheet1.xml"), "w") as member:
            sheet = Sheet(None, columns, handle=_Encoder(member))
            yield sink.take()
            for chunk in row_chunks:
                for row in chunk:
                    sheet.append(row)
                yield sink.take()
            sheet.close()
    yield sink.take()
