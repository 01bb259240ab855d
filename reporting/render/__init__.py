"""The formats of a compiled report, each a function render(report, content, path).

All read the same plain content (reporting.reports.compile_content) and never import the
compiler back. The data files and the XLSX also stream the rows of the data annex and the good
practices, every record, from `reporting.report_layout.stream_tables(content)` (one pass each,
bounded memory); the HTML and PDF show only
their bounded previews, with a sentence saying where the full annex is.
"""

from . import data, html, pdf, xlsx

# (ReportFile format, file extension, renderer), in the order they are written.
FORMATS = [
    ("html", "html", html.render),
    ("pdf", "pdf", pdf.render),
    ("xlsx", "xlsx", xlsx.render),
    ("data", "zip", data.render),
]
