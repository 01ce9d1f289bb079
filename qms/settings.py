"""Settings, all read from the environment (twelve-factor), with defaults that work on a
developer machine where PostgreSQL and Redis run locally."""

import datetime as dt
import os
from pathlib import Path

import environ

from qms.schedule import beat_schedule
from qms.storage import file_store

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    env.read_env(str(env_file))

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
BASE_URL = env("BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[BASE_URL])

INSTALLED_APPS = [
    "qms.admin_site.QMSAdminConfig",  # django.contrib.admin, on a site that never deletes quality records
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_filters",
    "django_htmx",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "simple_history",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served from here: no CDN
    "qms",
    "notifications",
    "documents",
    "capa",
    "training",
    "suppliers",
    "calibration",
    "inspection",
    "reviews",
    "audits",
    "api",  # the REST API (issue #21): after the modules whose registers it offers
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
    "csp.middleware.CSPMiddleware",
    # no-store, Permissions-Policy, and the session's idle and absolute limits.
    "qms.middleware.SecurityHeadersMiddleware",
    "qms.middleware.SessionTimeoutMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # The one place access is decided for every view (login, auditors read-only, classification).
    "qms.access.AccessMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Sign-in throttling: turns a lockout found during authentication into the lockout page.
    "axes.middleware.AxesMiddleware",
    # A write that lost a race to another (a double-click, two people on one row): 409, not 500.
    "qms.views.errors.ConflictMiddleware",
    # An address that only takes a form, opened as a page: a sentence, not an empty 405.
    "qms.views.errors.MethodNotAllowedMiddleware",
]

ROOT_URLCONF = "qms.urls"
WSGI_APPLICATION = "qms.wsgi.application"

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
                "qms.context_processors.shell",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/qms"),
}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DATABASES["default"].setdefault("OPTIONS", {})
# Django's native psycopg 3 connection pool (needs persistent connections off).
DATABASES["default"]["OPTIONS"]["pool"] = env.bool("DB_POOL", default=True) and {
    "min_size": env.int("DB_POOL_MIN", default=1),
    "max_size": env.int("DB_POOL_MAX", default=10),
    "timeout": 10,
}
DATABASES["default"]["CONN_MAX_AGE"] = 0
# The due-item registry's statements (My work, the Overview) are prepared on each connection the
# second time they run: PostgreSQL parses and plans their thirty-odd parts once, not per request
# (qms/due_sql.py), and keeps one plan for every value of their dates and ids (a department's list
# was otherwise planned afresh each time: 40 ms of 55 on the archive). Only that registry's cursor
# sends parameters apart; Django's own cursors bind on the client and never prepare, so the plan
# cache mode concerns no other statement. Behind PgBouncer in transaction mode (before 1.21, or
# without max_prepared_statements) set DB_PREPARED_STATEMENTS=false.
DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)
if DB_PREPARED_STATEMENTS:
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 1
    given = DATABASES["default"]["OPTIONS"].get("options", "")
    DATABASES["default"]["OPTIONS"]["options"] = f"{given} -c plan_cache_mode=force_generic_plan".strip()
# A register page and My work send their statements without waiting for each, and every page its
# session's and signed-in user's reads together (psycopg's pipeline mode, qms/ahead.py,
# qms/sessions.py). A connection pooler that does not pass pipelined statements through (one that
# answers only the first, or hands the connection on between them) needs it off.
DB_PIPELINED_READS = env.bool("DB_PIPELINED_READS", default=True)
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default="test_qms")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "qms.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user or address before a password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "qms.auth.ExpiringAccountBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my_work"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))
STORAGES = {
    # Attachments live in a private store: they are never served from a public URL, only streamed
    # through the permission-checked download view.
    # FILE_STORE=local (a directory, ATTACHMENT_ROOT) or s3 (a bucket every machine shares,
    # S3_BUCKET, S3_ENDPOINT_URL, ...): see qms/storage.py and the README's production section.
    "default": file_store(env, default_location=str(BASE_DIR / "var" / "attachments")),
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="qms.staticstorage.StaticFilesStorage"  # whitenoise's, addresses kept
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "qms.staticfinders.AppDirectoriesFinder",  # every app's static files, less what nothing serves
]

# Attachments
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Email: a file-based default so mail is visible locally (var/mail) without a mail server.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=1025)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="QMS <qms@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# One switch for running behind HTTPS (a TLS-terminating proxy that sets X-Forwarded-Proto):
# HSTS, the redirect to https, secure cookies and trusting the proxy's header.
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env.bool("HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = HTTPS or env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A session ends after this long without a request, and in any case this long after login.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_MAX_HOURS = env.int("SESSION_MAX_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
# Sessions in the database as Django keeps them, read with one plain statement (qms/sessions.py).
SESSION_ENGINE = "qms.sessions"
SESSION_COOKIE_SAMESITE = "Lax"
# Browser features no page of the product uses.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()"
)
# Proxies in front of the application whose X-Forwarded-For is trusted (HTTPS mode: one).
FORWARDED_PROXIES = env.int("FORWARDED_PROXIES", default=1 if HTTPS else 0)

