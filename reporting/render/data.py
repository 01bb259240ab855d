"""The data files: one CSV per table and data.json, in a zip that is byte-identical for the same data.

Rows are sorted by the report (the annex by objective, action, entity and record); members are
written in name order with a fixed timestamp and mode, and nothing in them says when they were
generated (the report's page and HTML say that).

The annex and the good practices have a row per record: they are streamed from the database in
one pass into spooled files (CSV, and the two JSON arrays), which are then copied into the zip
in fixed-size blocks. Memory does not grow with the number of records.
"""

import csv
import io
import json
import os
import shutil
import tempfile
import zipfile

from commitments.exports import neutralise

from ..report_layout import DATA_KEYS, stream_tables, tables

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
COMPRESS_LEVEL = 1  # fast; the files are still about a quarter of their size
BLOCK = 1 << 20


def _csv_bytes(columns, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([neutralise(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def _json(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def write_members(report, content, directory):
    """Write every member file into `directory`; returns their names."""
    names = []
    streamed = {}
    for key, name, _heading, columns, rows in tables(content):
        filename = f"{name}.csv"
        names.append(filename)
        if rows is not None:
            with open(os.path.join(directory, filename), "wb") as handle:
                handle.write(_csv_bytes(columns, rows))
            continue
        handle = open(os.path.join(directory, filename), "w", encoding="utf-8", newline="")  # noqa: SIM115
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(columns)
        part = open(os.path.join(directory, f"{key}.json-part"), "w", encoding="utf-8")  # noqa: SIM115
        streamed[key] = {"csv": handle, "writer": writer, "json": part, "columns": columns, "first": True}
    try:
        for key, row in stream_tables(content):
            sink = streamed[key]
            sink["writer"].writerow([neutralise(value) for value in row])
            sink["json"].write(("\n" if sink["first"] else ",\n") + _json(dict(zip(sink["columns"], row, strict=True))))
            sink["first"] = False
    finally:
        for sink in streamed.values():
            sink["csv"].close()
            sink["json"].close()
    # data.json: the summary content and the two streamed arrays, keys sorted (as json.dumps would).
    with open(os.path.join(directory, "data.json"), "w", encoding="utf-8") as out:
        parts = {key: _json(content[key]) for key in DATA_KEYS}
        keys = sorted([*parts, *streamed])
        out.write("{")
        for i, key in enumerate(keys):
            out.write(("\n" if i == 0 else ",\n") + f"{_json(key)}: ")
            if key in streamed:
                out.write("[")
                with open(os.path.join(directory, f"{key}.json-part"), encoding="utf-8") as part:
                    shutil.copyfileobj(part, out, BLOCK)
                out.write("\n]" if not streamed[key]["first"] else "]")
            else:
                out.write(parts[key])
        out.write("\n}\n")
    names.append("data.json")
    return names


def members(report, content):
    """{file name: bytes} of the data files (small reports and tests)."""
    with tempfile.TemporaryDirectory() as directory:
        names = write_members(report, content, directory)
        result = {}
        for name in names:
            with open(os.path.join(directory, name), "rb") as handle:
                result[name] = handle.read()
        return result


def add_file(archive, name, source):
    """Copy a file into the zip under `name` with a fixed timestamp and mode, block by block."""
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info._compresslevel = COMPRESS_LEVEL  # read by ZipFile.open(info, "w"); compress_level from Python 3.13
    size = os.path.getsize(source)
    info.file_size = size
    with open(source, "rb") as handle, archive.open(info, "w", force_zip64=size > zipfile.ZIP64_LIMIT) as member:
        shutil.copyfileobj(handle, member, BLOCK)


def render(report, content, path):
    with tempfile.TemporaryDirectory(prefix="data-", dir=os.path.dirname(path) or None) as directory:
        names = write_members(report, content, directory)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
            for name in sorted(names):
                add_file(archive, name, os.path.join(directory, name))
