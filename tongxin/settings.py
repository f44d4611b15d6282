"""One settings file, driven by environment variables (see docs/deployment.md).

With no environment at all it runs a local SQLite database under ./data, which
is what `make run` and `make test` rely on.
"""

import datetime
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_from_url(url: str) -> dict:
    """Turn TONGXIN_DATABASE_URL into a Django DATABASES entry (parsed by dj-database-url).

    sqlite:///path/to/file.sqlite3 or postgres://user:pass@host:port/name; a
    PostgreSQL URL's query string becomes connection options (?sslmode=verify-full).
    """
    database = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # sqlite:////abs/file.sqlite3 is absolute, sqlite:///file.sqlite3 relative;
        # the entry carries our WAL and locking options.
        return _sqlite(Path(database["NAME"]))
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise ValueError(f"TONGXIN_DATABASE_URL: unsupported scheme {url.split(':', 1)[0]!r}")
    database["NAME"] = database["NAME"] or "tongxin"
    database["TEST"] = {"NAME": os.environ.get("TONGXIN_TEST_DATABASE_NAME") or None}
    # A name search's count reads one heap page per match (PostgreSQL cannot
    # count a GIN match without the heap): 6,232 pages for 芳 in 南宁市 at 1M
    # persons. Read one at a time (PostgreSQL's default, 1) with the pages on
    # disk, that count took 560 ms; with 32 reads asked ahead, 100 ms
    # (docs/benchmarks.md, session 14). `?options=…` in the URL replaces it
    # (`-c effective_io_concurrency=0` on a server without posix_fadvise).
    database.setdefault("OPTIONS", {}).setdefault("options", "-c effective_io_concurrency=32")
    return database


def _sqlite(path: Path) -> dict:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        # Kept open like PostgreSQL's: closed after every request, a connection
        # closed at 1M persons cost 15 ms (the last one out checkpoints the
        # WAL) and the next request re-read the schema and started with an
        # empty page cache: the person page took 55 ms through the server
        # against 32 ms with the connection kept (docs/benchmarks.md).
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # WAL lets the web server and the task worker read while one writes;
            # IMMEDIATE takes the write lock at BEGIN so two writers queue
            # instead of failing with "database is locked" half-way through.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA busy_timeout=10000; PRAGMA cache_size=-65536;"
            ),
            "transaction_mode": "IMMEDIATE",
        },
        "TEST": {"NAME": os.environ.get("TONGXIN_TEST_SQLITE") or None},
    }


DATA_DIR = Path(os.environ.get("TONGXIN_DATA_DIR", BASE_DIR / "data"))

DEBUG = _env_bool("TONGXIN_DEBUG", False)
# The demo deployment (make run) may use the published demo passwords; a
# production deployment (DEBUG off, TONGXIN_DEMO off) refuses them.
DEMO = _env_bool("TONGXIN_DEMO", False)
DEMO_PASSWORD = "tongxin-demo"

