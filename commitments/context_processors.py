"""`compact_lang`: the language the compact's own text is shown in on this page, by default.

The compact's text is never machine-translated. Pages show each object's text in the reader's
language where its official text is loaded (see README, Translations, and
models.CompactText.compact_lang, which the framework pages use per object); elsewhere the
English text is marked lang="en", so screen readers switch voice, with a line naming the
official document (A/RES/73/195). This default follows what is loaded, read lazily: a page that
does not use it costs no query.
"""

from django.utils.functional import lazy
from django.utils.translation import get_language

from .models import Instrument


def official_text_language():
    """The reader's language if the compact's official text in it is loaded, else English."""
    language = get_language() or "en"
    if language == "en":
        return "en"
    loaded = Instrument.objects.filter(**{"translations__has_key": language}).exists()
    return language if loaded else "en"


def compact_language(request):
    return {"compact_lang": lazy(official_text_language, str)()}
