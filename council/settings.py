"""Settings for the council conduct and member-support portal.

One file, read from the environment (django-environ). Every variable has an
embedded default so that a fresh checkout runs with SQLite, kombu's
filesystem broker and file-based email under ``var/``; setting
``DATABASE_URL``, ``CELERY_BROKER_URL``, ``REDIS_URL`` or ``EMAIL_URL`` switches
to real services. ``DJANGO_ENV=production`` refuses to start without the
settings a real deployment needs.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

COUNCIL_NAME = env.str("COUNCIL_NAME", default="Oxbridge City Council")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")


def _require(name: str) -> None:
    if not env.str(name, default=""):
        raise ImproperlyConfigured(f"DJANGO_ENV=production needs {name} to be set.")


if PRODUCTION:
    for _name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"):
        _require(_name)
    if not env.str("DATABASE_URL").startswith(("postgres://", "postgresql://", "pgsql://")):
        raise ImproperlyConfigured("DJANGO_ENV=production needs a PostgreSQL DATABASE_URL.")


def _development_secret_key() -> str:
    """Generate a key once into var/ so sessions survive restarts in development."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _development_secret_key()
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "council",
    "protocol",
    "complaints",
    "training",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_forms_gds",
    "csp",
    "simple_history",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Public pages kept for anonymous visitors (council.page_cache): under the security and CSP
    # middleware, so a kept page still gets their headers; above everything else.
    "council.page_cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "council.middleware.StaffIdleTimeoutMiddleware",
    "council.middleware.RequireMFAMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "council.urls"
WSGI_APPLICATION = "council.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "council.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let web, worker and beat share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------
# allauth's rate limits need a real, shared cache: Redis when configured,
# otherwise the database (never DummyCache).
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "council_cache"}}

# --- Accounts -------------------------------------------------------------
AUTH_USER_MODEL = "council.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "council.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"{COUNCIL_NAME}: "
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
# People sign in with the one address Member Services invited; they cannot add others.
ACCOUNT_MAX_EMAIL_ADDRESSES = 1
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # a reset request never emails an address with no account
MFA_ADAPTER = "council.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = COUNCIL_NAME
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ENGINE = "council.sessions"  # database sessions; a lost connection is a 500, not a 400
# Staff roles (those that must use two-factor authentication) are signed out after this long
# without a request; councillors and report viewers keep SESSION_COOKIE_AGE.
STAFF_IDLE_TIMEOUT_MINUTES = env.int("STAFF_IDLE_TIMEOUT_MINUTES", default=30)

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static and private files ---------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Outside production, serve straight from the source folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    # Uploads (evidence, imports, reports) live outside any public path and are
    # served only through views that check permissions.
    # On several hosts, point it at shared private storage instead, e.g. S3 through django-storages:
    # PRIVATE_STORAGE_BACKEND=storages.backends.s3.S3Storage and PRIVATE_STORAGE_OPTIONS as JSON
    # (see the README). Files are only ever reached through the storage API, never by path.
    "private": {
        "BACKEND": env.str("PRIVATE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env.json(
            "PRIVATE_STORAGE_OPTIONS", default={"location": str(VAR_DIR / "private"), "base_url": None}
        ),
    },
}
MEDIA_ROOT = VAR_DIR / "private"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 20
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o600
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)

# --- Email ----------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"{COUNCIL_NAME} <no-reply@council.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 20
GOVUK_NOTIFY_API_KEY = env.str("GOVUK_NOTIFY_API_KEY", default="")
GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID = env.str("GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID", default="")
if GOVUK_NOTIFY_API_KEY:
    EMAIL_BACKEND = "django_gov_notify.backends.NotifyEmailBackend"
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=5)

# --- Celery ---------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    _control_dir = VAR_DIR / "celery" / "control"
    for _folder in (_queue_dir, _processed_dir, _control_dir):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
    }
else:
    # Longer than any task's hard limit, so a slow task is never handed to a
    # second worker while the first still runs it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="council")
