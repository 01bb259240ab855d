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


def to_html(text, heading_level=3):
    """Safe HTML for a template. The narrative's own headings start at <h{heading_level}>, so they
    sit below the page's heading of the section instead of competing with it."""
    tokens = _PARSER.parse(text or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + heading_level - 1, 6)}"
    html = _PARSER.renderer.render(tokens, _PARSER.options, {})
    return mark_safe(html)  # noqa: S308 - html disabled: markdown-it escapes raw HTML


def tokens(text):
    return _PARSER.parse(text or "")
