"""greenshield settings, read from the environment (see README "Configuration").

Safe by default: anything but an explicit `GREENSHIELD_ENV=development` is production — every deploy safeguard on,
DEBUG off, and no start without its secrets. `make run` and the test settings say development; even then DEBUG is on
only while every allowed host is a loopback name, and the SECRET_KEY is generated once outside the repository.
Development needs nothing else: SQLite, eager Celery tasks, a local keyring outside the repo.
"""
import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

GREENSHIELD_ENV = os.environ.get("GREENSHIELD_ENV", "production").strip().lower() or "production"
if GREENSHIELD_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("GREENSHIELD_ENV must be 'development' or 'production'.")
PRODUCTION = GREENSHIELD_ENV != "development"

if PRODUCTION:
    missing = [name for name in ("DJANGO_SECRET_KEY", "GREENSHIELD_KEYS", "GREENSHIELD_LOG_KEY")
               if not os.environ.get(name)]
    if missing:
        raise ImproperlyConfigured(f"Production mode refuses to start without {', '.join(missing)}. "
                                   "(Set GREENSHIELD_ENV=development on a developer's machine.)")

# Development without GREENSHIELD_KEYS: a keyring generated once and kept outside the repository; the development
# SECRET_KEY and the log's signing key live beside it.
GREENSHIELD_KEYRING_FILE = os.environ.get(
    "GREENSHIELD_KEYRING_FILE",
    str(Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "greenshield" / "keyring"),
)

# The PostgreSQL role the service runs as (manage.py db_roles creates it): when set, every migrate re-grants it
# exactly its privileges on new tables (apps.common.db_roles).
GREENSHIELD_DB_APP_ROLE = os.environ.get("GREENSHIELD_DB_APP_ROLE", "")

def _development_secret_key(path: Path) -> str:
    """A SECRET_KEY made once for this machine's development server, never one committed to the repository."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50) + "\n")
    return path.read_text().strip()


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _development_secret_key(
    Path(os.environ.get("GREENSHIELD_SECRET_KEY_FILE", str(Path(GREENSHIELD_KEYRING_FILE).parent / "secret-key"))))

_default_hosts = "" if PRODUCTION else "127.0.0.1,localhost,[::1],testserver"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", _default_hosts).split(",") if h.strip()]
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Production mode needs ALLOWED_HOSTS.")


def is_loopback_host(host: str) -> bool:
    """A host name that only this machine reaches (``testserver`` is Django's test client)."""
    host = host.strip().lower().rstrip(".")
    if host in {"localhost", "testserver"} or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]")).is_loopback
    except ValueError:
        return False


# Debug pages show local variables — decrypted personal data among them: only for a developer on their own machine.
# GREENSHIELD_DEBUG=0 turns it off there too (the benchmarks measure the stack as deployed: DEBUG also keeps the SQL
# of every query in memory).
DEBUG = (not PRODUCTION and bool(ALLOWED_HOSTS) and all(is_loopback_host(host) for host in ALLOWED_HOSTS)
         and os.environ.get("GREENSHIELD_DEBUG", "1") != "0")
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
# The reverse proxies in front of the service (addresses or networks, comma-separated). Only a request arriving from
# one of them has its X-Forwarded-For read, and only the hops they added; unset, the header is ignored.
GREENSHIELD_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("GREENSHIELD_TRUSTED_PROXIES", "").split(",")
                               if p.strip()]

# Keyring for personal-data encryption: "id=<base64 32 bytes>,..." with the primary first. Never SECRET_KEY.
GREENSHIELD_KEYS = os.environ.get("GREENSHIELD_KEYS", "")

