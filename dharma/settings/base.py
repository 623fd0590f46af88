"""Dharma settings, read from the environment.

With nothing set, Dharma runs embedded: a SQLite file in the project, the local-memory cache and
Celery tasks executed in-process. Production sets DATABASE_URL (PostgreSQL, normally through
PgBouncer), REDIS_URL and CELERY_BROKER_URL. Every variable is listed in `.env.example`.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from dharma.settings.environment import api_renderers, env_float, env_int, proxy_ssl_header

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is false")
    SECRET_KEY = "dharma-insecure-development-key-do-not-use-in-production"  # noqa: S105
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
DHARMA_VERSION = os.environ.get("DHARMA_VERSION", "0.1.0")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_prometheus",
    "rest_framework",
    "rest_framework_simplejwt",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    "auditlog",
    "apps.core",
    "apps.accounts",
    "apps.audit",
    "apps.blueprints",
    "apps.guardrails",
    "apps.costing",
    "apps.iac",
    "apps.deployments",
    "apps.operations",
    "apps.loadtests",
    "apps.validation",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who wrote what: the audit log's actor and remote address (apps/audit/middleware.py).
    "apps.audit.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "dharma.urls"
WSGI_APPLICATION = "dharma.wsgi.application"
ASGI_APPLICATION = "dharma.asgi.application"

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

# --- Database ---------------------------------------------------------------------------------
# DATABASE_URL unset -> SQLite file in the project (first run). PostgreSQL in production, normally
# through PgBouncer in transaction mode: set DATABASE_PGBOUNCER=true so Django neither keeps
# connections nor opens server-side cursors, which transaction pooling cannot serve.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASE_PGBOUNCER = env_bool("DATABASE_PGBOUNCER", False)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=0
        if DATABASE_PGBOUNCER
        else int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "django_prometheus.db.backends.postgresql"
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
    )
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_PGBOUNCER
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "django_prometheus.db.backends.sqlite3"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# While the database cannot be reached, the API and the admin answer 503 with this Retry-After
# (seconds), logged in one line per request (apps/core/database_outage.py). A persistent
# connection broken meanwhile is not reused: a failed one is closed at the end of its request and
# the health check (conn_health_checks) tests an idle one before a request uses it.
DHARMA_RETRY_AFTER_SECONDS = env_int("DHARMA_RETRY_AFTER_SECONDS", 5)

# --- Cache ------------------------------------------------------------------------------------
# REDIS_URL unset -> local-memory cache. Cache failures never fail a request: django-redis is told
# to swallow connection errors for ordinary cache use; health checks talk to Redis directly.
# A slow or hung Redis costs a request at most the short timeouts below, and after
# DHARMA_REDIS_BREAKER_FAILURES consecutive failures nothing for DHARMA_REDIS_BREAKER_RESET_SECONDS:
# every connection goes through a circuit breaker (apps/core/cache_breaker.py).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "dharma")
DHARMA_REDIS_CONNECT_TIMEOUT = env_float("DHARMA_REDIS_CONNECT_TIMEOUT", 0.1, minimum=0.001)
DHARMA_REDIS_SOCKET_TIMEOUT = env_float("DHARMA_REDIS_SOCKET_TIMEOUT", 0.25, minimum=0.001)
DHARMA_REDIS_BREAKER_FAILURES = env_int("DHARMA_REDIS_BREAKER_FAILURES", 3, minimum=1)
DHARMA_REDIS_BREAKER_RESET_SECONDS = env_float("DHARMA_REDIS_BREAKER_RESET_SECONDS", 5.0)
if REDIS_URL:
    redis_options: dict[str, object] = {
        "CLIENT_CLASS": "django_redis.client.DefaultClient",
        "CONNECTION_FACTORY": "apps.core.cache_breaker.BreakerConnectionFactory",
        "SOCKET_CONNECT_TIMEOUT": DHARMA_REDIS_CONNECT_TIMEOUT,
        "SOCKET_TIMEOUT": DHARMA_REDIS_SOCKET_TIMEOUT,
        "IGNORE_EXCEPTIONS": True,
    }
    CACHES = {
        "default": {
            "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": redis_options,
        }
    }
    # API response cache: errors are not swallowed by the backend but caught, counted and
    # answered from the database (apps/core/api/caching.py).
    CACHES["responses"] = {
        **CACHES["default"],
        "KEY_PREFIX": f"{CACHE_KEY_PREFIX}:responses",
        "OPTIONS": {**redis_options, "IGNORE_EXCEPTIONS": False},
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {
            "BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache",
            "LOCATION": "dharma",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        },
        "responses": {
            "BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache",
            "LOCATION": "dharma-responses",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        },
    }

# --- Celery -----------------------------------------------------------------------------------
# CELERY_BROKER_URL unset -> tasks run in-process (eager), so a first run needs no broker.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Tasks are acknowledged when they end (acks_late), and a Redis broker hands a task to another
# worker once it has gone unacknowledged this many seconds after its delivery. So a killed
# worker's tasks come back after it, and it must exceed the longest job: a job still running
# then is delivered a second time (the copy finds its job claimed and does nothing, but holds a
# worker meanwhile). 15 minutes: IaC renders and deployment executions take seconds, the longest
# built-in load-test profile nine minutes and a half. Raise it above your longest load test.
DHARMA_CELERY_VISIBILITY_TIMEOUT = env_int("DHARMA_CELERY_VISIBILITY_TIMEOUT", 900, minimum=1)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": DHARMA_CELERY_VISIBILITY_TIMEOUT,
    # Every worker looks for tasks past the timeout every 10 s (kombu's default: every 100 s).
    "unacked_restore_interval": 1,
}
# The reapers fail a job that has stood still this long: its worker died. An IaC generation's
# window is longer than the visibility timeout, so the task redelivered after a killed worker
# renders the generation before the reaper would fail it.
DHARMA_DEPLOYMENT_STALE_SECONDS = env_int("DHARMA_DEPLOYMENT_STALE_SECONDS", 600, minimum=1)
DHARMA_IAC_STALE_SECONDS = env_int(
    "DHARMA_IAC_STALE_SECONDS", DHARMA_CELERY_VISIBILITY_TIMEOUT + 300, minimum=1
)
DHARMA_REAP_INTERVAL_SECONDS = env_int("DHARMA_REAP_INTERVAL_SECONDS", 60, minimum=1)
# Load tests run on their own queue, so a long run never delays other jobs:
# `celery -A dharma worker -Q loadtests --concurrency 1`.
CELERY_TASK_ROUTES = {"loadtests.run": {"queue": "loadtests"}}
CELERY_BEAT_SCHEDULE = {
    # The readiness checks (the schedule can be changed in the admin's periodic tasks).
    "validation-run": {"task": "validation.run", "schedule": 300.0},
    # Results spooled on this machine's disk are stored, then runs without a heartbeat for
    # DHARMA_LOADTEST_HEARTBEAT_STALE_SECONDS are marked errored.
    "loadtests-reap": {"task": "loadtests.reap", "schedule": float(DHARMA_REAP_INTERVAL_SECONDS)},
    # Executions and generations left in progress by a dead worker fail (windows above).
    "deployments-reap": {
        "task": "deployments.reap",
        "schedule": float(DHARMA_REAP_INTERVAL_SECONDS),
    },
    "iac-reap": {"task": "iac.reap", "schedule": float(DHARMA_REAP_INTERVAL_SECONDS)},
}

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["apps.accounts.backends.TenantEmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Every operation's error statuses, in the error shape (apps/core/api/schema.py).
    "DEFAULT_SCHEMA_CLASS": "apps.core.api.schema.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.api.authentication.TenantJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["apps.core.api.parsers.LimitedJSONParser"],
    # The browsable HTML pages only in DEBUG; JSON only in production.
    "DEFAULT_RENDERER_CLASSES": api_renderers(debug=DEBUG),
    "DEFAULT_FILTER_BACKENDS": [
        "apps.core.api.filters.FilterBackend",  # related rows filtered by id (no oracle)
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.PageNumberPagination",
    "EXCEPTION_HANDLER": "apps.core.api.errors.exception_handler",
    # Per client address (apps/accounts/api/throttling.py): REMOTE_ADDR, or with
    # DHARMA_NUM_PROXIES trusted proxies in front, the X-Forwarded-For hop the outermost one wrote.
    "DEFAULT_THROTTLE_RATES": {
        "login": os.environ.get("DHARMA_LOGIN_THROTTLE", "10/min"),
        "token_refresh": os.environ.get("DHARMA_TOKEN_REFRESH_THROTTLE", "30/min"),
    },
    "NUM_PROXIES": env_int("DHARMA_NUM_PROXIES", 0),
}
# Largest JSON body the API accepts (bytes); larger ones answer 413.
DHARMA_API_MAX_BODY_BYTES = int(os.environ.get("DHARMA_API_MAX_BODY_BYTES", str(5 * 1024 * 1024)))
# Deepest nesting of arrays and objects the API accepts in a JSON body; deeper ones answer 400.
DHARMA_API_MAX_JSON_DEPTH = int(os.environ.get("DHARMA_API_MAX_JSON_DEPTH", "64"))
# CSRF failures of plain Django views under /api/ answer in the API's error shape.
CSRF_FAILURE_VIEW = "apps.core.api.error_views.csrf_failure"
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(
        minutes=int(os.environ.get("DHARMA_ACCESS_TOKEN_MINUTES", "15"))
    ),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=int(os.environ.get("DHARMA_REFRESH_TOKEN_DAYS", "7"))),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dharma API",
    "DESCRIPTION": "Infrastructure-as-code control plane: blueprints, guardrails, costing, IaC, "
    "load tests and validation runs.",
    "VERSION": DHARMA_VERSION,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ProjectStatusEnum": "apps.accounts.choices.ProjectStatus",
        "VersionStatusEnum": "apps.blueprints.choices.VersionStatus",
        "ProviderEnum": "apps.blueprints.choices.Provider",
        "FindingSeverityEnum": "apps.guardrails.choices.FindingSeverity",
        "EnforcementLevelEnum": "apps.guardrails.choices.EnforcementLevel",
        "RecommendationStatusEnum": "apps.costing.choices.RecommendationStatus",
        "GenerationStatusEnum": "apps.iac.choices.GenerationStatus",
        "IacFormatEnum": "apps.iac.choices.IacFormat",
        "PriorityEnum": "apps.core.models.Priority",
        "ApprovalStatusEnum": "apps.deployments.choices.ApprovalStatus",
        "ExecutionStatusEnum": "apps.deployments.choices.ExecutionStatus",
        "DeploymentTypeEnum": "apps.deployments.choices.DeploymentType",
        "IncidentStatusEnum": "apps.operations.choices.IncidentStatus",
        "IncidentPriorityEnum": "apps.operations.choices.IncidentPriority",
    },
}

# --- Internationalisation, static files -------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
# WhiteNoise serves the admin's static files from gunicorn (after `collectstatic`), hashed and
# compressed; in DEBUG, runserver serves them from the apps.
if not DEBUG:
    MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                      "whitenoise.middleware.WhiteNoiseMiddleware")  # fmt: skip
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security (production) --------------------------------------------------------------------
# The defaults keep the first run (plain HTTP on 127.0.0.1, DEBUG on) working; behind an HTTPS
# proxy set DJANGO_SECURE_PROXY_SSL_HEADER (e.g. HTTP_X_FORWARDED_PROTO,https), then the redirect
# and HSTS. Probes and scrapes (/health*, /metrics*) are never redirected: they come over plain
# HTTP from inside the deployment.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
SECURE_PROXY_SSL_HEADER = proxy_ssl_header("DJANGO_SECURE_PROXY_SSL_HEADER")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^health(/|$)", r"^api/health$", r"^metrics(/|$)"]
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Errors that only say a Redis command was skipped by the open circuit breaker are not
    # logged, one per request (the breaker logs its trip once).
    "filters": {"skip_circuit_open": {"()": "apps.core.cache_breaker.SkipCircuitOpen"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["skip_circuit_open"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django_redis": {"level": "ERROR"}},
}

# E-mail is unique per tenant, not globally; TenantEmailBackend handles that (auth.W004).
SILENCED_SYSTEM_CHECKS = ["auth.W004"]

# /health recounts guardrail findings at most this often (seconds) per process.
DHARMA_HEALTH_STATS_TTL = float(os.environ.get("DHARMA_HEALTH_STATS_TTL", "5"))
# Set: /metrics and /metrics/validation need `Authorization: Bearer <token>`, and /health adds its
# cross-tenant finding counts only for that token (or a superuser's session). Unset: metrics open.
DHARMA_METRICS_TOKEN = os.environ.get("DHARMA_METRICS_TOKEN", "").strip()
# Largest blueprint graph the API accepts (components per version); larger ones answer 400.
DHARMA_MAX_COMPONENTS = int(os.environ.get("DHARMA_MAX_COMPONENTS", "5000"))
# What prices a version's components for the guardrails' cost ceiling: a callable taking the
# components and returning an object with `monthly_total` (Decimal).
DHARMA_COST_ESTIMATOR = "apps.costing.services.estimate_components"
# Seconds an API response stays cached (keys change on every write anyway).
DHARMA_API_CACHE_SECONDS = int(os.environ.get("DHARMA_API_CACHE_SECONDS", "300"))
# Hosts `runloadtest` may send load to; anything else is refused before a single request.
DHARMA_LOADTEST_ALLOWED_HOSTS = env_list(
    "DHARMA_LOADTEST_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "::1"]
)
# Largest `runloadtest --scenario` file (bytes); its aliases may not expand it past this either.
DHARMA_SCENARIO_MAX_BYTES = env_int("DHARMA_SCENARIO_MAX_BYTES", 1024 * 1024, minimum=1)
# Largest `load_prices` file (bytes), refused before it is read.
DHARMA_PRICE_FILE_MAX_BYTES = env_int("DHARMA_PRICE_FILE_MAX_BYTES", 20 * 1024 * 1024, minimum=1)
# A running load test's heartbeat: seconds between beats, and seconds of silence after which the
# reaper marks the run errored (its worker may have stopped or lost its database connection).
DHARMA_LOADTEST_HEARTBEAT_SECONDS = env_int("DHARMA_LOADTEST_HEARTBEAT_SECONDS", 5, minimum=1)
DHARMA_LOADTEST_HEARTBEAT_STALE_SECONDS = env_int(
    "DHARMA_LOADTEST_HEARTBEAT_STALE_SECONDS", 60, minimum=1
)
# Seconds a worker keeps trying to store a finished run's result while the database is
# unreachable; meanwhile, and after, the result waits in DHARMA_SPOOL_DIR on the worker's disk.
DHARMA_LOADTEST_STORE_RETRY_SECONDS = env_int("DHARMA_LOADTEST_STORE_RETRY_SECONDS", 300)
DHARMA_SPOOL_DIR = Path(os.environ.get("DHARMA_SPOOL_DIR", "") or BASE_DIR / ".dharma" / "spool")

# --- Infrastructure validation ----------------------------------------------------------------
# The environment the checks describe (stored with every check result).
DHARMA_ENVIRONMENT = os.environ.get("DHARMA_ENVIRONMENT", "local")
# Extensions the PostgreSQL check requires (comma-separated).
DHARMA_VALIDATION_PG_EXTENSIONS = [
    name for name in os.environ.get("DHARMA_VALIDATION_PG_EXTENSIONS", "").split(",") if name
]
# PgBouncer's admin console, e.g. postgresql://dharma@127.0.0.1:6432/pgbouncer (unset: the check
# says "not measured").
DHARMA_PGBOUNCER_ADMIN_URL = os.environ.get("DHARMA_PGBOUNCER_ADMIN_URL", "")
# HTTP health endpoints the services check probes: "name=url,name=url".
DHARMA_VALIDATION_SERVICES = dict(
    item.split("=", 1)
    for item in os.environ.get("DHARMA_VALIDATION_SERVICES", "").split(",")
    if "=" in item
)
# Prometheus' HTTP API, e.g. http://127.0.0.1:9090 (unset: the Prometheus check says "not
# measured").
DHARMA_VALIDATION_PROMETHEUS_URL = os.environ.get("DHARMA_VALIDATION_PROMETHEUS_URL", "")

# --- Audit log (django-auditlog; apps/audit) ---------------------------------------------------
# Every write to Dharma's models, with its tenant (apps/audit/models.py). Models and fields are
# registered in apps/audit/registration.py, not here; changes are stored as JSON values.
AUDITLOG_LOGENTRY_MODEL = "audit.AuditLogEntry"
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_CHANGE_DISPLAY_TRUNCATE_LENGTH = 300
# django-auditlog's own `auditlog_logentry` table is never used (the entries are
# audit.AuditLogEntry): its migrations are not run.
MIGRATION_MODULES = {"auditlog": None}