SECRET_KEY = os.environ.get("TONGXIN_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or DEMO or os.environ.get("TONGXIN_ALLOW_INSECURE_KEY"):
        SECRET_KEY = "insecure-tongxin-development-key-do-not-use-in-production"
    else:
        _key_file = DATA_DIR / "secret_key"
        if _key_file.exists():
            SECRET_KEY = _key_file.read_text().strip()
        else:
            import secrets

            DATA_DIR.mkdir(parents=True, exist_ok=True)
            SECRET_KEY = secrets.token_urlsafe(50)
            _key_file.write_text(SECRET_KEY)
            _key_file.chmod(0o600)

# --- Encryption at rest of resident IDs and mobiles (issue 7, tongxin/core/pii.py) ---
# TONGXIN_PII_KEY: one base64url-encoded 32-byte key (cannot be rotated);
# otherwise the key file TONGXIN_PII_KEY_FILE (default DATA_DIR/pii_keys.json,
# created with mode 0600 on first use; rotate with `tongxin pii_rotate_key`).
# Back the key up apart from the data backups: see docs/deployment.md.
PII_KEY = os.environ.get("TONGXIN_PII_KEY", "")
PII_KEY_FILE = os.environ.get("TONGXIN_PII_KEY_FILE", "")

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("TONGXIN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("TONGXIN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "tongxin.core.admin_site.TongxinAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "simple_history",
    "axes",
    # Before django_tasks_db: core's db_worker (with lease recovery) replaces its own.
    "tongxin.core",
    "django_tasks",
    "django_tasks_db",
    "tongxin.accounts",
    "tongxin.regions",
    "tongxin.people",
    "tongxin.audit",
    "tongxin.imports",
    "tongxin.reports",
    "tongxin.evaluations",
    "tongxin.engagement",
    "tongxin.service",
    "tongxin.levels",
    "tongxin.flows",
    "tongxin.qualification",
    "tongxin.analysis",
    "tongxin.privacy",
    "tongxin.dedupe",
    "tongxin.portal",
    "tongxin.dashboard",
    "tongxin.api",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "tongxin.mfa",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their caching headers.
    "tongxin.core.middleware.NoStoreMiddleware",
    # Pages that may read the replica, and read-your-writes (core/db_router.py).
    "tongxin.core.db_router.ReplicaReadsMiddleware",
    # A GET reads each model's data version once (core/versioned_cache.py).
    "tongxin.core.versioned_cache.VersionsPerRequestMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tongxin.accounts.middleware.SessionLimitsMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
    "tongxin.mfa.middleware.SecondFactorMiddleware",
    "tongxin.accounts.middleware.PasswordChangeRequiredMiddleware",
]

# `tongxin serve --portal` sets TONGXIN_PORTAL_ONLY for its web process: that
# process answers only the persons' own pages (tongxin/portal/root_urls.py), so
# an office can publish it alone while the staff UI stays on the intranet.
PORTAL_ONLY = _env_bool("TONGXIN_PORTAL_ONLY", False)
ROOT_URLCONF = "tongxin.urls"
# The staff login's own rules (sign-in required, session limits, second
# factor, forced password change) have nothing to guard in the portal process
# and would send its visitors to staff pages that do not exist there.
PORTAL_MIDDLEWARE = [
    m
    for m in MIDDLEWARE
    if m
    not in {
        "tongxin.accounts.middleware.SessionLimitsMiddleware",
        "django_otp.middleware.OTPMiddleware",
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
        "axes.middleware.AxesMiddleware",
        "tongxin.mfa.middleware.SecondFactorMiddleware",
        "tongxin.accounts.middleware.PasswordChangeRequiredMiddleware",
    }
]
# The staff CSRF page extends the staff layout, whose links the portal process lacks.
PORTAL_CSRF_FAILURE_VIEW = "tongxin.portal.person_views.csrf_failure"
if PORTAL_ONLY:
    ROOT_URLCONF = "tongxin.portal.root_urls"
    MIDDLEWARE = PORTAL_MIDDLEWARE
    CSRF_FAILURE_VIEW = PORTAL_CSRF_FAILURE_VIEW
WSGI_APPLICATION = "tongxin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tongxin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tongxin.core.context_processors.navigation",
                "tongxin.regions.context_processors.region_scope",
            ],
            # The region rule in templates (split_scope, in_scope, outside_note) everywhere.
            "builtins": ["tongxin.regions.templatetags.scope"],
        },
    },
]

# Every `{{ form }}` is drawn by core/templates/core/form.html (tongxin/core/forms.py).
FORM_RENDERER = "tongxin.core.forms.FormRenderer"

