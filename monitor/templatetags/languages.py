"""The same page in the other languages: hreflang alternates and the switcher's targets."""

from django import template
from django.conf import settings
from django.urls import translate_url

register = template.Library()


def bcp47(code):
    """zh-hans -> zh-Hans (hreflang values as search engines document them)."""
    language, _sep, script = code.partition("-")
    return f"{language}-{script.title()}" if script else language


@register.simple_tag(takes_context=True)
def alternates(context):
    """[(hreflang, absolute URL)] of the current page in each of the six languages."""
    request = context.get("request")
    if request is None:
        return []
    url = request.build_absolute_uri()
    return [(bcp47(code), translate_url(url, code)) for code, _name in settings.LANGUAGES]
