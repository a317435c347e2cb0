"""Settings for the safety training, drill and exam portal.

Everything that differs between a laptop and a district's servers comes from the environment
(see README "Configuration"). The defaults give the embedded mode: SQLite, the django-q2 ORM broker,
local-memory cache, files under var/ and media/.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.env import (
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_json_object,
    env_list,
    env_networks,
    env_str,
    redis_url_per_test_worker,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

PORTAL_ENV = env_choice("PORTAL_ENV", ("development", "production"), "development")
PRODUCTION = PORTAL_ENV == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when PORTAL_ENV=production")
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "portal",
    "cms",
    "dashboard",
    "certificates",
    "operators",
    "courses",
    "exams",
    "drills",
    "induction",
    "competitions",
    "returns",
    "dossiers",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_q",
    "django_prometheus",
    "ninja",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # first: /metrics (portal.metrics)
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.DatabaseUnavailableMiddleware",  # DB outage: 503 + Retry-After
    "portal.middleware.BadParameterMiddleware",  # NUL, portal.params' errors: 400 (422 API)
    "portal.middleware.ForcePasswordChangeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.SecurityHeadersMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # requests by view and status
    "cms.cache.PageCacheMiddleware",  # last: anonymous page cache hits (cms.cache)
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "portal.context_processors.portal",
            ],
        },
    },
]

# Database: SQLite under var/ (WAL mode) unless DATABASE_URL says otherwise.
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests: an in-memory database per process, said outright because the metered engine below
    # is not named "django.db.backends.sqlite3", which is what Django and pytest-django look
    # for to leave the test database in memory (pytest-xdist would otherwise get a file path).
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT: PostgreSQL compiles a query whose estimated cost passes jit_above_cost, and the
    # figure queries' long CASE expressions (学时达标) cost seconds to compile for a query that
    # runs in a fraction of that (bench/dashboard.py, BENCHMARKS.md).
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    _pg_options["options"] = (_pg_options.get("options", "") + " -c jit=off").strip()
# The same engines with django-prometheus' query counters (portal.metrics); on PostgreSQL with a
# health check that sends no query while the connection's socket is quiet (portal/db/postgresql).
_METERED_ENGINES = {
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
    "django.db.backends.postgresql": "portal.db.postgresql",
}
DATABASES["default"]["ENGINE"] = _METERED_ENGINES.get(
    DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"]
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache, sessions and the task broker: Redis when REDIS_URL is set, otherwise embedded.
REDIS_URL = redis_url_per_test_worker(env_str("REDIS_URL"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "portal"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "portal",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# django-q2. retry must exceed timeout (and the longest task) or tasks run twice; every task is
# idempotent anyway because the ORM broker is at-least-once and Redis has no receipts.
Q_TIMEOUT = env_int("Q_TIMEOUT", 300)
Q_CLUSTER = {
    "name": "portal",
    "workers": env_int("Q_WORKERS", 2),
    "timeout": Q_TIMEOUT,
    "retry": Q_TIMEOUT + 60,
    "max_attempts": 3,
    "recycle": 200,
    "save_limit": 1000,
    "queue_limit": 50,
    "catch_up": False,
    "label": "后台任务",
    "sync": env_bool("Q_SYNC", False),
    # The render cluster (`Q_CLUSTER_NAME=render manage.py qcluster`, run under `nice -n 19` by
    # scripts/run.sh and the documented systemd unit): certificate PDFs are CPU-bound and must not
    # take the CPUs from requests; everything else as above.
    "ALT_CLUSTERS": {"render": {"workers": env_int("Q_RENDER_WORKERS", 1)}},
}
# The cluster PDF renders are queued for (certificates.services): "render" by default; empty puts
# them on the main cluster (one `qcluster` runs everything).
Q_RENDER_CLUSTER = env_str("Q_RENDER_CLUSTER", "render")
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 1

# An API token's row is cached this many seconds (0: looked up on every request); a deleted token
# leaves a shared (Redis) cache at once, a local-memory one within this time (portal.api).
API_TOKEN_CACHE_SECONDS = env_int("API_TOKEN_CACHE_SECONDS", 30)

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = ["portal.auth.PortalBackend"]
LOGIN_URL = "portal:login"
# One login page for the site and the Wagtail admin (username, mobile or ID number; throttled).
WAGTAILADMIN_LOGIN_URL = "portal:login"
WAGTAIL_FRONTEND_LOGIN_URL = "portal:login"  # private pages and documents: the one login page
LOGIN_REDIRECT_URL = "portal:me"
LOGOUT_REDIRECT_URL = "/"
# Django's hashers, then the first passwords' (portal.hashers: random 59-bit passwords good for one
# login need 20,000 PBKDF2 rounds, not 1,000,000); never chosen for a password a person picks.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "portal.hashers.InitialPasswordHasher",
]
INITIAL_PASSWORD_HASHER = "pbkdf2_initial"  # nosec B105 # a hasher name, not a password
# A big roster import runs in the task cluster; its first-password sheet waits this long, for its
# owner to download once (portal.accounts.take_sheet).
FIRST_PASSWORD_SHEET_MINUTES = env_int("FIRST_PASSWORD_SHEET_MINUTES", 60)
# A confirmed import of at least this many rows runs in the task cluster with a progress page.
IMPORT_BACKGROUND_ROWS = env_int("IMPORT_BACKGROUND_ROWS", 300)
# A generated training file (一人一档 PDF, 一企一档 .zip) is kept this long for download, then a
# schedule deletes it (dossiers.tasks.purge_expired).
DOSSIER_KEEP_HOURS = env_int("DOSSIER_KEEP_HOURS", 72)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed logins per (username, IP): a whole factory behind one NAT must not lock itself out.
# Failed logins before a lock, counted per account (whatever identifier was typed) and, with a
# higher limit, per client IP; both over the same window (portal.auth).
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_IP_LIMIT = env_int("LOGIN_FAILURE_IP_LIMIT", 50)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 15 * 60)
# Behind a reverse proxy, take the client address from X-Forwarded-For (set only if the proxy sets it).
USE_X_FORWARDED_FOR = env_bool("USE_X_FORWARDED_FOR", False)
# portal.snapshots: a dashboard or an annual report asked again with no change since is served
# from the snapshot stored with the data version it was computed at.
FIGURE_SNAPSHOTS = env_bool("PORTAL_FIGURE_SNAPSHOTS", True)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = False

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Outside production, WhiteNoise serves straight from the apps' static folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Files no URL may serve (certificate seals and signatures): outside MEDIA_ROOT (portal.storage).
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
# Uploaded files and issued certificates: MEDIA_ROOT (a volume shared by every web node and task
# worker) unless MEDIA_STORAGE_BACKEND names another storage, e.g. django-storages' S3Storage with
# MEDIA_STORAGE_OPTIONS='{"bucket_name": "portal-media", "endpoint_url": "https://…"}' (README).
MEDIA_STORAGE_BACKEND = env_str(
    "MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
)
MEDIA_STORAGE_OPTIONS = env_json_object("MEDIA_STORAGE_OPTIONS")
STORAGES = {
    "default": {"BACKEND": MEDIA_STORAGE_BACKEND, "OPTIONS": MEDIA_STORAGE_OPTIONS},
    "private": {"BACKEND": "portal.storage.PrivateFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Largest spreadsheet accepted by the imports (bytes) and its largest sheet (rows).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20_000)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 30)
# Cells in a sheet, counted before parsing (openpyxl parses all of a row's cells even past the
# columns we read): 20,000 rows of an HR system's 50 columns.
IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 1_000_000)
# Spreadsheet bombs (portal.xlsx.check_archive): the unpacked size of the whole .xlsx and of its
# shared strings (all kept in memory while reading), checked in the zip directory before parsing.
IMPORT_MAX_UNPACKED_BYTES = env_int("IMPORT_MAX_UNPACKED_BYTES", 40 * 1024 * 1024)
IMPORT_MAX_SHARED_STRINGS_BYTES = env_int("IMPORT_MAX_SHARED_STRINGS_BYTES", 20 * 1024 * 1024)
# How long after an import its batch may still be undone (hours; portal.importing.undo_batch).
IMPORT_UNDO_HOURS = env_int("IMPORT_UNDO_HOURS", 24)

# Email
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Wagtail
WAGTAIL_SITE_NAME = env_str("WAGTAIL_SITE_NAME", "安全培训·应急演练·考试门户")
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "zip", "mp4"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = env_int("WAGTAILDOCS_MAX_UPLOAD_SIZE", 50 * 1024 * 1024)
WAGTAILIMAGES_MAX_UPLOAD_SIZE = env_int("WAGTAILIMAGES_MAX_UPLOAD_SIZE", 10 * 1024 * 1024)
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
# A decompression bomb is refused before Wagtail decodes it (a 40-megapixel photo is still accepted).
WAGTAILIMAGES_MAX_IMAGE_PIXELS = env_int("WAGTAILIMAGES_MAX_IMAGE_PIXELS", 40_000_000)
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_DOCUMENT_FORM_BASE = "cms.forms.DocumentForm"
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILADMIN_NOTIFICATION_USE_HTML = True

# Security. The production profile passes `manage.py check --deploy` with no warnings.
# Sessions last one shift from login (absolute, not sliding: activity does not extend them, and no
# session write per request during an exam). Shared training-room PCs can also end them when the
# browser closes; off by default because workers use their own phones.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
# SAMEORIGIN, not DENY: Wagtail's live preview shows the page in an iframe of the admin (same
# origin). Other origins are refused, here and by the CSP's frame-ancestors 'self'.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Wagtail 8 runs its reference-index updates through django-tasks' immediate backend,
        # which logs every run at INFO.
        "django_tasks": {"level": "WARNING"},
    },
}

PORTAL_NAME = _("安全培训·应急演练·考试门户")
# /metrics (portal.metrics): a bearer token and/or addresses (CIDR) allowed to scrape; neither: 404.
METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_ALLOWED_IPS = env_networks("METRICS_ALLOWED_IPS")
# Seconds after which /healthz reports the worker cluster as down.
HEARTBEAT_MAX_AGE = env_int("HEARTBEAT_MAX_AGE", 180)
# /healthz fails when the oldest queued task without a recorded result is older (seconds).
QUEUE_MAX_AGE = env_int("QUEUE_MAX_AGE", 900)
# manage.py qcluster: seconds a SIGTERM/SIGINT may take to stop gracefully before the cluster's
# processes are killed (portal/management/commands/qcluster.py); keeps a stop under 10 s.
QCLUSTER_STOP_SECONDS = env_int("QCLUSTER_STOP_SECONDS", 6)

# Tunables of the apps (each app reads them with the same default).
# Seconds an exam answer in flight is still accepted after the deadline.
EXAM_SAVE_GRACE_SECONDS = env_int("EXAM_SAVE_GRACE_SECONDS", 30)
# attempts whose items' shapes each web process keeps for the one-statement autosave
# (exams.engine.SaveShapes: a few KB each)
EXAM_SAVE_SHAPES_ATTEMPTS = env_int("EXAM_SAVE_SHAPES_ATTEMPTS", 2000)
CERTIFICATE_VERIFY_RATE = env_int("CERTIFICATE_VERIFY_RATE", 30)  # verifications per minute per IP
CERTIFICATE_FONT_FAMILY = env_str("CERTIFICATE_FONT_FAMILY", "Noto Serif CJK SC")
CMS_PAGE_CACHE_SECONDS = env_int("CMS_PAGE_CACHE_SECONDS", 300)  # anonymous page cache lifetime
CMS_LIVE_FIGURE_SECONDS = env_int("CMS_LIVE_FIGURE_SECONDS", 10)  # campaign live figures
# Study time (courses/study.py): one beat credits at most STUDY_BEAT_SECONDS of server-measured time.
STUDY_BEAT_SECONDS = env_int("STUDY_BEAT_SECONDS", 30)
# A reported video position may run ahead of the last accepted one by at most the real time since
# then × STUDY_VIDEO_MAX_SPEED (+ a few seconds for the report's travel); watched at ≥ the ratio.
STUDY_VIDEO_MAX_SPEED = env_float("STUDY_VIDEO_MAX_SPEED", 1.25)
STUDY_VIDEO_SLACK_SECONDS = env_int("STUDY_VIDEO_SLACK_SECONDS", 3)
STUDY_VIDEO_WATCHED_PERCENT = env_int("STUDY_VIDEO_WATCHED_PERCENT", 95)
# Presence checks (防挂机): between MIN and MAX checks per PERIOD of study, each answered within
# WINDOW seconds; MAX 0 turns them off.
STUDY_PRESENCE_CHECKS_MIN = env_int("STUDY_PRESENCE_CHECKS_MIN", 1)
STUDY_PRESENCE_CHECKS_MAX = env_int("STUDY_PRESENCE_CHECKS_MAX", 3)
STUDY_PRESENCE_PERIOD_SECONDS = env_int("STUDY_PRESENCE_PERIOD_SECONDS", 45 * 60)
STUDY_PRESENCE_WINDOW_SECONDS = env_int("STUDY_PRESENCE_WINDOW_SECONDS", 60)
# Minutes of measured study per 学时 (class hour). The domain tables (training_hours.csv) set no
# figure; 45 minutes is the usual class hour: set what the regulation the district follows says.
STUDY_MINUTES_PER_HOUR = env_int("STUDY_MINUTES_PER_HOUR", 45)
