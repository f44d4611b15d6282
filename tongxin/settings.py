"""One settings file, driven by environment variables (see docs/deployment.md).

With no environment at all it runs a local SQLite database under ./data, which
is what `make run` and `make test` rely on.
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_from_url(url: str) -> dict:
    """Turn TONGXIN_DATABASE_URL into a Django DATABASES entry.

    sqlite:///path/to/file.sqlite3 or postgres://user:pass@host:port/name.
    """
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:////abs/file.sqlite3 is absolute, sqlite:///file.sqlite3 relative.
        path = unquote(parsed.path)
        return _sqlite(Path(path[1:]))
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "tongxin",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"NAME": os.environ.get("TONGXIN_TEST_DATABASE_NAME") or None},
        }
    raise ValueError(f"TONGXIN_DATABASE_URL: unsupported scheme {parsed.scheme!r}")


def _sqlite(path: Path) -> dict:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
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

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("TONGXIN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("TONGXIN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
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
    "django_tasks",
    "django_tasks_db",
    "tongxin.core",
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
    "tongxin.qualification",
    "tongxin.analysis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tongxin.urls"
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
            ],
        },
    },
]

_database_url = os.environ.get("TONGXIN_DATABASE_URL")
DATABASES = {
    "default": _database_from_url(_database_url)
    if _database_url
    else _sqlite(DATA_DIR / "tongxin.sqlite3")
}
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
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "tongxin.accounts.backends.DemoPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

AXES_FAILURE_LIMIT = int(os.environ.get("TONGXIN_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "tongxin" / "locale"]
TIME_ZONE = os.environ.get("TONGXIN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"

# Counted figures (core/versioned_cache.py) are shared by the web workers and
# the task worker, which counts them again in the background after changes.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": DATA_DIR / "cache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
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
# Uploaded roster files of finished imports are deleted after this many days.
IMPORT_FILE_RETENTION_DAYS = int(os.environ.get("TONGXIN_IMPORT_FILE_RETENTION_DAYS", "90"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = _env_bool("TONGXIN_HTTPS", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TONGXIN_LOG_LEVEL", "WARNING")},
}