# Publishing must not hang a web request when the broker is down: the outbox
# sweep sends whatever could not be enqueued.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
CELERY_BEAT_SCHEDULE = {
    "council.deliver-pending-email": {
        "task": "council.tasks.deliver_pending_email",
        "schedule": timedelta(minutes=1),
    },
    "protocol.publish-scheduled": {
        "task": "protocol.tasks.publish_scheduled_versions",
        "schedule": timedelta(minutes=5),
    },
    "protocol.reminders": {
        "task": "protocol.tasks.send_protocol_reminders",
        "schedule": timedelta(minutes=15),
    },
    "complaints.expire-drafts": {
        "task": "complaints.tasks.expire_drafts",
        "schedule": crontab(minute=20),
    },
    "complaints.daily-digest": {
        "task": "complaints.tasks.send_daily_digest",
        "schedule": crontab(hour=7, minute=0),
    },
    "complaints.retention": {
        "task": "complaints.tasks.anonymise_closed_cases",
        "schedule": crontab(hour=2, minute=30),
    },
    "training.reminders": {
        "task": "training.tasks.send_training_reminders",
        "schedule": timedelta(minutes=15),
    },
    "council.expire-invitations": {
        "task": "council.tasks.expire_invitations",
        "schedule": crontab(hour=3, minute=10),
    },
    "council.report-jobs": {
        "task": "council.tasks.sweep_report_jobs",
        "schedule": timedelta(minutes=2),
    },
}

# --- Protocol acknowledgements ---------------------------------------------
PROTOCOL_ACKNOWLEDGE_WITHIN_DAYS = env.int("PROTOCOL_ACKNOWLEDGE_WITHIN_DAYS", default=28)
PROTOCOL_ESCALATE_AFTER_DAYS = env.int("PROTOCOL_ESCALATE_AFTER_DAYS", default=14)

# --- Working days and complaints -------------------------------------------
# england (England and Wales bank holidays), scotland or northern_ireland.
WORKING_DAYS_NATION = env.str("WORKING_DAYS_NATION", default="england")
COMPLAINTS_ACKNOWLEDGE_WITHIN = env.int("COMPLAINTS_ACKNOWLEDGE_WITHIN", default=5)
COMPLAINTS_ASSESS_WITHIN = env.int("COMPLAINTS_ASSESS_WITHIN", default=20)
COMPLAINTS_INVESTIGATE_WITHIN = env.int("COMPLAINTS_INVESTIGATE_WITHIN", default=120)
COMPLAINTS_DECISION_NOTICE_WITHIN = env.int("COMPLAINTS_DECISION_NOTICE_WITHIN", default=5)
# Reply periods quoted in letters (working days).
COMPLAINTS_INFORMATION_WITHIN = env.int("COMPLAINTS_INFORMATION_WITHIN", default=15)
COMPLAINTS_COUNCILLOR_COMMENT_WITHIN = env.int("COMPLAINTS_COUNCILLOR_COMMENT_WITHIN", default=10)
COMPLAINTS_DRAFT_EXPIRES_DAYS = env.int("COMPLAINTS_DRAFT_EXPIRES_DAYS", default=7)
COMPLAINTS_RETENTION_YEARS = env.int("COMPLAINTS_RETENTION_YEARS", default=3)
COMPLAINTS_EVIDENCE_MAX_FILE_BYTES = env.int("COMPLAINTS_EVIDENCE_MAX_FILE_BYTES", default=10 * 1024 * 1024)
COMPLAINTS_EVIDENCE_MAX_TOTAL_BYTES = env.int("COMPLAINTS_EVIDENCE_MAX_TOTAL_BYTES", default=50 * 1024 * 1024)
COMPLAINTS_SAFEGUARDING_EMAILS = env.list("COMPLAINTS_SAFEGUARDING_EMAILS", default=["safeguarding@council.example"])

# --- Training ---------------------------------------------------------------
TRAINING_MANDATORY_DUE_SOON_DAYS = env.int("TRAINING_MANDATORY_DUE_SOON_DAYS", default=30)

# Paths whose public pages may be kept for visitors who are not signed in (council.page_cache).
PAGE_CACHE_PREFIXES = env.list("PAGE_CACHE_PREFIXES", default=["/protocol/"])

# --- Reports ------------------------------------------------------------------
# A PDF of more rows than this is made in the background (council.report_jobs), with progress
# shown on a page and an email when it is ready; smaller ones download at once.
REPORT_BACKGROUND_ROWS = env.int("REPORT_BACKGROUND_ROWS", default=300)
# Reports made in the background are deleted this many days after they are made.
REPORT_JOB_RETENTION_DAYS = env.int("REPORT_JOB_RETENTION_DAYS", default=7)
# Worker processes a long report made in the background is laid out by, in parts, side by side
# (council.pdf_parts), per Celery worker process; 0 or 1 lays the parts out one after another.
PDF_PROCESSES = env.int("PDF_PROCESSES", default=os.cpu_count() or 1)

# --- Forms and front end --------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"
# council.widgets.FastSelect is a select: give it GOV.UK's select class.
CRISPY_CLASS_CONVERTERS = {"fastselect": "govuk-select"}
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Security -------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secret_links": {"()": "council.logging.RedactSecretLinks"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_secret_links"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint announces every step and page at INFO: a line per page of every PDF. Background
        # reports listen to it for their progress (council.pdf), not through the log.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
