"""A finalised version's files, from its content snapshot (plain data): DOCX and PDF.

DOCX (python-docx): real Heading 1/2 styles, one table per objective, and the record
identifiers. python-docx has no footnote API, so each table row's note number links (an
internal hyperlink) to a bookmark in a numbered "Notes" section that carries the record's
identifier; Word and LibreOffice both follow such links and keep them editable.
PDF (WeasyPrint): the same document as HTML, fetching nothing, with the Noto fonts the system
set-up installs for Arabic and Chinese.
"""

from django.template.loader import render_to_string
from django.utils import translation
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import _Cell

from . import markdown

RTL_LANGUAGES = ("ar",)
NUMBERED = {"methodology": "1", "policy": "2", "objective": "3", "means": "4", "challenges": "5"}


# --- Notes: one per record cited, numbered in order of first citation -----------------------------


class Notes:
    def __init__(self):
        self.numbers, self.records = {}, []

    def number(self, record):
        if record["id"] not in self.numbers:
            self.records.append(record)
            self.numbers[record["id"]] = len(self.records)
        return self.numbers[record["id"]]


def notes_of(content):
    notes = Notes()
    for section in content["sections"]:
        for record in section["records"]:
            notes.number(record)
    return notes


def heading_text(section):
    prefix = NUMBERED.get(section["kind"])
    if section["kind"] == "objective":
        return section["heading"]
    return f"{prefix}. {section['heading']}" if prefix else section["heading"]


# --- DOCX -----------------------------------------------------------------------------------------


def _bookmark(paragraph, name, bookmark_id):
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(bookmark_id))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(bookmark_id))
    paragraph._p.insert(0, start)
    paragraph._p.append(end)


def _internal_link(paragraph, text, anchor):
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), anchor)
    run = OxmlElement("w:r")
    text_element = OxmlElement("w:t")
    text_element.text = text
    run.append(text_element)
    link.append(run)
    paragraph._p.append(link)


def _styles(document):
    """{style name: style id}, looked up once: python-docx resolves a style name by walking every
    style on each call (30 s of 150 s for a review of 40,000 records)."""
    names = ["List Bullet", "List Number", "Quote", *(f"Heading {n}" for n in range(1, 10))]
    return {name: document.styles[name].style_id for name in names}


def _paragraph(document, style_id=None):
    paragraph = document.add_paragraph()
    if style_id:
        paragraph._p.style = style_id
    return paragraph


def _markdown_to_docx(document, text, styles):
    """Headings, paragraphs, lists, quotes and code of a narrative, as Word paragraphs (text only:
    nothing of the Markdown is interpreted as markup other than these)."""
    style, list_styles = None, []
    for token in markdown.tokens(text):
        kind = token.type
        if kind == "heading_open":
            style = f"Heading {min(max(int(token.tag[1]) + 1, 3), 9)}"  # below the section headings
        elif kind == "bullet_list_open":
            list_styles.append("List Bullet")
        elif kind == "ordered_list_open":
            list_styles.append("List Number")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            list_styles.pop()
        elif kind == "blockquote_open":
            style = "Quote"
        elif kind in ("fence", "code_block"):
            _paragraph(document).add_run(token.content)
        elif kind == "inline":
            name = style or (list_styles[-1] if list_styles else None)
            _inline(_paragraph(document, styles.get(name)), token.children or [])
        elif kind in ("heading_close", "blockquote_close"):
            style = None


def _inline(paragraph, children):
    """The runs of one paragraph: consecutive text of the same formatting becomes ONE run (a
    narrative citing a hundred records would otherwise make hundreds of runs per paragraph, and
    python-docx pays for each), with bold and italic set only where they apply."""
    runs = []  # [text, bold, italic]
    bold = italic = False
    href = None

    def add(text):
        if runs and runs[-1][1:] == [bold, italic]:
            runs[-1][0] += text
        else:
            runs.append([text, bold, italic])

    for child in children:
        kind = child.type
        if kind in ("strong_open", "strong_close"):
            bold = kind == "strong_open"
        elif kind in ("em_open", "em_close"):
            italic = kind == "em_open"
        elif kind == "link_open":
            href = child.attrs.get("href")
        elif kind == "link_close":
            if href and not href.startswith("#"):
                add(f" ({href})")
            href = None
        elif kind in ("softbreak", "hardbreak"):
            add(" " if kind == "softbreak" else "\n")
        elif kind in ("text", "code_inline"):
            add(child.content)
    for text, is_bold, is_italic in runs:
        run = paragraph.add_run(text)
        if is_bold:
            run.bold = True
        if is_italic:
            run.italic = True


def _new_row(table):
    """The cells of a new last row. python-docx's `row.cells` walks the whole table to find merged
    cells, so filling a table row by row that way is quadratic (135 s for 4,300 rows)."""
    row = table.add_row()
    return [_Cell(tc, table) for tc in row._tr.tc_lst]