# Sign-in throttling (django-axes, counted in the database so every web node shares the count):
# after LOGIN_FAILURE_LIMIT failures for one user name, or from one address, sign-in is refused
# for LOGIN_LOCKOUT_MINUTES; the administrator unlocks on the Access log page.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # qms.accesslog keeps the one access log
AXES_LOCKOUT_CALLABLE = "qms.views.security.locked_out"  # plain words, status 429
AXES_CLIENT_IP_CALLABLE = "qms.accesslog.client_ip"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"

# E-signatures: after this many wrong passwords signing is locked for this long, and the
# administrator and the quality manager are told at once (21 CFR 11.300(d)).
SIGNING_FAILURE_LIMIT = env.int("SIGNING_FAILURE_LIMIT", default=5)
SIGNING_LOCKOUT_MINUTES = env.int("SIGNING_LOCKOUT_MINUTES", default=15)

# Two-factor sign-in (TOTP): anyone may turn it on; these roles must (e.g. "admin,quality").
REQUIRE_MFA_FOR_ROLES = env.list("REQUIRE_MFA_FOR_ROLES", default=[])
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="QMS")

# Virus scan of every upload by ClamAV's daemon, when one is configured: a Unix socket path or
# host:port. Without either, uploads are checked by content only.
CLAMAV_SOCKET = env("CLAMAV_SOCKET", default="")
CLAMAV_HOST = env("CLAMAV_HOST", default="")
CLAMAV_TIMEOUT = env.int("CLAMAV_TIMEOUT", default=30)

# Content Security Policy (django-csp 4): scripts and styles from our own static files only, no
# inline scripts, styles or event handlers anywhere; data: images for Bootstrap's icons and the
# two-factor QR code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")

# --- Celery -------------------------------------------------------------------------------
# Work that must be neither lost nor doubled: acknowledge after the task ran, give the message
# back when a worker dies, take one message at a time, and let Redis redeliver an unacked
# message only after the longest task could have finished.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="qms")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# One beat sends the schedule however many machines start one (qms/beat.py): the others stand by
# and take over within BEAT_LOCK_SECONDS when its machine dies.
CELERY_BEAT_SCHEDULER = "qms.beat.SingleBeatScheduler"
BEAT_LOCK_SECONDS = env.int("BEAT_LOCK_SECONDS", default=60)
BEAT_LOCK_PREFIX = env("BEAT_LOCK_PREFIX", default="")

# The hours of the schedule (qms/schedule.py), in the company's time zone.
DIGEST_WEEKDAY = env.int("DIGEST_WEEKDAY", default=1)  # crontab day_of_week: 0=Sunday, 1=Monday
DIGEST_HOUR = env.int("DIGEST_HOUR", default=7)
ALERT_HOUR = env.int("ALERT_HOUR", default=6)
ALERT_LEAD_DAYS = env.list("ALERT_LEAD_DAYS", cast=int, default=[14, 7, 1, 0])
ESCALATE_TO_HEAD_AFTER_DAYS = env.int("ESCALATE_TO_HEAD_AFTER_DAYS", default=3)
ESCALATE_TO_QUALITY_AFTER_DAYS = env.int("ESCALATE_TO_QUALITY_AFTER_DAYS", default=7)
DIGEST_HORIZON_DAYS = 14

# Audit packs (qms/auditpack/), rendered by the worker: the longest period one pack may cover,
# how long a pack's file is kept, how long a renderer holds a pack between two sections before the
# sweep takes it to have died, and how many renders a pack gets before it fails.
AUDIT_PACK_MAX_DAYS = env.int("AUDIT_PACK_MAX_DAYS", default=3 * 366)
AUDIT_PACK_RETENTION_DAYS = env.int("AUDIT_PACK_RETENTION_DAYS", default=90)
AUDIT_PACK_LEASE_SECONDS = env.int("AUDIT_PACK_LEASE_SECONDS", default=120)
AUDIT_PACK_MAX_ATTEMPTS = env.int("AUDIT_PACK_MAX_ATTEMPTS", default=3)
# How many processes lay out a pack's pieces side by side (qms/auditpack/renderers.py): the cores,
# at most 2 (a 300-page pack on 2 cores); 1 lays them out in the worker's own process. A renderer
# that spends longer than the timeout on one piece (about 30 pages) fails the pack.
AUDIT_PACK_RENDERERS = env.int("AUDIT_PACK_RENDERERS", default=min(2, os.cpu_count() or 1))
AUDIT_PACK_PIECE_TIMEOUT_SECONDS = env.int("AUDIT_PACK_PIECE_TIMEOUT_SECONDS", default=600)
# The characters of HTML in one piece (0: qms.auditpack.pieces.CHUNK_CHARS, 150,000, ~30 pages);
# the renderer processes start once a pack has more than one piece's worth.
AUDIT_PACK_PIECE_CHARS = env.int("AUDIT_PACK_PIECE_CHARS", default=0)
# A queue of their own for renders (a worker started with -Q <it>), so a long pack never holds up
# an email; empty: the default queue.
AUDIT_PACK_QUEUE = env("AUDIT_PACK_QUEUE", default="")

