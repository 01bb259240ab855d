"""Settings of the GCM Implementation Monitor, read from the environment.

Every value comes from an environment variable (or a `.env` file at the project root, which
`make run` writes on first start for development). `.env.example` documents each one.
Embedded SQLite is the default; `DATABASE_URL` selects PostgreSQL. With `DEBUG=false`
(the default) the settings refuse to load without a real `SECRET_KEY`.
"""

import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# ENV_FILE names another file; set it empty to read none (the real environment always wins).
ENV_FILE = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    environ.Env.read_env(ENV_FILE, overwrite=False)
# A variable left empty (as in a copied .env.example) means "use the default", not "empty".
for _name in [k for k, v in os.environ.items() if v == "" and k != "ENV_FILE"]:
    del os.environ[_name]


def envbool(name, default):
    """A boolean variable: only true/false (any case), anything else stops start-up."""
    raw = env.str(name, default=str(default)).strip().lower()
    if raw not in ("true", "false"):
        raise ImproperlyConfigured(f"{name} must be 'true' or 'false', not {raw!r}")
    return raw == "true"


DEBUG = envbool("DEBUG", False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not DEBUG and (len(SECRET_KEY) < 40 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of 40 characters or more when DEBUG is false "
        "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
if DEBUG and not SECRET_KEY:
    SECRET_KEY = "django-insecure-development-only-key-never-used-in-production"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_celery_beat",
    "monitor",
    "commitments",
    "commitments.pledges",
    "commitments.indicators",
    "reporting",
    "reporting.reviews",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "monitor.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # 304s for the API and the exports from the data version, before any session or user lookup.
    "commitments.readers.DataVersionETagMiddleware",
    # Anonymous reads of the public API from any origin (monitor/cors.py).
    "monitor.cors.PublicAPICorsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out log-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "monitor.urls"
WSGI_APPLICATION = "monitor.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "monitor.context_processors.navigation",
                "commitments.context_processors.compact_language",
                "reporting.context_processors.review_cycle",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; the timeout waits out a writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Every server-side cursor of the project (exports, open data, reports) is read to its end: plan
    # it for all its rows, not the first tenth (PostgreSQL's default), which chose an index walk in
    # date order over the whole table for a filtered export (5.3 s instead of 1.8 s at 1M records).
    # No JIT compilation: PostgreSQL compiles a statement whose estimated cost is high (most at a
    # million records, whatever the rows read), and compiling took 0.2-0.5 s, more than it saved:
    # at 1M, a dashboard filtered by objective 0.85-1.15 s cold with it, 0.49-0.63 s without; the
    # CSV of region=Africa 14% faster; the unfiltered global dashboard (built ahead) 0.39-0.51 s with
    # it, 0.49-0.55 s without; other pages the same within noise (docs/benchmarks.md, ninth round).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c cursor_tuple_fraction=1 -c jit=off".strip()
# Each request thread keeps its connection for a minute instead of opening one per request:
# under many readers, opening a SQLite connection (and its PRAGMAs) was a fifth of the server's
# CPU (make bench, --readers). A connection found broken is replaced before the request uses it.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Pages and API answers each process keeps besides the shared cache (commitments.readers.ProcessPages).
READER_PROCESS_CACHE_MB = env.int("READER_PROCESS_CACHE_MB", default=32)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts. django-axes throttles failed log-ins on every route that authenticates (the site's
# log-in form and the admin's): 5 failures for one username from one address lock it for an hour.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "monitor.client_ip.client_ip"
# No "AXES: BEGIN version ..." banner on every manage.py command and worker start.
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "commitments:workspace"
LOGOUT_REDIRECT_URL = "commitments:home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The six official languages of the United Nations.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("ar", _("Arabic")),
    ("zh-hans", _("Chinese")),
    ("en", _("English")),
    ("fr", _("French")),
    ("ru", _("Russian")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date formats per language: English as the UN writes it; the others from Django's locales.
FORMAT_MODULE_PATH = ["monitor.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Compiled reports: outside MEDIA_ROOT, served only through a permission-checked view.
REPORTS_ROOT = env.path("REPORTS_ROOT", default=BASE_DIR / "var" / "reports")
# Tests only (honoured with DEBUG or the test settings): pause between report files, so the
# suite can kill a worker in the middle of a compile.
REPORT_TEST_PAUSE_SECONDS = env.float("REPORT_TEST_PAUSE_SECONDS", default=0.0)
# Voluntary national reviews: a draft is prepared (and the focal point reminded) this many months
# before each regional review and each IMRF.
REVIEW_LEAD_MONTHS = env.int("REVIEW_LEAD_MONTHS", default=6)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Redis: celery's broker and result backend, and the cache.
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=900)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=1200)
# The visibility timeout must exceed the hard time limit, or redis redelivers running tasks.
# A redis that accepts connections but never answers (frozen, swapping, paused) must fail as fast as
# one that refuses them: every socket read gets the same short timeout as the connect.
REDIS_SOCKET_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = 7 * 24 * 3600
# Fail fast when redis is down, so a page can say so instead of hanging.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"timeout": 5.0}}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_SOCKET_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_SOCKET_TIMEOUT
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# The shared cache (API throttle, list counts, pages and figures keyed by the data version):
# the same redis server as celery, its own database number (CACHE_URL, default: REDIS_URL's
# server with database 1) and a key prefix. Short timeouts, and monitor.cache turns failures
# into misses: a site whose redis is down is slower, never broken.
CACHE_URL = env.str("CACHE_URL", default="")


def _cache_url(redis_url):
    """REDIS_URL with database 1 instead of its own (celery keeps database 0)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(redis_url)
    return urlunsplit(parts._replace(path="/1"))


CACHES = {
    "default": {
        "BACKEND": "monitor.cache.ResilientRedisCache",
        "LOCATION": CACHE_URL or _cache_url(REDIS_URL),
        "KEY_PREFIX": "gcm",
        "TIMEOUT": 3600,
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
    }
}
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT")

# The REST API (/api/v1/): read-only for the public, token or session authentication for writes.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "commitments.api.authentication.RecordingTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "commitments.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "monitor.throttles.AnonRateThrottle",
        "monitor.throttles.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_RATE", default="120/min"),
        "user": env.str("API_USER_RATE", default="600/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "commitments.api.errors.exception_handler",
    # One datetime format in the API, the exports and the open data (commitments/columns.py).
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "monitor.api_renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "GCM Implementation Monitor API",
    "DESCRIPTION": "The Global Compact for Migration (A/RES/73/195), its Member States and the published "
    "evidence of its implementation. Identifiers are stable: action codes (13a), ISO3 codes, record UUIDs.\n\n"
    "Reading published data needs no account. To write (as a State contributor, focal point or stakeholder "
    "editor), sign in on the site and create a token on your token page (/accounts/token/, linked from the "
    "header when signed in), then send it as `Authorization: Token <key>`. The same page shows when it was "
    "last used and revokes it. Requests are throttled (answer 429 with Retry-After).\n\n"
    "Incremental harvesting: `GET /api/v1/evidence/?updated_since=<ISO 8601 with time zone>` gives what "
    "changed, `GET /api/v1/evidence/withdrawn/?since=...` what was taken down. Anonymous GETs are open to "
    "other origins (CORS).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc come from drf-spectacular-sidecar's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Evidence and pledges both have a "status" with different choices: name each set.
    "ENUM_NAME_OVERRIDES": {
        "EvidenceStatusEnum": "commitments.models.Evidence.Status",
        "PledgeStatusEnum": "commitments.pledges.models.OwnerStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "commitments.api.schema.evidence_filter_enums",
        "commitments.pledges.api.schema.pledge_filter_enums",
        "commitments.api.schema.write_rules",
    ],
}

# Attachments: the largest accepted file, in megabytes.
MAX_UPLOAD_MB = env.int("MAX_UPLOAD_MB", default=20)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="gcm-monitor@localhost")

# HTTPS. Behind deploy/nginx/gcm.conf nginx already redirects http to https and sends HSTS; Django does
# both too (deploy/env.production.example turns them on), so a site without that proxy is covered and
# `manage.py check --deploy` is clean. Off by default: development runs over plain http.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
# W021 (HSTS preload off) is silenced: joining the browsers' preload list is the domain owner's
# decision, made once on hstspreload.org; set SECURE_HSTS_PRELOAD=true when it is taken.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
BEHIND_PROXY = envbool("BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None

# Content-Security-Policy (django-csp 4): the site's own scripts, styles, images and fonts only.
# No inline script or style anywhere (data for scripts travels in <script type="application/json">,
# which is not executed). plotly sets style attributes through the DOM (CSSOM), which CSP allows;
# the few pages that need more (the API docs, the browsable API) widen it for themselves only
# (monitor/api_docs.py, monitor/api_renderers.py), the dashboards for plotly's style attributes.
# Reports are downloaded files with their own policy (reporting/render/html.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # plotly.js (the vendored 4.1.1) writes its rules into empty <style> elements through the
        # CSSOM, and injects maplibre's fixed stylesheet at load: those two contents, by hash.
        "style-src": [
            SELF,
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # an empty <style>
            "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='",  # plotly.min.js's maplibre CSS
        ],
        "img-src": [SELF, "data:"],  # plotly draws heatmaps and the mode bar's icons as data: images
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
