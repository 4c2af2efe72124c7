"""towerwatch settings: everything comes from the environment, with a zero-configuration default.

With nothing set, towerwatch runs on SQLite against the local devnet that `manage.py devnet`
(or `demo`) starts. Production sets DATABASE_URL (PostgreSQL), REDIS_URL, RPC_URL and NETWORK.
"""

from pathlib import Path

import dj_database_url

from towerwatch.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TOWERWATCH_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served locally: the docs work offline too
    "votes",
    "diversity",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "towerwatch.csp.ContentSecurityPolicyMiddleware",
    "towerwatch.request_limits.RequestLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

if not DEBUG:  # production serves collected static files itself; runserver does it in DEBUG
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "towerwatch.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "towerwatch.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Indexer and web server share the file; wait for a lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 30
    # A file, not memory, for the test database too: tests start real workers and commands
    # in other processes, which must see the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
elif env_str("TOWERWATCH_TEST_ID", ""):
    # Two test runs on one PostgreSQL server (two checkouts, two engineers) each get their own
    # test database instead of dropping each other's; pytest-xdist still appends its worker id.
    DATABASES["default"]["TEST"] = {"NAME": f"test_towerwatch_{env_str('TOWERWATCH_TEST_ID', '')}"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SESSION_ENGINE = "towerwatch.sessions"  # database sessions, forged keys refused before a query

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security for production (checked by `manage.py check --deploy`) ---
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Nothing inline, nothing from elsewhere (towerwatch/csp.py); empty to send no header.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' "
    # the two <style> elements plotly.js 3 (plotly 7.1.0) writes, and Swagger UI's (sidecar)
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' "
    "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o=' "
    "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'",
)

# --- Chain ---
TOWERWATCH_NETWORK = env_str("NETWORK", "devnet")
TOWERWATCH_RPC_URL = env_str("RPC_URL", "")
TOWERWATCH_DEVNET_FILE = Path(env_str("DEVNET_FILE", str(VAR_DIR / "devnet.json")))
TOWERWATCH_CONFIRMATIONS = env_int("CONFIRMATIONS", 0)
TOWERWATCH_LOG_RANGE = env_int("LOG_RANGE", 2000)
TOWERWATCH_INDEX_SPAN = env_int("INDEX_SPAN", 100_000)  # most blocks in one indexed range
TOWERWATCH_EXPLORER_TX_URL = env_str("EXPLORER_TX_URL", "https://etherscan.io/tx/{tx}")
TOWERWATCH_EXPLORER_ADDRESS_URL = env_str(
    "EXPLORER_ADDRESS_URL", "https://etherscan.io/address/{address}"
)
TOWERWATCH_BEACON_URL = env_str("BEACON_URL", "")
TOWERWATCH_BEACON_TIMEOUT_S = env_float("BEACON_TIMEOUT", 10.0)  # per request to the beacon node
TOWERWATCH_DASHBOARD_URL = env_str("DASHBOARD_URL", "http://127.0.0.1:8000")
TOWERWATCH_BALANCE_CHANGE_LIMIT = env_float("BALANCE_CHANGE_LIMIT", 0.05)
# Where published rewards files are read from: a pattern with {network} and {index} (a URL or a
# path); empty means var/rewards/<network>/ where the devnet simulator publishes them.
TOWERWATCH_REWARDS_FILE_URL = env_str("REWARDS_FILE_URL", "")

# --- Celery (Redis broker; beat schedules the indexer and the alert checks) ---
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# An unacknowledged task (its worker died) is handed to another worker after this long.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_BEAT_SCHEDULE = {
    # index, then fingerprint, then reference verdicts (diversity/pipeline.py)
    "watch": {"task": "diversity.tasks.watch", "schedule": env_float("INDEX_EVERY", 60.0)},
}

