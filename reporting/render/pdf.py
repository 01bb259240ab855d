"""The PDF: the same document with inline SVG charts, drawn by WeasyPrint with no network access."""

from django.template.loader import render_to_string

from . import svg
from .html import document_context


def _no_fetch(url, *args, **kwargs):
    raise ValueError(f"The PDF fetches nothing: {url}")


def render(report, content, path):
    from weasyprint import HTML

    context = document_context(report, content)
    context["charts"] = [{**spec, "markup": svg.bar_chart(spec)} for spec in context["specs"]]
    context["print"] = True
    markup = render_to_string("reporting/document.html", context)
    HTML(string=markup, url_fetcher=_no_fetch).write_pdf(path)