# The transparency log's signing key: "PRIVATE+KEY+<name>+<key id>+<base64>" (python manage.py log_key prints a new
# one). Unset in development: one is generated once and kept outside the repository. The key name is the log's
# origin line.
GREENSHIELD_LOG_KEY = os.environ.get("GREENSHIELD_LOG_KEY", "")
GREENSHIELD_LOG_KEY_FILE = os.environ.get("GREENSHIELD_LOG_KEY_FILE", str(Path(GREENSHIELD_KEYRING_FILE).parent / "log-key"))
GREENSHIELD_LOG_ORIGIN = os.environ.get("GREENSHIELD_LOG_ORIGIN", "greenshield.local/evidence-log")
# A leaf is integrated into a signed checkpoint within this many seconds, or an alert is raised.
GREENSHIELD_LOG_MAX_MERGE_DELAY_SECONDS = float(os.environ.get("GREENSHIELD_LOG_MAX_MERGE_DELAY_SECONDS", "10"))
GREENSHIELD_LOG_INTEGRATE_SECONDS = float(os.environ.get("GREENSHIELD_LOG_INTEGRATE_SECONDS", "2"))
GREENSHIELD_LOG_BATCH_SIZE = int(os.environ.get("GREENSHIELD_LOG_BATCH_SIZE", "50000"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_standardized_errors",
    "apps.common",
    "apps.transparency",
    "apps.accounts",
    "apps.organizations",
    "apps.audit",
    "apps.senders",
    "apps.parcels",
    "apps.screening",
    "apps.tracking",
    "apps.compliance",
    "apps.epcis",
    "apps.supervision",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.common.middleware.RequestIdMiddleware",
    "apps.common.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "axes.middleware.AxesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.common.replica.ReadYourWritesMiddleware",
]

if PRODUCTION:  # static files (admin) served by the app itself behind the proxy
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
# A streaming replica (README "Scaling"): trace, reverse traces, statistics and EPCIS reads go there, writes and
# anything that must see its own write stay on the primary (apps/common/replica.py). Unset: everything on default.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"],
                                                 conn_max_age=DATABASES["default"]["CONN_MAX_AGE"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests create nothing on a read-only standby
GREENSHIELD_REPLICA_READS = "replica" in DATABASES
DATABASE_ROUTERS = ["apps.common.replica.ReplicaRouter"]
# After a write, a principal's reads stay on the primary until the replica has replayed it, at most this long.
GREENSHIELD_REPLICA_STICKY_SECONDS = float(os.environ.get("GREENSHIELD_REPLICA_STICKY_SECONDS", "60"))
# Behind PgBouncer in transaction mode (README "Scaling"): one transaction may run on another server connection
# than the last, so no cursor may outlive its transaction.
GREENSHIELD_DB_POOLER = os.environ.get("GREENSHIELD_DB_POOLER", "").strip().lower()
if GREENSHIELD_DB_POOLER not in {"", "pgbouncer"}:
    raise ImproperlyConfigured("GREENSHIELD_DB_POOLER must be empty or 'pgbouncer'.")
if GREENSHIELD_DB_POOLER == "pgbouncer":
    for _database in DATABASES.values():
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Celery: Redis when REDIS_URL is set, otherwise tasks run eagerly in-process.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 1}
CELERY_TIMEZONE = TIME_ZONE
# Periodic jobs (`make beat`): the outbox relay delivers what a broker outage left pending; the sweep raises
# alerts for parcels still unscreened after GREENSHIELD_UNSCREENED_MAX_HOURS.
GREENSHIELD_OUTBOX_RELAY_SECONDS = float(os.environ.get("GREENSHIELD_OUTBOX_RELAY_SECONDS", "30"))
GREENSHIELD_UNSCREENED_MAX_HOURS = float(os.environ.get("GREENSHIELD_UNSCREENED_MAX_HOURS", "12"))
GREENSHIELD_SWEEP_SECONDS = float(os.environ.get("GREENSHIELD_SWEEP_SECONDS", "900"))
# Scans further in the future than this (device clock skew) are rejected as occurred_in_future.
GREENSHIELD_EVENT_MAX_FUTURE_SKEW_SECONDS = int(os.environ.get("GREENSHIELD_EVENT_MAX_FUTURE_SKEW_SECONDS", "300"))
# Device clocks are coarse: a scan stamped up to this long before the acceptance is not "before acceptance".
GREENSHIELD_CLOCK_SKEW_SECONDS = int(os.environ.get("GREENSHIELD_CLOCK_SKEW_SECONDS", "120"))
# This many scans of a batch flagged alike (one device) collapse into one device-level alert with the count.
GREENSHIELD_ALERT_BURST_THRESHOLD = int(os.environ.get("GREENSHIELD_ALERT_BURST_THRESHOLD", "20"))
# "What was aboard at T" looks back at most this far for the loading scan.
GREENSHIELD_MAX_LEG_HOURS = float(os.environ.get("GREENSHIELD_MAX_LEG_HOURS", "72"))
# Retention per data class [R19], in days (the nearest published figure for express data is 3 years).
GREENSHIELD_RETENTION_DAYS = {
    # an acceptance's sender and recipient contact details, from the attempt
    "acceptance": int(os.environ.get("GREENSHIELD_RETENTION_ACCEPTANCE_DAYS", str(3 * 365))),
    # a sender's identity, from their last parcel
    "sender": int(os.environ.get("GREENSHIELD_RETENTION_SENDER_DAYS", str(3 * 365))),
    "blacklist": int(os.environ.get("GREENSHIELD_RETENTION_BLACKLIST_DAYS", "365")),
    # where a last-mile scan happened (the recipient's door): long enough for a delivery dispute
    "last_mile_location": int(os.environ.get("GREENSHIELD_RETENTION_LAST_MILE_LOCATION_DAYS", "180")),
    # the evidence itself, dropped a whole month at a time once the month is this old (apps.common.partitions):
    # chain links by their parcel's acceptance, log leaves and audit entries by their time
    "evidence": int(os.environ.get("GREENSHIELD_RETENTION_EVIDENCE_DAYS", str(3 * 365))),
    "audit": int(os.environ.get("GREENSHIELD_RETENTION_AUDIT_DAYS", str(3 * 365))),
}
# Monthly partitions of the evidence are created this many months ahead (the beat's partitions-maintain task).
GREENSHIELD_PARTITIONS_AHEAD_MONTHS = int(os.environ.get("GREENSHIELD_PARTITIONS_AHEAD_MONTHS", "3"))
CELERY_BEAT_SCHEDULE = {
    "outbox-relay": {"task": "greenshield.outbox_relay", "schedule": GREENSHIELD_OUTBOX_RELAY_SECONDS},
    "unscreened-sweep": {"task": "greenshield.unscreened_sweep", "schedule": GREENSHIELD_SWEEP_SECONDS},
    "retention-sweep": {"task": "greenshield.retention_sweep", "schedule": 24 * 3600.0},
    # Evidence partitions: months created GREENSHIELD_PARTITIONS_AHEAD_MONTHS ahead, expired months dropped.
    "partitions-maintain": {"task": "greenshield.partitions_maintain", "schedule": 24 * 3600.0},
    # One integrator at a time (an advisory lock inside it); a run that cannot start in time is dropped.
    "log-integrate": {"task": "greenshield.log_integrate", "schedule": GREENSHIELD_LOG_INTEGRATE_SECONDS,
                      "options": {"expires": GREENSHIELD_LOG_INTEGRATE_SECONDS}},
    # Supervision rollups: the days whose records changed since the last run, then the risk-source alerts. One run
    # at a time (an advisory lock inside it).
    "supervision-rollup": {"task": "greenshield.supervision_rollup",
                           "schedule": float(os.environ.get("GREENSHIELD_ROLLUP_SECONDS", "300")),
                           "options": {"expires": float(os.environ.get("GREENSHIELD_ROLLUP_SECONDS", "300"))}},
    "epcis-subscriptions": {"task": "greenshield.epcis_subscriptions_due",
                            "schedule": float(os.environ.get("GREENSHIELD_EPCIS_POLL_SECONDS", "10"))},
}
# EPCIS 2.0. Identifiers are HTTP URIs under this base (parcels …/parcel/{waybill}, facilities …/facility/{code},
# the extension namespace …/epcis/): set it once to the installation's own domain, since every identifier and every
# event hash ID partners hold depends on it.
GREENSHIELD_EPCIS_ID_BASE = os.environ.get("GREENSHIELD_EPCIS_ID_BASE", "https://greenshield.example")
# Subscriptions deliver only events recorded this long ago (and before the oldest open transaction): an event
# whose transaction commits late is still delivered, in order, exactly once.
GREENSHIELD_EPCIS_SETTLE_SECONDS = float(os.environ.get("GREENSHIELD_EPCIS_SETTLE_SECONDS", "5"))
GREENSHIELD_EPCIS_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("GREENSHIELD_EPCIS_WEBHOOK_TIMEOUT_SECONDS", "10"))
GREENSHIELD_EPCIS_RETRY_BASE_SECONDS = float(os.environ.get("GREENSHIELD_EPCIS_RETRY_BASE_SECONDS", "2"))
GREENSHIELD_EPCIS_MAX_FAILURES = int(os.environ.get("GREENSHIELD_EPCIS_MAX_FAILURES", "12"))
GREENSHIELD_EPCIS_PAGE_SIZE = int(os.environ.get("GREENSHIELD_EPCIS_PAGE_SIZE", "500"))
# Webhooks to http:// and to loopback/private addresses: only outside production (local receivers in tests).
GREENSHIELD_EPCIS_ALLOW_LOCAL_WEBHOOKS = (os.environ.get("GREENSHIELD_EPCIS_ALLOW_LOCAL_WEBHOOKS", "")
                                          .lower() in ("1", "true")) if PRODUCTION else True

