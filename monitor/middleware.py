"""The reader's language for every request (Django's LocaleMiddleware, plus the visitor's choice).

Pages live at one address per language: English without a prefix (/objectives/13/, so every
permalink published before keeps its meaning) and the others under theirs (/fr/objectives/13/).
A visitor who chose another language (the switcher's cookie, set again at log-in from the
profile), or whose browser asks for one, is redirected from an English address to the same page
in that language. Language-neutral addresses (API, admin, open-data file) are served in the
visitor's language without a redirect.
"""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware
from django.urls import translate_url
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if translation.get_language_from_path(request.path_info):
            return super().process_request(request)
        preferred = translation.get_language_from_request(request, check_path=False)
        translation.activate(settings.LANGUAGE_CODE)
        if preferred != settings.LANGUAGE_CODE and request.method in ("GET", "HEAD"):
            path = request.get_full_path()
            same_page = translate_url(path, preferred)
            if same_page != path:
                response = HttpResponseRedirect(same_page)
                patch_vary_headers(response, ("Accept-Language", "Cookie"))
                return response
        if not _is_page(request.path_info):
            translation.activate(preferred)
        request.LANGUAGE_CODE = translation.get_language()


def _is_page(path):
    """A page has an address per language; the API, admin and files have one for all."""
    other = next(code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE)
    return translate_url(path, other) != path
