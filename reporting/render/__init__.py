"""The formats of a compiled report, each a function render(report, content, path).

All read the same plain content (reporting.reports.compile_content); none touches the ORM.
"""

from . import data, html, pdf, xlsx

# (ReportFile format, file extension, renderer), in the order they are written.
FORMATS = [
    ("html", "html", html.render),
    ("pdf", "pdf", pdf.render),
    ("xlsx", "xlsx", xlsx.render),
    ("data", "zip", data.render),
]
