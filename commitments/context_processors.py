"""`compact_lang`: the language the compact's own text is shown in on this page.

The compact's text is never machine-translated. Until an official translation is loaded (see
README, Translations), pages in other languages show the English text marked lang="en", so
screen readers switch voice, with a line naming the official document (A/RES/73/195).
"""

from django.utils.translation import get_language

# Languages whose official text of the compact is loaded. Only English today.
OFFICIAL_TEXT_LANGUAGES = {"en"}


def compact_language(request):
    language = get_language() or "en"
    return {"compact_lang": language if language in OFFICIAL_TEXT_LANGUAGES else "en"}