def _objective_table(document, section, notes, headings):
    columns = [headings["measure"], headings["action"], headings["status"], headings["results"], headings["note"]]
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, label in zip(table.rows[0].cells, columns, strict=True):
        cell.text = label
        cell.paragraphs[0].runs[0].bold = True
    if not section["records"]:
        row = table.add_row().cells
        merged = row[0].merge(row[-1])
        merged.text = headings["no_evidence"]
        return table
    for record in section["records"]:
        number = notes.number(record)
        results = "; ".join(
            f"{r['indicator']}: {r['value']} {r['unit']} ({r['year']})" for r in record.get("results", [])
        )
        cells = _new_row(table)
        cells[0].text, cells[1].text, cells[2].text, cells[3].text = (
            record["title"],
            record["action"],
            record["status_label"],
            results,
        )
        _internal_link(cells[4].paragraphs[0], f"[{number}]", f"note_{number}")
    return table


def write_docx(content, path):
    document = Document()
    document.core_properties.title = content["title"]
    document.core_properties.language = content["language"]
    document.styles["Normal"].font.size = Pt(11)
    headings = content["headings"]
    notes = Notes()
    styles = _styles(document)
    document.add_heading(content["title"], level=0)
    document.add_paragraph(f"{content['state']} · {content['milestone']}")
    document.add_paragraph(headings["version"] % {"n": content["version"], "day": content["finalised_on"]})
    objectives_started = False
    for section in content["sections"]:
        if section["kind"] == "objective":
            if not objectives_started:
                document.add_heading(f"3. {headings['objectives']}", level=1)
                objectives_started = True
            document.add_heading(heading_text(section), level=2)
            _markdown_to_docx(document, section["narrative"], styles)
            _objective_table(document, section, notes, headings)
            continue
        document.add_heading(heading_text(section), level=1)
        _markdown_to_docx(document, section["narrative"], styles)
        if section["kind"] == "annex":
            _annex_table(document, section, notes, headings)
    _stakeholder_views(document, content, styles)
    _notes_section(document, notes, headings)
    if content["language"] in RTL_LANGUAGES:
        _right_to_left(document)
    document.save(path)


def _annex_table(document, section, notes, headings):
    rows = section.get("annex_records") or []
    if not rows:
        return
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, label in zip(
        table.rows[0].cells,
        [headings["note"], headings["measure"], headings["action"], headings["status"]],
        strict=True,
    ):
        cell.text = label
    for record in rows:
        cells = _new_row(table)
        number = notes.number(record)
        _internal_link(cells[0].paragraphs[0], f"[{number}]", f"note_{number}")
        cells[1].text, cells[2].text, cells[3].text = record["title"], record["action"], record["status_label"]


def _stakeholder_views(document, content, styles):
    views = content["stakeholder_views"]
    if not views:
        return
    document.add_heading(content["headings"]["stakeholder_views"], level=1)
    for view in views:
        document.add_heading(f"{view['organisation']} · {view['section']} · {view['decision_label']}", level=3)
        _markdown_to_docx(document, view["text"], styles)


def _notes_section(document, notes, headings):
    if not notes.records:
        return
    document.add_heading(headings["notes"], level=1)
    for number, record in enumerate(notes.records, start=1):
        paragraph = document.add_paragraph()
        paragraph.add_run(f"[{number}] {record['id']} – {record['title']} ({record['action']})")
        _bookmark(paragraph, f"note_{number}", 1000 + number)


def _right_to_left(document):
    for paragraph in document.paragraphs:
        paragraph.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph._p.get_or_add_pPr().append(OxmlElement("w:bidi"))


# --- PDF ------------------------------------------------------------------------------------------


def _no_fetch(url, *args, **kwargs):
    raise ValueError(f"The PDF fetches nothing: {url}")


def document_context(content):
    notes = notes_of(content)
    sections = []
    for section in content["sections"]:
        rows = [{**r, "note": notes.number(r)} for r in section["records"]]
        annex = [{**r, "note": notes.number(r)} for r in section.get("annex_records") or []]
        sections.append(
            {
                **section,
                "title": heading_text(section),
                "html": markdown.to_html(section["narrative"], heading_level=4),
                "rows": rows,
                "annex_rows": annex,
            }
        )
    views = [{**v, "html": markdown.to_html(v["text"], heading_level=4)} for v in content["stakeholder_views"]]
    notes_rows = [{"number": n, **r} for n, r in enumerate(notes.records, start=1)]
    return {
        "c": content,
        "h": content["headings"],
        "sections": sections,
        "views": views,
        "notes": notes_rows,
        "rtl": content["language"] in RTL_LANGUAGES,
        "version_line": content["headings"]["version"] % {"n": content["version"], "day": content["finalised_on"]},
    }


def write_pdf(content, path):
    from weasyprint import HTML

    with translation.override(content["language"]):
        markup = render_to_string("reviews/document.html", document_context(content))
    HTML(string=markup, url_fetcher=_no_fetch).write_pdf(path)