# A shared cache (Redis in production) holds locks so that two indexing passes never overlap.
CACHES = {
    "default": {
        "BACKEND": env_str("CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "LOCATION": env_str("CACHE_LOCATION", "towerwatch"),
    },
    # Request histories of the abuse limits (towerwatch/throttling.py); shared in production.
    "throttle": {
        "BACKEND": env_str(
            "THROTTLE_CACHE_BACKEND",
            env_str("CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        ),
        "LOCATION": env_str("THROTTLE_CACHE_LOCATION", env_str("CACHE_LOCATION", "throttle")),
        "KEY_PREFIX": "throttle",
    },
}

# --- Email ---
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "towerwatch@localhost")

# --- Abuse limits for a public instance ---
# Requests per client address (rate "N/second|minute|hour|day"), see towerwatch/throttling.py.
TOWERWATCH_THROTTLE_RATES = {
    "declarations": env_str("THROTTLE_DECLARATIONS", "30/hour"),  # POSTs, API and /declare/
    "expensive_reads": env_str("THROTTLE_EXPENSIVE_READS", "60/minute"),  # planner, series
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("REQUEST_MAX_BYTES", 64 * 1024)  # a request body; 413
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("REQUEST_MAX_FIELDS", 1000)  # form fields; 400
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 50)
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 500)  # the most `?page_size=` may ask

# --- REST API ---
REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "towerwatch.pagination.CappedPagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    # The client address is the connection's, or the proxy's X-Forwarded-For behind one.
    "NUM_PROXIES": 1 if env_bool("BEHIND_PROXY") else 0,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # Staff use the API from their signed-in session. No Basic auth: it hashes a password on
    # every request, which a public instance must not offer to anyone with a script.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    # JSON only: DRF's browsable HTML pages need inline styles the content security policy
    # refuses; people read the API at /api/docs/.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "towerwatch API",
    "DESCRIPTION": "Rocket Pool oDAO submissions, consensus and implementation diversity.",
    "VERSION": "1.0.0",
    "ENUM_NAME_OVERRIDES": {
        "ConsensusStatusEnum": "votes.models.Consensus.Status",
        "SeverityEnum": "diversity.alerts.models.Severity",
        "AlertStatusEnum": "diversity.alerts.models.Alert.Status",
        "DeliveryStatusEnum": "diversity.alerts.models.Delivery.Status",
        "ImplementationKindEnum": "diversity.models.implementations.Kind",
        "AlertEventKindEnum": "diversity.alerts.models.AlertEvent.Kind",
        "ChannelKindEnum": "diversity.alerts.models.Channel.Kind",
        "AlertCertaintyEnum": "diversity.alerts.models.Certainty",
        "MembershipEventKindEnum": "votes.models.MembershipEvent.Kind",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "towerwatch.api_errors.document_error_responses",  # 400/403/404/429… in the schema too
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- Alerts (diversity/alerts/): thresholds per rule live in the admin; these are mechanics ---
# Webhooks to private/loopback addresses (and plain http to them): tests and lab networks only.
ALERTS_ALLOW_PRIVATE_WEBHOOKS = env_bool("ALERTS_ALLOW_PRIVATE_WEBHOOKS")
# An alert that resolved less than this ago re-opens only after holding this many evaluations.
ALERTS_FLAP_WINDOW_SECONDS = env_int("ALERTS_FLAP_WINDOW_SECONDS", 3600)
ALERTS_FLAP_EVALUATIONS = env_int("ALERTS_FLAP_EVALUATIONS", 3)
ALERTS_MAX_ATTEMPTS = env_int("ALERTS_MAX_ATTEMPTS", 10)
ALERTS_BACKOFF_SECONDS = env_float("ALERTS_BACKOFF_SECONDS", 30.0)  # doubles per try
ALERTS_BACKOFF_MAX_SECONDS = env_float("ALERTS_BACKOFF_MAX_SECONDS", 3600.0)
ALERTS_INLINE_RETRY_SECONDS = env_float("ALERTS_INLINE_RETRY_SECONDS", 5.0)  # wait out a 429
ALERTS_REDISPATCH_AFTER_SECONDS = env_int("ALERTS_REDISPATCH_AFTER_SECONDS", 60)
ALERTS_HTTP_TIMEOUT = env_float("ALERTS_HTTP_TIMEOUT", 15.0)
ALERTS_CELERY_QUEUE = env_str("ALERTS_CELERY_QUEUE", "celery")
CELERY_IMPORTS = ["diversity.alerts.tasks", "towerwatch.tasks"]
CELERY_BEAT_SCHEDULE["alerts-evaluate"] = {
    "task": "diversity.alerts.evaluate",
    "schedule": env_float("ALERTS_EVALUATE_EVERY", 60.0),
}
CELERY_BEAT_SCHEDULE["alerts-redispatch"] = {
    "task": "diversity.alerts.redispatch",
    "schedule": env_float("ALERTS_REDISPATCH_EVERY", 30.0),
}
