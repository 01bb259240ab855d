"""Which language a person reads: chosen on the switcher, remembered on their profile.

Anonymous visitors get the language of their address (/fr/...), else their cookie, else their
browser's Accept-Language (Django's LocaleMiddleware). A signed-in person's choice is stored on
`Profile.language`: applied when they sign in, and used for the e-mails and reminders they get.
"""

from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import translate_url
from django.utils import translation
from django.views.i18n import set_language as django_set_language

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def language_of(user):
    """The language chosen by a person, or the site's default when they never chose one."""
    profile = getattr(user, "profile", None) if user is not None else None
    language = getattr(profile, "language", "") if profile is not None else ""
    return language if language in SUPPORTED else settings.LANGUAGE_CODE


@contextmanager
def in_language_of(user):
    """Render (an e-mail, a reminder) in the recipient's language."""
    with translation.override(language_of(user)):
        yield


def set_language(request):
    """Django's switcher view (which keeps the page: /en/x/ -> /fr/x/), remembering the choice."""
    # Django translates `next` by resolving it in the active language: the page's own.
    page_language = translation.get_language_from_path(request.POST.get("next", "")) or settings.LANGUAGE_CODE
    with translation.override(page_language):
        response = django_set_language(request)
    language = request.POST.get("language")
    if request.method == "POST" and language in SUPPORTED and request.user.is_authenticated:
        from commitments.models import Profile

        Profile.objects.filter(user=request.user).update(language=language)
    return response


def apply_language(response, language):
    """Send a response's redirect to the same page in language, and remember it in the cookie."""
    if response.has_header("Location"):
        response["Location"] = translate_url(response["Location"], language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


class LoginView(auth_views.LoginView):
    """Log-in that takes the person to their own language, when they chose one."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        if getattr(getattr(user, "profile", None), "language", ""):
            return apply_language(response, language_of(user))
        return response
