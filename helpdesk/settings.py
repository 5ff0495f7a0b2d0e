"""Settings for the helpdesk, driven by environment variables.

Development needs none of them: without DATABASE_URL the app runs on a SQLite
file in the project folder, and DEBUG defaults to on. Production sets DEBUG=false
and must then provide a real SECRET_KEY (see docs/deploy.md).
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

# Only development may run on the well-known key; production refuses to start.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
elif not DEBUG and (SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "taggit",
    "django_tasks_db",
    "tickets",
    "reports",
    "mail",
    "compat",
    "portal",
    "sla",
    "automations",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "helpdesk.middleware.BrowserTimeZoneMiddleware",
    # Reads a posted form before the CSRF check does, to answer one over the limits itself.
    "helpdesk.uploads.UploadLimitMiddleware",
    "helpdesk.middleware.StatementTimeoutMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL, a busy timeout and IMMEDIATE transactions let the dev server and a worker
    # share the file: writers queue for the lock instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
    # Tests use a file too, so that threads (concurrency tests) get their own connections;
    # one per process, so that parallel runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No statement runs for ever: a broad search whose client has given up would
    # otherwise keep a core busy for many minutes. "0" lifts the limit (for a
    # migration that rewrites a big table, say).
    # 20 s: well inside gunicorn's 30 s worker timeout (docs/deploy.md), so that the request
    # gets its 503 instead of a killed worker.
    STATEMENT_TIMEOUT = os.environ.get("DATABASE_STATEMENT_TIMEOUT", "20s")
    # Waiting for a row another request holds (two agents saving one ticket) gives up after
    # this, with a 503 and Retry-After, rather than holding a worker for the whole limit.
    LOCK_TIMEOUT = os.environ.get("DATABASE_LOCK_TIMEOUT", "5s")
    # JIT compiling a report query costs about as long as running it without JIT: no
    # query here runs long enough to gain from it (see docs/reports.md).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c statement_timeout={STATEMENT_TIMEOUT} -c lock_timeout={LOCK_TIMEOUT} -c jit=off"
    )
# The reports' covering indexes (tickets.Ticket.Meta) include a column for an index-only
# scan on PostgreSQL; SQLite builds them without it, which only makes them less fast.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Caches (docs/deploy.md, "Redis"). `default` saves work (counts, addresses); `ratelimit`
# holds the API's and the portal's rate limits, which every worker and server must share.
# With REDIS_URL both live in Redis, and an unreachable Redis makes them misses, never
# errors (helpdesk/cache.py): short socket timeouts keep a dead Redis from holding requests.
# Without it, counts are cached per process and rate limits go to a database table
# (made by portal's migration 0002), so that several workers still share one limit.
REDIS_URL = os.environ.get("REDIS_URL", "")
RATE_LIMIT_TABLE = "helpdesk_rate_limits"
if REDIS_URL:
    _redis_timeout = float(os.environ.get("REDIS_TIMEOUT", "0.5"))
    _redis = {
        "BACKEND": "helpdesk.cache.FaultTolerantRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": _redis_timeout, "socket_timeout": _redis_timeout},
    }
    CACHES = {"default": _redis, "ratelimit": {**_redis, "KEY_PREFIX": "ratelimit"}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": RATE_LIMIT_TABLE,
            # Past this many live counters the table drops a third of them at random.
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        },
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Django's ModelBackend, plus: an agent in no role group holds the Agent role's permissions.
AUTHENTICATION_BACKENDS = ["tickets.permissions.RoleBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Files browsers ask for at the site's root (favicon.ico), served there by WhiteNoise.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Attachments (tickets/attachments.py): a limit per file and per message.
ATTACHMENT_MAX_SIZE = int(float(os.environ.get("ATTACHMENT_MAX_SIZE_MB", "20")) * 1024 * 1024)
ATTACHMENT_MAX_FILES = int(os.environ.get("ATTACHMENT_MAX_FILES", "10"))
# Files larger than this are streamed to a temporary file, never held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = min(2_621_440, ATTACHMENT_MAX_SIZE)
# The form fields of a request without its files (Django counts the files apart).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Above the per-message limit, so that too many files get a form error, not a 400 page.
DATA_UPLOAD_MAX_NUMBER_FILES = max(100, ATTACHMENT_MAX_FILES + 1)
# A form's whole body may be at most ATTACHMENT_MAX_FILES x ATTACHMENT_MAX_SIZE plus
# DATA_UPLOAD_MAX_MEMORY_SIZE; over any of these limits the answer is a 413 that names the
# limit, and the reply box keeps its text (helpdesk/uploads.py).

# Email (Django 6.1 mailers). Development prints messages on the console.
EMAIL_MODE = os.environ.get("EMAIL_MODE", "console" if DEBUG else "smtp")
if EMAIL_MODE == "smtp":
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("EMAIL_PORT", "25")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "use_ssl": env_bool("EMAIL_USE_SSL", False),
                "timeout": int(os.environ.get("EMAIL_TIMEOUT", "10")),
            },
        }
    }
elif EMAIL_MODE == "console":
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    raise ImproperlyConfigured("EMAIL_MODE must be smtp or console.")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Helpdesk <helpdesk@localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Background tasks: run at once in development, by `manage.py db_worker` in production.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND",
            "django.tasks.backends.immediate.ImmediateBackend"
            if DEBUG
            else "django_tasks_db.DatabaseBackend",
        )
    }
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "helpdesk.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "helpdesk.api_access.ApiKeyAuthentication",
        "helpdesk.api_access.AgentSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["helpdesk.api_access.IsAgent", "helpdesk.api_access.MayDo"],
    "EXCEPTION_HANDLER": "helpdesk.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["helpdesk.api_access.ApiRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": os.environ.get("API_RATE_LIMIT", "1200/minute")},
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk API",
    "DESCRIPTION": "The native Tickets API of the helpdesk. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI is served from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "PREPROCESSING_HOOKS": ["tickets.api.schema.without_trailing_slashes"],
    # Request bodies get components of their own, where a required text states minLength.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tickets.api.schema.add_common_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "TicketPriorityEnum": ["normal", "high", "urgent"],
        "ReplyTypeEnum": ["reply", "note"],
        "AuthorTypeEnum": ["agent", "contact"],
        "CategoryTypeEnum": ["ticket", "project", "client"],
    },
}

# Security. Production (DEBUG off) behind a TLS-terminating proxy.
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
_img_src: list[str] = [CSP.SELF, "data:"]
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": _img_src,
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # imapclient's debug log holds every IMAP command and the messages read.
    "loggers": {"django.db.backends": {"level": "INFO"}, "imapclient": {"level": "INFO"}},
}

# Helpdesk settings.
HELPDESK_SITE_URL = os.environ.get("HELPDESK_SITE_URL", "http://127.0.0.1:8000")
# The most tags a ticket can have (each at most 100 characters).
TICKET_MAX_TAGS = int(os.environ.get("TICKET_MAX_TAGS", "50"))
# The department of tickets created through a compatibility API (LiveChat, SupportBee,
# User.com), by name or id; empty: the first department.
COMPAT_DEPARTMENT = os.environ.get("COMPAT_DEPARTMENT", "")
# Where a compatibility API's people objects take their pictures from (SupportBee's
# `picture`): a URL with {hash} (the MD5 of the lower-cased email address) and {size}.
# The default is Gravatar, with a generated identicon for an address it does not know.
COMPAT_AVATAR_URL = os.environ.get(
    "COMPAT_AVATAR_URL",
    "https://secure.gravatar.com/avatar/{hash}.png?d=identicon&r=PG&s={size}",
)

# Mail in over IMAP (mail/imap.py): a CA file trusted besides the system's (for a server
# with a certificate of a private CA), the seconds before a silent server counts as down,
# and the seconds between two runs of the worker's fetch_all_mail.
MAIL_IMAP_CA_FILE = os.environ.get("MAIL_IMAP_CA_FILE", "")
MAIL_IMAP_TIMEOUT = int(os.environ.get("MAIL_IMAP_TIMEOUT", "60"))
MAIL_FETCH_INTERVAL = int(os.environ.get("MAIL_FETCH_INTERVAL", "60"))
# How often the task worker records the SLA breaches (sla.tasks), in seconds.
SLA_BREACH_INTERVAL = int(os.environ.get("SLA_BREACH_INTERVAL", "60"))

# The seconds between two runs of the worker's automations (docs/sla-and-automations.md).
AUTOMATIONS_INTERVAL = int(os.environ.get("AUTOMATIONS_INTERVAL", "300"))
# The most tickets one automation acts on in one run; the next runs go on with the rest, so
# that a new rule matching a large backlog never holds the worker or the table for long.
AUTOMATIONS_MAX_TICKETS_PER_RUN = int(os.environ.get("AUTOMATIONS_MAX_TICKETS_PER_RUN", "5000"))

# The requester portal (docs/portal.md): its branding, its links' lifetimes, the
# satisfaction emails and the limits that keep robots out.
PORTAL_SITE_NAME = os.environ.get("PORTAL_SITE_NAME", "Help Center")
PORTAL_LOGO_URL = os.environ.get("PORTAL_LOGO_URL", "")
PORTAL_ACCENT_COLOUR = os.environ.get("PORTAL_ACCENT_COLOUR", "#1d4ed8")
if not re.fullmatch(r"#[0-9a-fA-F]{6}", PORTAL_ACCENT_COLOUR):
    raise ImproperlyConfigured("PORTAL_ACCENT_COLOUR must be a hex colour such as #1d4ed8.")
if PORTAL_LOGO_URL.startswith(("http://", "https://")):
    # A logo on another host: the policy lets pages show images from there.
    _logo = urlsplit(PORTAL_LOGO_URL)
    _img_src.append(f"{_logo.scheme}://{_logo.netloc}")
PORTAL_SIGN_IN_LINK_MINUTES = int(os.environ.get("PORTAL_SIGN_IN_LINK_MINUTES", "30"))
PORTAL_TICKET_LINK_DAYS = int(os.environ.get("PORTAL_TICKET_LINK_DAYS", "90"))
PORTAL_RATING_EMAILS = env_bool("PORTAL_RATING_EMAILS", True)
PORTAL_RATING_LINK_DAYS = int(os.environ.get("PORTAL_RATING_LINK_DAYS", "14"))
# Rates as "number/period" (second, minute, hour or day).
PORTAL_SIGN_IN_RATE_PER_ADDRESS = os.environ.get("PORTAL_SIGN_IN_RATE_PER_ADDRESS", "5/hour")
PORTAL_SIGN_IN_RATE_PER_IP = os.environ.get("PORTAL_SIGN_IN_RATE_PER_IP", "30/hour")
PORTAL_CONTACT_RATE_PER_ADDRESS = os.environ.get("PORTAL_CONTACT_RATE_PER_ADDRESS", "5/hour")
PORTAL_CONTACT_RATE_PER_IP = os.environ.get("PORTAL_CONTACT_RATE_PER_IP", "10/hour")
PORTAL_CONTACT_MIN_SECONDS = int(os.environ.get("PORTAL_CONTACT_MIN_SECONDS", "3"))
# The department of tickets from the contact form, by name or id; empty: the first public one.
PORTAL_CONTACT_DEPARTMENT = os.environ.get("PORTAL_CONTACT_DEPARTMENT", "")
# How many proxies in front of the app append to X-Forwarded-For (nginx: 1); 0 trusts none
# and counts requests by the connection's address.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Sign-in and password reset (helpdesk/sign_in.py, docs/admin.md): wrong passwords at /login/
# and /admin/login/ are counted per account and per client address (TRUSTED_PROXY_COUNT);
# at the limit, sign-in is refused for the cool-down, even with the right password. Failures
# are forgotten when SIGN_IN_FAILURE_WINDOW_SECONDS pass without one.
SIGN_IN_FAILURES_PER_ACCOUNT = int(os.environ.get("SIGN_IN_FAILURES_PER_ACCOUNT", "5"))
SIGN_IN_FAILURES_PER_IP = int(os.environ.get("SIGN_IN_FAILURES_PER_IP", "20"))
SIGN_IN_FAILURE_WINDOW_SECONDS = int(os.environ.get("SIGN_IN_FAILURE_WINDOW_SECONDS", "900"))
SIGN_IN_LOCKOUT_SECONDS = int(os.environ.get("SIGN_IN_LOCKOUT_SECONDS", "900"))
# Password reset requests, as "number/period" rates (as the portal's limits).
PASSWORD_RESET_RATE_PER_ADDRESS = os.environ.get("PASSWORD_RESET_RATE_PER_ADDRESS", "3/hour")
PASSWORD_RESET_RATE_PER_IP = os.environ.get("PASSWORD_RESET_RATE_PER_IP", "20/hour")

# Webhooks (docs/webhooks.md): the seconds an endpoint has to answer, and which addresses
# that are not public (private, loopback, link-local, ...) may be sent to: any with
# WEBHOOKS_ALLOW_PRIVATE_ADDRESSES, or those of WEBHOOKS_ALLOWED_NETWORKS ("10.0.0.0/8,...").
WEBHOOKS_TIMEOUT = float(os.environ.get("WEBHOOKS_TIMEOUT", "10"))
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False)
WEBHOOKS_ALLOWED_NETWORKS = env_list("WEBHOOKS_ALLOWED_NETWORKS")
# A CA file trusted besides the system's, for endpoints with a certificate of a private CA.
WEBHOOKS_CA_FILE = os.environ.get("WEBHOOKS_CA_FILE", "")