# Backups (qms/backup.py). The scheduled backup is off until BACKUP_DIR names a directory; it then
# runs every day at BACKUP_HOUR (company time) and keeps the newest BACKUP_KEEP archives.
BACKUP_DIR = env("BACKUP_DIR", default="")
BACKUP_KEEP = env.int("BACKUP_KEEP", default=14)
BACKUP_HOUR = env.int("BACKUP_HOUR", default=2)
# What runs when (qms/schedule.py): the hours above, and the backup only when it is on.
CELERY_BEAT_SCHEDULE = beat_schedule(
    alert_hour=ALERT_HOUR,
    digest_hour=DIGEST_HOUR,
    digest_weekday=DIGEST_WEEKDAY,
    backup_hour=BACKUP_HOUR if BACKUP_DIR else None,
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # WeasyPrint narrates every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # django-axes narrates every sign-in at INFO; qms.access logs what matters.
        "axes": {"level": "WARNING"},
    },
}

# Steward departments (by department code): they look after one kind of record in every
# department — their members see all of them, their head changes all of them. In the environment
# as JSON: STEWARDS='{"calibration.instrument": ["CAL"]}'.
STEWARDS = env.json(
    "STEWARDS",
    default={
        "suppliers.supplier": ["PROC"],
        "suppliers.supplierchange": ["PROC"],
        "suppliers.scar": ["PROC"],
        "calibration.instrument": ["CAL"],
        "calibration.impactassessment": ["CAL"],
        "calibration.machine": ["MAINT"],
        "training.trainingfile": ["HR"],
        "training.competence": ["HR"],
        "training.jobrole": ["HR"],
        "inspection.inspection": ["QC"],
        "inspection.productionlot": ["PROD"],
        "inspection.goodsreceipt": ["WH", "PROC"],
        "inspection.inspectionplan": ["QC"],
        "inspection.shipment": ["WH"],
    },
)

# Document control: days to acknowledge a new effective revision (a document may set its own).
DOCUMENT_ACK_DAYS = env.int("DOCUMENT_ACK_DAYS", default=7)

# Training: days from a training to its effectiveness evaluation (ISO 9001 7.2 c), days to close a
# training need, and how long before a qualification expires it becomes a requalification need.
TRAINING_EVALUATION_DAYS = env.int("TRAINING_EVALUATION_DAYS", default=90)
TRAINING_NEED_DAYS = env.int("TRAINING_NEED_DAYS", default=30)
TRAINING_REQUALIFY_LEAD_DAYS = env.int("TRAINING_REQUALIFY_LEAD_DAYS", default=60)

# Internal audits and risks: the company's scale of likelihood and severity (1 to RISK_SCALE), the
# score (likelihood × severity) at which a risk needs action, the competence an internal auditor
# holds (a training competence's title), and what makes NCRs "repeated" (so many within so many days).
RISK_SCALE = env.int("RISK_SCALE", default=5)
RISK_THRESHOLD = env.int("RISK_THRESHOLD", default=12)
INTERNAL_AUDITOR_COMPETENCE = env("INTERNAL_AUDITOR_COMPETENCE", default="Internal auditing (ISO 19011)")
AUDIT_NCR_REPEAT = env.int("AUDIT_NCR_REPEAT", default=3)
AUDIT_NCR_DAYS = env.int("AUDIT_NCR_DAYS", default=90)
# An NCR reported without a due date is due for its disposition this many days later.
NCR_DISPOSITION_DAYS = env.int("NCR_DISPOSITION_DAYS", default=7)
# A goods receipt is due for its incoming inspection this many days after it arrived (on the My
# work of whoever keeps the IQC plan for its part).
INCOMING_INSPECTION_DAYS = env.int("INCOMING_INSPECTION_DAYS", default=2)
AUDIT_MANY_NCRS = env.int("AUDIT_MANY_NCRS", default=5)

# History: a change reason may be long (a rejection, a deviation justified in full).
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Demo / system accounts
SYSTEM_USERNAME = "system"


# The REST API (api/, /api/v1/): tokens or the session (with CSRF), JSON only, one error shape.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.BearerTokenAuthentication",
        "api.auth.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.QMSPermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "QMS API",
    "DESCRIPTION": "Registers read through your scope; receipts, lots, shipments, inspections and NCRs "
    'written through the same rules as the screens. Errors: {"error": {"code", "message", "fields"}}.',
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["api.permissions.QMSPermission"],
    # One name per choice set where modules' fields share a name ("source", "severity"), so the
    # schema's enums read as what they are (and `check --deploy` stays clean).
    "ENUM_NAME_OVERRIDES": {
        "NcrSourceEnum": "capa.models.ncr.Source",
        # an NCR's severity and a supplier's risk tier: the same three values, so one enum
        "MinorMajorCriticalEnum": "capa.models.ncr.Severity",
        "CauseCategoryEnum": "capa.models.ncr.CauseCategory",
        "CalibrationSourceEnum": "calibration.models.instruments.Source",
        "SupplierChangeSourceEnum": "suppliers.models.changes.ChangeSource",
        "InspectionSeverityEnum": "inspection.sampling.SEVERITY_CHOICES",
    },
}
