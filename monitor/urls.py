from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from monitor import languages
from monitor.api_docs import RedocView, SwaggerView
from reporting import views_opendata

# Machine addresses stay language-neutral: the API, its schema and docs, the open-data file, the
# admin and the language switch itself.
urlpatterns = [
    # Pages outside base.html (admin, API docs) and old browsers ask for /favicon.ico.
    path("favicon.ico", lambda request: redirect(static("favicon.svg"), permanent=True)),
    path("i18n/setlang/", languages.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/redoc/", RedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/v1/", include("monitor.api_router")),
    # The open-data package's permalink, downloaded by scripts: no language, no redirect.
    path("data/gcm-open-data.zip", views_opendata.data_download),
]

# Every page has one address per language: English unprefixed (/objectives/13/: every permalink
# published before keeps working), the others prefixed (/fr/objectives/13/). A visitor who chose
# another language, or whose browser asks for one, is redirected there (monitor/middleware.py).
urlpatterns += i18n_patterns(
    path("data/", include("reporting.urls_opendata")),
    path("accounts/", include("monitor.urls_accounts")),
    path("dashboards/", include("reporting.dashboard_urls")),
    path("reviews/", include("reporting.reviews.urls")),
    path("", include("reporting.urls")),
    path("", include("commitments.pledges.urls")),
    path("", include("commitments.urls")),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
