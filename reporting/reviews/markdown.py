"""Markdown of review sections, rendered safely: raw HTML is escaped, never passed through, and
links other than http(s), mailto and relative ones are dropped (markdown-it-py's link validation
already refuses javascript:, vbscript:, file: and data:)."""

from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

SAFE_SCHEMES = ("http://", "https://", "mailto:", "/", "#")


def _validate_link(url):
    return url.strip().lower().startswith(SAFE_SCHEMES)


def parser():
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.validateLink = _validate_link
    return md.enable("table")


_PARSER = parser()


def to_html(text):
    """Safe HTML for a template."""
    return mark_safe(_PARSER.render(text or ""))  # noqa: S308 - html disabled: markdown-it escapes raw HTML


def tokens(text):
    return _PARSER.parse(text or "")
