"""The workbook of a report: one sheet per table, written with the shared streaming writer
(commitments.spreadsheet) into spooled sheet files, then zipped. The data annex has a row per
record (hundreds of thousands in a global report); memory does not grow with the rows.
"""

import os
import tempfile
import zipfile

from commitments.spreadsheet import Sheet, write_parts

from ..report_layout import stream_tables, tables
from .data import add_file


def render(report, content, path):
    with tempfile.TemporaryDirectory(prefix="xlsx-", dir=os.path.dirname(path) or None) as directory:
        sheets, streamed = [], {}
        for key, name, _heading, columns, rows in tables(content):
            sheet = Sheet(os.path.join(directory, f"sheet{len(sheets) + 1}.xml"), columns)
            sheets.append((name[:31], sheet))
            if rows is None:
                streamed[key] = sheet
                continue
            for row in rows:
                sheet.append(row)
            sheet.close()
        try:
            for key, row in stream_tables(content):
                streamed[key].append(row)
        finally:
            for sheet in streamed.values():
                sheet.close()
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            write_parts(archive, [name for name, _sheet in sheets])
            for i, (_name, sheet) in enumerate(sheets, start=1):
                add_file(archive, f"xl/worksheets/sheet{i}.xml", sheet.path)
