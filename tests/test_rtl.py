"""Right to left and focus, checked in the sources (the browser test measures the pages)."""

import re

from tests.conftest import ROOT

CSS = (ROOT / "monitor" / "static" / "css" / "site.css").read_text()
PHYSICAL = re.compile(
    r"(?<![\w-])(left|right|margin-left|margin-right|padding-left|padding-right|border-left|border-right"
    r"|border-left-color|border-right-color)\s*:|(float|text-align|clear)\s*:\s*(left|right)"
)


def without_comments(css):
    return re.sub(r"/\*.*?\*/", "", css, flags=re.S)


def test_the_stylesheet_uses_logical_properties_only():
    assert PHYSICAL.findall(without_comments(CSS)) == []


def test_templates_use_no_physical_sides():
    offenders = []
    for template in ROOT.glob("*/templates/**/*.html"):
        for style in re.findall(r'style="([^"]*)"', template.read_text()):
            if PHYSICAL.search(style):
                offenders.append((template.name, style))
    assert offenders == []


def luminance(hex_colour):
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def variable(name):
    return re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", CSS)[1]


def test_focus_rings_are_3_to_1_against_their_background():
    assert contrast(variable("focus-ring"), "#ffffff") >= 3  # pages
    assert contrast(variable("focus"), variable("blue")) >= 3  # the header
    assert "outline: 3px solid var(--focus-ring)" in CSS