# Supervision (README "Supervision"). Statistics answer for at most this many days at once (range_too_long).
GREENSHIELD_STATS_MAX_RANGE_DAYS = int(os.environ.get("GREENSHIELD_STATS_MAX_RANGE_DAYS", "400"))
# A rollup run also recomputes what was recorded this long before the previous run began (late commits).
GREENSHIELD_ROLLUP_MARGIN_SECONDS = float(os.environ.get("GREENSHIELD_ROLLUP_MARGIN_SECONDS", "120"))


def _codes(name: str, default: str) -> tuple[str, ...]:
    return tuple(code.strip() for code in os.environ.get(name, default).split(",") if code.strip())


# The plan's first-tier hubs (prefecture-level GB/T 2260 codes): Shanghai, Nanjing, Wuxi, Hangzhou, Ningbo, Jinhua
# (Yiwu is a county of Jinhua). A parcel between two of them is promised 12 h (indicator key_cities_12h).
GREENSHIELD_KEY_CITIES = _codes("GREENSHIELD_KEY_CITIES", "310100,320100,320200,330100,330200,330700")
# The Delta's cities: region codes starting with these (Shanghai, Jiangsu, Zhejiang). Between two of them that are
# not both key cities: 24 h (indicator delta_24h).
GREENSHIELD_DELTA_PREFIXES = _codes("GREENSHIELD_DELTA_PREFIXES", "31,32,33")
# Promised delivery limit in hours per route class (delay_rate counts deliveries later than this), measured from
# acceptance to the first DELIVERED scan.
GREENSHIELD_PROMISED_HOURS = {
    "same_city": float(os.environ.get("GREENSHIELD_PROMISED_HOURS_SAME_CITY", "24")),
    "key_cities": float(os.environ.get("GREENSHIELD_PROMISED_HOURS_KEY_CITIES", "12")),
    "delta": float(os.environ.get("GREENSHIELD_PROMISED_HOURS_DELTA", "24")),
    "other": float(os.environ.get("GREENSHIELD_PROMISED_HOURS_OTHER", "72")),
}
# A parcel neither delivered, returned nor seized with no scan for this many days counts as lost (as does an
# EXCEPTION scan with reason LOST); an EXCEPTION with reason DAMAGED counts as damaged.
GREENSHIELD_LOST_AFTER_DAYS = int(os.environ.get("GREENSHIELD_LOST_AFTER_DAYS", "7"))
GREENSHIELD_DAMAGED_REASONS = _codes("GREENSHIELD_DAMAGED_REASONS", "DAMAGED")
GREENSHIELD_LOST_REASONS = _codes("GREENSHIELD_LOST_REASONS", "LOST")
# The plan's targets (主要指标): delay <= 2 per mille, damage <= 2 and loss <= 1 per 100,000; the share delivered in
# time between key cities (12 h) and other Delta cities (24 h) is this installation's choice.
GREENSHIELD_INDICATOR_TARGETS = {
    "delay_rate": float(os.environ.get("GREENSHIELD_TARGET_DELAY_RATE", "2")),
    "damage_rate": float(os.environ.get("GREENSHIELD_TARGET_DAMAGE_RATE", "2")),
    "loss_rate": float(os.environ.get("GREENSHIELD_TARGET_LOSS_RATE", "1")),
    "key_cities_12h": float(os.environ.get("GREENSHIELD_TARGET_KEY_CITIES_12H", "90")),
    "delta_24h": float(os.environ.get("GREENSHIELD_TARGET_DELTA_24H", "90")),
}
# Risk sources: counts of each factor over the last GREENSHIELD_RISK_WINDOW_DAYS China days, times its weight; a
# subject whose score reaches the threshold (within one company) raises one risk_threshold alert.
GREENSHIELD_RISK_WINDOW_DAYS = int(os.environ.get("GREENSHIELD_RISK_WINDOW_DAYS", "30"))
GREENSHIELD_RISK_THRESHOLD = float(os.environ.get("GREENSHIELD_RISK_THRESHOLD", "20"))
GREENSHIELD_RISK_WEIGHTS = {
    "refused:prohibited_item": 10.0,
    "refused:sender_blacklisted": 8.0,
    "refused:inspection_refused": 3.0,
    "refused:identity_mismatch": 1.0,
    "refused:unconfirmable_item": 2.0,
    "identity_mismatch": 4.0,
    "blacklisted_attempt": 8.0,
    "suspect_screening": 3.0,
    "prohibited_screening": 10.0,
    "seizure": 15.0,
    "dispatch_without_screening": 6.0,
    "movement_while_on_hold": 6.0,
    "event_id_conflict": 2.0,
}
if os.environ.get("GREENSHIELD_RISK_WEIGHTS"):  # "factor=weight,factor=weight" overrides single weights
    for _pair in os.environ["GREENSHIELD_RISK_WEIGHTS"].split(","):
        _name, _, _weight = _pair.partition("=")
        GREENSHIELD_RISK_WEIGHTS[_name.strip()] = float(_weight)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.AccountTokenAuthentication",
        "apps.accounts.authentication.DeviceApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "apps.common.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.common.throttling.AccountRateThrottle",
        "apps.common.throttling.DeviceRateThrottle",
        "apps.common.throttling.AnonRateThrottle",
    ],
    # Throttles key anonymous callers on ``apps.common.client_address`` (GREENSHIELD_TRUSTED_PROXIES); DRF's own
    # reading of X-Forwarded-For is given the same number of hops, never the client's word.
    "NUM_PROXIES": len(GREENSHIELD_TRUSTED_PROXIES),
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("GREENSHIELD_THROTTLE_USER", "1200/min"),
        "device": os.environ.get("GREENSHIELD_THROTTLE_DEVICE", "600/min"),
        "anon": os.environ.get("GREENSHIELD_THROTTLE_ANON", "60/min"),
        "login": os.environ.get("GREENSHIELD_THROTTLE_LOGIN", "30/min"),
    },
}
DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "apps.common.errors.ExceptionHandler",
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "greenshield API",
    "DESCRIPTION": "Green Shield (绿盾) parcel-safety records: acceptance, real-name sending, X-ray screening, trace chains.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "SubscriptionStatusEnum": "apps.epcis.models.SubscriptionStatus",
        "CaptureStatusEnum": "greenshield.enums.CaptureStatus",
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ErrorCode401Enum": "drf_standardized_errors.openapi_serializers.ErrorCode401Enum.choices",
        "ErrorCode403Enum": "drf_standardized_errors.openapi_serializers.ErrorCode403Enum.choices",
        "ErrorCode404Enum": "drf_standardized_errors.openapi_serializers.ErrorCode404Enum.choices",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers.ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers.ErrorCode406Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers.ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers.ErrorCode500Enum.choices",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "apps.common.openapi.indexed_error_attrs",
        "apps.common.openapi.operation_links",
    ],
}

