"""The workbook: one sheet per table, text neutralised against formula injection."""

from openpyxl import Workbook
from openpyxl.styles import Font

from .neutralise import cell


def render(report, content, path):
    from ..reports import tables

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, _heading, columns, rows in tables(content):
        sheet = workbook.create_sheet(title=name[:31])
        sheet.append(columns)
        for header in sheet[1]:
            header.font = Font(bold=True)
        for row in rows:
            sheet.append([cell(value) for value in row])
        sheet.freeze_panes = "A2"
    workbook.save(path)
