"""The data files: one CSV per table and data.json, in a zip that is byte-identical for the same data.

Rows are already sorted; members are written in name order with a fixed timestamp and mode, and
nothing in them says when they were generated (the report's page and HTML say that).
"""

import csv
import io
import json
import zipfile

from .neutralise import cell

FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def _csv(columns, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def members(content):
    """{file name: bytes} of the data files."""
    from ..reports import tables

    files = {f"{name}.csv": _csv(columns, rows) for name, _heading, columns, rows in tables(content)}
    files["data.json"] = json.dumps(content, sort_keys=True, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
    return files


def render(report, content, path):
    with zipfile.ZipFile(path, "w") as archive:
        for name, payload in sorted(members(content).items()):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, payload)