API_KEY_CUSTOM_HEADER = "HTTP_AUTHORIZATION"

# Abuse limits. A full batch of 1,000 events is ~0.5 MB; bodies over the limit get 413 before they are read.
GREENSHIELD_MAX_BODY_BYTES = int(os.environ.get("GREENSHIELD_MAX_BODY_BYTES", str(2 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = GREENSHIELD_MAX_BODY_BYTES

# Sign-in sessions (django-rest-knox): `Authorization: Token <key>`, stored as a SHA-512 digest, valid for a working
# shift unless the account signs out or its password, role, scope or active flag changes.
GREENSHIELD_TOKEN_TTL = int(os.environ.get("GREENSHIELD_TOKEN_TTL", str(9 * 3600)))  # seconds
REST_KNOX = {
    "TOKEN_TTL": timedelta(seconds=GREENSHIELD_TOKEN_TTL),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# Logins (django-axes): GREENSHIELD_LOGIN_MAX_FAILURES failed sign-ins for one username from one client address lock
# that pair — admin and API alike — for GREENSHIELD_LOGIN_LOCKOUT_SECONDS. Another address is not affected, so a
# stranger cannot keep a regulator out, and an unknown username locks exactly like a known one.
GREENSHIELD_LOGIN_MAX_FAILURES = int(os.environ.get("GREENSHIELD_LOGIN_MAX_FAILURES", "5"))
GREENSHIELD_LOGIN_LOCKOUT_SECONDS = int(os.environ.get("GREENSHIELD_LOGIN_LOCKOUT_SECONDS", "900"))
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"  # counters in the shared cache, keyed on a digest only
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = "apps.accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = "apps.accounts.lockout.cool_off"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "apps.common.client_address.client_address"
AXES_CLIENT_STR_CALLABLE = "apps.accounts.lockout.client_str"
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.lockout_response"
AXES_ENABLE_ADMIN = False  # nothing of axes' is stored in the database
AXES_VERBOSE = False

# Throttle counters and lockouts must be shared by every worker process: Redis when configured.
# Without it (a single development process) axes' warning about a per-process cache does not apply.
SILENCED_SYSTEM_CHECKS = [] if REDIS_URL or PRODUCTION else ["axes.W001"]
if REDIS_URL:  # the cache lives in its own Redis database, apart from the Celery broker's
    _cache_url = urlsplit(REDIS_URL)._replace(path="/" + os.environ.get("GREENSHIELD_CACHE_REDIS_DB", "1")).geturl()
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url,
                          "KEY_PREFIX": "gs"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true").lower() != "false"
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
