"""Settings, read only from the environment (see the table in README.md).

Every variable goes through a typed helper in ``config.env`` that refuses bad values at
start-up. With no DATABASE_URL the embedded PostgreSQL server under ``var/`` (UNIONCAT_VAR_DIR)
is used, and stopped when the last process using it exits; with no
CELERY_BROKER_URL, Celery tasks run in-process.
"""

from __future__ import annotations

import sys
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
# Data kept beside the code: the embedded database server and, by default, uploaded files.
VAR_DIR = Path(env_str("UNIONCAT_VAR_DIR", "") or BASE_DIR / "var")
TESTING = "pytest" in sys.modules or env_bool("UNIONCAT_TESTING", False)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING or env_bool("UNIONCAT_DEMO", False) or env_bool("UNIONCAT_DEV", False):
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set (it may be omitted only with DEBUG=true or from manage.py)")
elif len(SECRET_KEY) < 32 and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- Tenancy ------------------------------------------------------------------------------
# Decided before the first migration; moving an app between the lists later leaves tables
# missing. The public schema holds the consortium, people and the union catalogue; each member
# library's schema holds what is that library's own.
SHARED_APPS = [
    "django_tenants",  # schema routing and the migrate_schemas command
    "django.contrib.contenttypes",  # content types are needed in both kinds of schema
    "django.contrib.auth",  # users live once, in the public schema
    "django.contrib.sessions",  # web logins work across every library
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",  # API tokens belong to users, hence public
    "drf_spectacular",
    "drf_spectacular_sidecar",  # static files of Swagger UI and ReDoc for /api/docs/
    "config",  # the project shell: the page frame, the shared static files, the demo command
    "tenants",  # regions, libraries, domains, memberships, the catalogue outbox
    "union",  # union records, clusters, master records, dashboards
    "search",  # the PostgreSQL search index and its sync state
    "ill",  # requests, supplies, rotas, ISO 18626 messages, fees: they cross libraries, hence public
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "tenants.catalogue",  # the member's local catalogue: instances, holdings, items
    "marc_import",  # import jobs and quarantined records of that member
    "circulation",  # readers (minors' data stays here), loans, the desk, stocktakes, ledgers
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Library"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# New member schemas are cloned from this migrated template instead of replaying migrations.
TENANT_BASE_SCHEMA = "library_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# Set a connection's search_path once per schema switch instead of before every statement: it was
# half the statements of a desk checkout. django-tenants forgets the cached path on rollback, on a
# savepoint rollback and on close, where PostgreSQL may have discarded it.
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_NAME = "public"
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)

MIDDLEWARE = [
    "tenants.middleware.LibraryRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "core.api.errors.JsonNotFoundMiddleware",  # unknown /api/ paths answer JSON, DEBUG or not
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "tenants.context_processors.library",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = env_url("DATABASE_URL", ("postgres", "postgresql"))
if not DATABASE_URL:
    from config.embedded import embedded_database_url

    DATABASE_URL = embedded_database_url(VAR_DIR)
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", ("redis", "rediss", "amqp", "amqps"))
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # Tasks run in-process; the in-memory transport keeps Celery from looking for a broker.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = True
CELERY_BEAT_SCHEDULE = {
    # The outboxes are also drained on a timer, so a change whose task was lost (broker down
    # at commit time) still arrives.
    "drain-catalogue-outbox": {"task": "union.tasks.drain_catalogue_outbox", "schedule": 5.0},
    "drain-union-outbox": {"task": "search.tasks.drain_union_outbox", "schedule": 5.0},
    # Class teachers get their overdue lists once a day; the policy decides which classes are due.
    "circulation-overdue-reminders": {"task": "circulation.tasks.send_overdue_reminders",
                                      "schedule": crontab(hour=7, minute=30)},
    # ILL: a lender past its answer deadline is passed over; messages to peers are retried; loans
    # past their due date are marked overdue; expired copies are deleted.
    "ill-advance-rotas": {"task": "ill.tasks.advance_rotas", "schedule": 300.0},
    "ill-retry-messages": {"task": "ill.tasks.retry_messages", "schedule": 120.0},
    "ill-overdues": {"task": "ill.tasks.mark_overdue_loans", "schedule": crontab(hour=6, minute=30)},
    "ill-purge-copies": {"task": "ill.tasks.purge_expired_copies", "schedule": crontab(minute=15)},
}

# --- Search -------------------------------------------------------------------------------
ELASTICSEARCH_URL = env_url("ELASTICSEARCH_URL", ("http", "https"))
SEARCH_BACKEND = env_choice(
    "SEARCH_BACKEND",
    ("postgres", "elasticsearch"),
    "elasticsearch" if ELASTICSEARCH_URL else "postgres",
)
if SEARCH_BACKEND == "elasticsearch" and not ELASTICSEARCH_URL:
    raise ImproperlyConfigured("SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL")
ELASTICSEARCH_INDEX_PREFIX = env_str("ELASTICSEARCH_INDEX_PREFIX", "unioncat")

# --- OAI-PMH provider -----------------------------------------------------------------------
OAI_REPOSITORY_IDENTIFIER = env_str("OAI_REPOSITORY_IDENTIFIER", "unioncat.local")
OAI_REPOSITORY_NAME = env_str("OAI_REPOSITORY_NAME", "Union catalogue")
OAI_ADMIN_EMAIL = env_str("OAI_ADMIN_EMAIL", "")
OAI_PAGE_SIZE = env_int("OAI_PAGE_SIZE", 100, minimum=1, maximum=1000)
OAI_TOKEN_MAX_AGE = env_int("OAI_TOKEN_MAX_AGE", 24 * 3600, minimum=60)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "catalogue@localhost")
# Overdue lists go to class teachers by e-mail. Without a mail server the messages are written to
# the log instead, so a school without one loses nothing and sees what would have been sent.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_BACKEND = ("django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
                 else "django.core.mail.backends.console.EmailBackend")

# --- Interlibrary loan (ISO 18626) ---------------------------------------------------------
# Each member's agency id is "<prefix>-<CODE>" unless set; the prefix tells this consortium's members
# apart from a peer consortium's. The scheme is what ISO 18626 headers carry as agencyIdType.
ILL_AGENCY_PREFIX = env_str("ILL_AGENCY_PREFIX", "UNIONCAT")
ILL_AGENCY_ID_TYPE = env_str("ILL_AGENCY_ID_TYPE", "ISIL")
# Scans for document delivery are kept here, outside MEDIA_ROOT's public part, and served only
# through expiring links.
ILL_PRIVATE_ROOT = Path(env_str("ILL_PRIVATE_ROOT", str(VAR_DIR / "ill-private")))
# Seconds to wait for a peer's answer to one ISO 18626 message.
ILL_PEER_TIMEOUT = env_int("ILL_PEER_TIMEOUT", 20, minimum=1, maximum=300)

# --- Authentication and the API -------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]
if TESTING:
    # Tests create many users; a fast hash keeps them quick (never used outside tests).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend", "circulation.auth.ReaderCardBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",  # documents the error answers too
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Union catalogue API",
    "DESCRIPTION": "Union catalogue, shared cataloguing and interlibrary loan for library consortia.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from our static files rather than a CDN, so the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Language -----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise serves from the finders until collectstatic has run
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
WHITENOISE_USE_FINDERS = True

# --- Limits -------------------------------------------------------------------------------
IMPORT_MAX_UPLOAD_MB = env_int("IMPORT_MAX_UPLOAD_MB", 512, minimum=1, maximum=10_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING").upper()},
    "loggers": {"django_tenants": {"level": "WARNING"}},
}