_database_url = os.environ.get("TONGXIN_DATABASE_URL")
DATABASES = {
    "default": _database_from_url(_database_url)
    if _database_url
    else _sqlite(DATA_DIR / "tongxin.sqlite3")
}
# --- Read replica (issue 23; tongxin/core/db_router.py, docs/deployment.md) ---
# TONGXIN_REPLICA_URL: a PostgreSQL streaming replica of the database above.
# Pages that may show figures a moment old (REPLICA_READ_VIEWS) read from it,
# except for REPLICA_READ_YOUR_WRITES_SECONDS after the user changed something.
# Without it the alias stays defined but is never used nor connected (tests
# switch REPLICA_ENABLED on and read it as a mirror of the test database).
_replica_url = os.environ.get("TONGXIN_REPLICA_URL")
REPLICA_ENABLED = bool(_replica_url)
DATABASES["replica"] = {
    **(_database_from_url(_replica_url) if _replica_url else DATABASES["default"]),
    "TEST": {"MIRROR": "default"},
}
DATABASE_ROUTERS = ["tongxin.core.db_router.ReplicaRouter"]
# URL names ("namespace:*" for a whole app) whose GET requests may read the replica.
REPLICA_READ_VIEWS = [
    "home",
    "analysis:*",
    "reports:summary",
    "reports:summary_xlsx",
    "reports:person_export",
]
# Apps always read from the primary: who is signed in, their placement and
# lockouts, the task queue (a job is read right after it is queued).
REPLICA_NEVER_APPS = [
    "accounts",
    "admin",
    "auth",
    "axes",
    "contenttypes",
    "core",
    "django_tasks_database",
    "mfa",
    "otp_static",
    "otp_totp",
    "regions",
    "sessions",
]
REPLICA_READ_YOUR_WRITES_SECONDS = int(os.environ.get("TONGXIN_READ_YOUR_WRITES_SECONDS", "10"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "tongxin.accounts.backends.TongxinBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# --- Password policy (issue 7; tongxin/accounts/password_validation.py) ---
# At least 10 characters, three of the four classes (upper, lower, digit,
# symbol), not the user name, not common, not one of the last 5 passwords.
_PASSWORD_VALIDATION = "tongxin.accounts.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_PASSWORD_VALIDATION}.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": f"{_PASSWORD_VALIDATION}.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": f"{_PASSWORD_VALIDATION}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_PASSWORD_VALIDATION}.CommonPasswordValidator"},
    {"NAME": f"{_PASSWORD_VALIDATION}.PasswordHistoryValidator"},
    {"NAME": "tongxin.accounts.backends.DemoPasswordValidator"},
]
# Days after which a password must be changed (the same forced-change page as
# a first login); 0 = never.
PASSWORD_MAX_AGE_DAYS = int(os.environ.get("TONGXIN_PASSWORD_MAX_AGE_DAYS", "0"))
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# --- Sessions (issue 7; tongxin/accounts/middleware.py SessionLimitsMiddleware) ---
# Signed out after this many minutes without a request, and this many hours
# after signing in whatever the activity (0 turns either off).
SESSION_IDLE_MINUTES = int(os.environ.get("TONGXIN_SESSION_IDLE_MINUTES", "30"))
SESSION_MAX_HOURS = int(os.environ.get("TONGXIN_SESSION_MAX_HOURS", "12"))
# The stored session outlives neither limit by much; the cookie ends with the browser.
SESSION_COOKIE_AGE = (SESSION_MAX_HOURS or 12) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# htmx sends the token from the page (base.html hx-headers), never from the
# cookie, so scripts need not read it.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# --- Login lockout (issue 7; django-axes, tongxin/accounts/locks.py) ---
# 5 failures for one account (from any address) or from one address (for any
# account) within 15 minutes lock that account or address for 15 minutes.
# Each item of AXES_LOCKOUT_PARAMETERS is a criterion of its own; the pair
# [["username", "ip_address"]] would instead count only per account-and-address.
AXES_FAILURE_LIMIT = int(os.environ.get("TONGXIN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A successful login does not wipe earlier failures (they age out after 15
# minutes), or a user with an account could reset the count on an address
# and the accounts tried from it by signing in between guesses.
AXES_RESET_ON_SUCCESS = False
# Failures while locked are refused without being counted: the lock lasts
# 15 minutes from the failure that caused it, not from the latest try.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The address a lock is counted for is the one the audit log records
# (the client's, also behind a reverse proxy: TONGXIN_BEHIND_PROXY).
AXES_CLIENT_IP_CALLABLE = "tongxin.audit.services.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False

# --- Two-factor authentication (issue 7; docs/two-factor.md) ---
# Who must use an authenticator app: "admin" (system administrators), "all" or
# "none". The demo is used without a phone, so it requires nobody by default.
MFA_REQUIRED = os.environ.get("TONGXIN_2FA_REQUIRED", "none" if DEMO else "admin").strip().lower()
if MFA_REQUIRED not in {"admin", "all", "none"}:
    raise ValueError(f"TONGXIN_2FA_REQUIRED: expected admin, all or none, not {MFA_REQUIRED!r}")
OTP_TOTP_ISSUER = "同心"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LANGUAGE_CODE = "zh-hans"
# The product speaks Chinese only: a browser asking for English still gets zh-hans.
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "tongxin" / "locale"]
# ISO dates first among the input formats: <input type="date"> reads no other.
FORMAT_MODULE_PATH = ["tongxin.formats"]
TIME_ZONE = os.environ.get("TONGXIN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"


# --- The shared cache (issue 23; docs/deployment.md, docs/decisions.md) ---
# Counted figures (core/versioned_cache.py), kept scopes (regions/scope.py)
# and import progress are shared by the web workers and the task worker,
# which counts them again in the background after changes. One machine: a
# file cache in the data directory. Several machines: TONGXIN_CACHE_URL,
# redis://host:6379/0 (Redis or Valkey; measured fastest) or db:// (a table
# in the database, created by `tongxin createcachetable`).
def _cache_from_url(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme in {"redis", "rediss", "valkey"}:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url.replace("valkey://", "redis://", 1),
            "KEY_PREFIX": os.environ.get("TONGXIN_CACHE_PREFIX", "tongxin"),
        }
    if parsed.scheme == "db":
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tongxin_cache",
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    if parsed.scheme == "file":
        return {
            "BACKEND": "tongxin.core.file_cache.DurableFileBasedCache",
            "LOCATION": unquote(parsed.path),
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    raise ValueError(
        f"TONGXIN_CACHE_URL: unsupported scheme {parsed.scheme!r} (redis://, db:// or file://)"
    )


_cache_url = os.environ.get("TONGXIN_CACHE_URL")
CACHES = {
    "default": _cache_from_url(_cache_url)
    if _cache_url
    else {
        "BACKEND": "tongxin.core.file_cache.DurableFileBasedCache",
        "LOCATION": DATA_DIR / "cache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
# --- Uploaded and generated files (issue 23; docs/deployment.md) ---
# Photos, attachments, import rosters, report files and the registration form
# template all go through default_storage. Several servers: TONGXIN_MEDIA_DIR
# on a directory every server mounts (NFS, a cloud file system).
MEDIA_ROOT = Path(os.environ.get("TONGXIN_MEDIA_DIR") or DATA_DIR / "media")


# Or an S3-compatible bucket (TONGXIN_S3_BUCKET; the provincial cloud's object
# storage, MinIO, Ceph RGW …) through django-storages. The bucket stays private:
# every file is streamed through the view that checks the region rule, never
# handed out as a link (docs/decisions.md). core/checks.py checks the
# variables; `tongxin serve` refuses to start when the bucket cannot be reached.
def _s3_storage(environ=os.environ) -> dict:
    """The S3Storage entry for STORAGES["default"] from TONGXIN_S3_* variables."""
    from botocore.config import Config

    client_config = Config(
        s3={"addressing_style": environ.get("TONGXIN_S3_ADDRESSING_STYLE") or None},
        signature_version="s3v4",
        # A bucket that does not answer fails a request in seconds, not minutes.
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": 3, "mode": "standard"},
        # botocore 1.36+ adds CRC checksums to every upload by default, which
        # several S3-compatible services (older MinIO, Ceph RGW, some clouds'
        # object storage) refuse; send them only where S3 requires them.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    options = {
        "bucket_name": environ["TONGXIN_S3_BUCKET"],
        # The provider's address; empty for AWS itself.
        "endpoint_url": environ.get("TONGXIN_S3_ENDPOINT_URL") or None,
        "region_name": environ.get("TONGXIN_S3_REGION") or None,
        # Empty: boto3's own chain (AWS_* variables, the machine's role).
        "access_key": environ.get("TONGXIN_S3_ACCESS_KEY_ID") or None,
        "secret_key": environ.get("TONGXIN_S3_SECRET_ACCESS_KEY") or None,
        # A folder inside the bucket, so one bucket can hold several deployments.
        "location": environ.get("TONGXIN_S3_PREFIX", "").strip("/"),
        "client_config": client_config,
        # A CA bundle for a provider behind the province's own certificate authority.
        "verify": environ.get("TONGXIN_S3_CA_BUNDLE") or None,
        # Objects take the bucket's (private) policy; no ACL header is sent,
        # which buckets with ACLs disabled would refuse.
        "default_acl": None,
        # A name in use gets a suffix, as on disk: a photo batch's undo puts
        # back the photo file it replaced, so a new photo must never overwrite it.
        "file_overwrite": False,
        # Should a URL ever be made, a signed one that expires in 5 minutes.
        "querystring_auth": True,
        "querystring_expire": 300,
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": _s3_storage()
    if os.environ.get("TONGXIN_S3_BUCKET")
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TONGXIN_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False

# Person list page size; search results are capped to keep every query bounded.
PAGE_SIZE = 50
UPLOAD_MAX_MEGABYTES = int(os.environ.get("TONGXIN_UPLOAD_MAX_MB", "50"))
# Calls per API client (tongxin/api/auth.py), e.g. "600/min", "20/s".
TONGXIN_API_RATE = os.environ.get("TONGXIN_API_RATE", "600/min")
# Uploaded roster files of finished imports are deleted after this many days.
IMPORT_FILE_RETENTION_DAYS = int(os.environ.get("TONGXIN_IMPORT_FILE_RETENTION_DAYS", "90"))
# The largest sheet an import reads (imports/extent.py, "bounded reading"): the
# reader holds the box from A1 to the last value, 32 bytes a cell, so 10 M
# cells ≈ 320 MB — room on a 2-core, 4 GB server. Files beyond are refused
# before anything is read. An .xls is measured in a child process capped at
# IMPORT_READ_MEMORY_MEGABYTES and IMPORT_READ_SECONDS.
IMPORT_MAX_ROWS = int(os.environ.get("TONGXIN_IMPORT_MAX_ROWS", "200000"))
IMPORT_MAX_COLUMNS = int(os.environ.get("TONGXIN_IMPORT_MAX_COLUMNS", "200"))
IMPORT_MAX_CELLS = int(os.environ.get("TONGXIN_IMPORT_MAX_CELLS", "10000000"))
IMPORT_READ_MEMORY_MEGABYTES = int(os.environ.get("TONGXIN_IMPORT_READ_MEMORY_MB", "1536"))
IMPORT_READ_SECONDS = int(os.environ.get("TONGXIN_IMPORT_READ_SECONDS", "120"))
# Background work that holds records (an import being written, a report job)
# renews a lease this often/3; a lapsed lease whose process is gone is marked
# failed by the task worker (core/leases.py).
TASK_LEASE_SECONDS = int(os.environ.get("TONGXIN_TASK_LEASE_SECONDS", "30"))

# --- The persons' own pages (issue 22, docs/features/portal.md) ---
# The address persons open their links at (the internet-facing proxy of
# `tongxin serve --portal`), e.g. https://tx.example.gov.cn; empty: this server's.
PORTAL_BASE_URL = os.environ.get("TONGXIN_PORTAL_BASE_URL", "").rstrip("/")
# Wrong confirmations that lock a link for good (staff issue a new one).
PORTAL_LINK_FAILURE_LIMIT = int(os.environ.get("TONGXIN_PORTAL_LINK_FAILURES", "5"))
# Failed confirmations or unknown links from one address within
# PORTAL_ADDRESS_WINDOW_MINUTES after which that address is refused.
PORTAL_ADDRESS_FAILURE_LIMIT = int(os.environ.get("TONGXIN_PORTAL_ADDRESS_FAILURES", "20"))
PORTAL_ADDRESS_WINDOW_MINUTES = 15
# A confirmed person's page stays open this long (its own signed cookie).
PORTAL_SESSION_MINUTES = int(os.environ.get("TONGXIN_PORTAL_SESSION_MINUTES", "30"))
# What one link may submit in 24 hours (changes, requests, suggestions together).
PORTAL_DAILY_SUBMISSIONS = int(os.environ.get("TONGXIN_PORTAL_DAILY_SUBMISSIONS", "20"))

# --- Backup and restore (tongxin backup / tongxin restore, docs/backup.md) ---
# Archives go here; keep them on another disk or copy them off the machine.
BACKUP_DIR = Path(os.environ.get("TONGXIN_BACKUP_DIR") or DATA_DIR / "backups")
# After a successful backup, older archives are deleted unless one of these
# keeps them: the newest KEEP archives, or those younger than KEEP_DAYS days
# (0 switches a rule off; both 0 keeps everything).
BACKUP_KEEP = int(os.environ.get("TONGXIN_BACKUP_KEEP", "14"))
BACKUP_KEEP_DAYS = int(os.environ.get("TONGXIN_BACKUP_KEEP_DAYS", "0"))
# Directories of MEDIA_ROOT left out of backups: generated export files
# (reports/services.py), deleted after 7 days and made again on demand.
BACKUP_SKIP_MEDIA = ["exports"]
# Where pg_dump/pg_restore live if not /usr/lib/postgresql/<server major>/bin or PATH.
BACKUP_PG_BIN_DIR = os.environ.get("TONGXIN_PG_BIN_DIR", "")

# --- Audit retention (issue #7, tongxin/audit/retention.py) ---
# Audit entries are kept this many days, never fewer than 180 (a lower value
# is raised to 180 and `manage.py check` warns); `tongxin purge_audit` deletes
# older ones.
AUDIT_RETENTION_DAYS = int(os.environ.get("TONGXIN_AUDIT_RETENTION_DAYS", "365"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security headers and HTTPS (issue 7; docs/deployment.md "https 与安全响应头") ---
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Scripts only from our own static files (or an inline block carrying this
# response's nonce), so injected markup cannot run script. Styles keep
# 'unsafe-inline': templates use style= attributes and htmx inserts its
# indicator <style>; injected CSS cannot run code (docs/decisions.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload lists are for public domains; an intranet host cannot be on them.
    "security.W021",
]
if _env_bool("TONGXIN_HTTPS", False):
    SECURE_HSTS_SECONDS = int(os.environ.get("TONGXIN_HSTS_SECONDS", str(365 * 24 * 3600)))
    # Only names below this host (tongxin.example.gov.cn), never its siblings.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Off only when the reverse proxy itself redirects http to https.
    SECURE_SSL_REDIRECT = _env_bool("TONGXIN_SSL_REDIRECT", True)
    if not SECURE_SSL_REDIRECT:
        SILENCED_SYSTEM_CHECKS.append("security.W008")
# Trust X-Forwarded-Proto only when a proxy that sets it (and strips the
# client's own) is the sole way in; otherwise a client could claim https.
BEHIND_PROXY = _env_bool("TONGXIN_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind a proxy every request comes from the proxy's address; the client's
# is the last X-Forwarded-For entry, believed only from these addresses
# (audit/services.py client_ip, which the login lockout uses too).
TRUSTED_PROXIES = frozenset(
    a.strip()
    for a in os.environ.get("TONGXIN_TRUSTED_PROXIES", "127.0.0.1,::1").split(",")
    if a.strip()
)
SESSION_COOKIE_SECURE = _env_bool("TONGXIN_HTTPS", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TONGXIN_LOG_LEVEL", "WARNING")},
}

# Completeness and freshness of the registration form (people/completeness.py,
# docs/features/dedupe.md). REQUIRED fields left blank make a record 待补充
# (besides a freelancer's field of work); WANTED ones only lower its
# completeness. A photo older than PHOTO_MAX_AGE_YEARS (by the year it was
# uploaded) counts as missing. A record not confirmed (a staff edit or the
# annual review) for STALE_AFTER_DAYS is 超过一年未更新.
COMPLETENESS_REQUIRED = [
    f.strip() for f in os.environ.get("TONGXIN_COMPLETENESS_REQUIRED", "").split(",") if f.strip()
]
COMPLETENESS_WANTED = [
    f.strip()
    for f in os.environ.get(
        "TONGXIN_COMPLETENESS_WANTED",
        "mobile,email,address,employer,job_title,education,resume,photo",
    ).split(",")
    if f.strip()
]
PHOTO_MAX_AGE_YEARS = int(os.environ.get("TONGXIN_PHOTO_MAX_AGE_YEARS", "2"))
STALE_AFTER_DAYS = int(os.environ.get("TONGXIN_STALE_AFTER_DAYS", "365"))
