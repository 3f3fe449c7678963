"""Settings for the kanagawa_ict project, read from the environment.

`DATABASE_URL` selects PostgreSQL (e.g. ``postgres:///kanagawa_ict``); without it an
SQLite file in the project folder is used. Production sets ``DJANGO_DEBUG=0``,
``DJANGO_SECRET_KEY`` and ``DJANGO_ALLOWED_HOSTS``; nothing else differs.
"""

from __future__ import annotations

import importlib.util
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import dj_email_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

from kanagawa_ict.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env_str(
    "DJANGO_SECRET_KEY",
    default="insecure-development-key-only-for-local-use" if DEBUG else None,
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", default="localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "django_tables2",
    "django_filters",
    "simple_history",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "measures",
    "indicators",
    "pdca",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "opendata",
    "accounts",
]
# Synthetic plans, `manage.py benchmark` and the load test (benchmarks/) are development
# tools: installed with DEBUG, in the test settings, or when DJANGO_BENCHMARKS=1 asks for
# them to time the production settings; a deployment leaves them out.
if env_bool("DJANGO_BENCHMARKS", default=DEBUG):
    INSTALLED_APPS.append("benchmarks")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "opendata.middleware.PublicVaryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kanagawa_ict.urls"

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
                "django.template.context_processors.i18n",
                "pdca.context_processors.app",
            ],
        },
    },
]

# Forms render through TEMPLATES, so that a widget may have its template in templates/.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

WSGI_APPLICATION = "kanagawa_ict.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads (runserver, the browser tests' live server) share the file. A transaction
    # takes the write lock when it begins, so that two saves wait for each other (up to the
    # timeout) instead of deadlocking after both have read, which fails one with "database is
    # locked" (tests/test_settings.py).
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The one cache (core/cache.py, docs/architecture.md): local memory in each process by
# default; a shared Redis when CACHE_URL (or REDIS_URL) names one, so that several app
# servers keep one copy. Copies are keyed by the data version, so the timeout only bounds
# how long an unused one takes room.
CACHE_URL = env_str("CACHE_URL", default="") or env_str("REDIS_URL", default="")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r} is not a Redis URL (redis://, rediss:// or unix://).")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "kanagawa-ict",
            "TIMEOUT": env_int("CACHE_TIMEOUT", 3600),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "TIMEOUT": env_int("CACHE_TIMEOUT", 3600),
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 5000)},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# plotly.js is served from the plotly package itself: headquarters networks have no CDN.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/plotly", Path(importlib.util.find_spec("plotly").origin).parent / "package_data"),
]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Django's model backend, with the user's profile (role) read in the same query.
# django-axes first: it refuses a sign-in while the account or the address is locked out.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "pdca.auth.ProfileBackend"]

# Sign-in protection (django-axes) on both login forms (/accounts/login/, /admin/login/):
# after AXES_FAILURE_LIMIT failures for one account, or from one address, within the cool-off,
# further attempts are refused for the cool-off (renewed by each try meanwhile). Headquarters
# sees the log and unlocks at /accounts/log/.
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_LOGIN_COOLOFF_MINUTES", 15))
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"
# Optional two-factor sign-in (TOTP, django-otp): anyone may set up an authenticator app at
# /accounts/two-factor/; with DJANGO_REQUIRE_MFA=1 headquarters must.
REQUIRE_MFA = env_bool("DJANGO_REQUIRE_MFA", default=False)
OTP_TOTP_ISSUER = "かながわICT進行管理"
# How many reverse proxies add themselves to X-Forwarded-For in front of the app (see
# accounts/client_ip.py); 0 reads the connection's own address.
TRUSTED_PROXIES = env_int("DJANGO_TRUSTED_PROXIES", 0)

# Request bodies: form fields up to 2.5 MB in memory; an uploaded file over 2.5 MB is
# streamed to a temporary file. The template upload itself stops at 5 MB
# (pdca/workbook/imports/container.py); the reverse proxy refuses larger bodies before
# they arrive (README, "Deployment").
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"

# Production hardening; on unless DEBUG, so `check --deploy` is clean with production values.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): scripts only from our static files (charts read their
# figures from `json_script` data), nothing framed, forms post only here. Styles allow
# 'unsafe-inline' because plotly.js writes its own <style> element and style attributes as it
# draws (tests/browser: no violation); our templates have none.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features no page uses (core.middleware.SecurityHeadersMiddleware, which also sends
# `Cache-Control: private, no-store` on signed-in pages that set no Cache-Control of their own).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)
# Django's CSRF failure page is English; ours is in the site's layout.
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
# The public side (opendata): the publisher's local-government code in every open data file,
# how long a browser or CDN may keep a public response (a publication changes its ETag, so a
# revalidation after that sees the new version at once), and the API's anonymous rate.
OPENDATA_LOCAL_GOVERNMENT_CODE = env_str("OPENDATA_LOCAL_GOVERNMENT_CODE", default="140007")
OPENDATA_PUBLISHER = env_str("OPENDATA_PUBLISHER", default="神奈川県")
PUBLIC_MAX_AGE = env_int("PUBLIC_MAX_AGE", 300)
# How long a process may answer public requests from the public data version it last read,
# without asking the database (a publication or withdrawal renews it at once; an approval
# or a plan change within these seconds). 0 reads it on every request.
PUBLIC_STATE_SECONDS = env_int("PUBLIC_STATE_SECONDS", 2)
REST_FRAMEWORK = {
    # The API is public and read-only: no session, no login, no CSRF; rights are "is it published".
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env_str("API_ANON_RATE", default="120/min")},
    "DEFAULT_PAGINATION_CLASS": "opendata.api.pagination.PublicPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "opendata.api.errors.public_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": gettext_lazy("かながわICT・データ利活用推進計画 進行管理 公開API"),
    "DESCRIPTION": gettext_lazy("公表された年度の承認済の実績・達成率・評価（CC BY 4.0）。読み取り専用。"),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the drf-spectacular-sidecar package, served by whitenoise: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# E-mail (the reminders of `send_reminders`): printed to the console unless a server is
# configured, by `EMAIL_URL` (smtp://user:password@host:587/?tls=True, read by dj-email-url)
# or by Django's usual EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
# EMAIL_USE_TLS and EMAIL_USE_SSL variables.
if os.environ.get("EMAIL_URL"):
    _email = dj_email_url.parse(os.environ["EMAIL_URL"])
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST, EMAIL_PORT = _email["EMAIL_HOST"], _email["EMAIL_PORT"]
    EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_USER"], _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS, EMAIL_USE_SSL = _email["EMAIL_USE_TLS"], _email["EMAIL_USE_SSL"]
elif os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env_str("EMAIL_HOST")
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="ict-plan@localhost")
# The address of the site, for links in e-mails (no request to build them from).
SITE_URL = env_str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# The demo accounts' password; used only by `seed_demo`, which creates them only with DEBUG
# (or `--allow-demo`).
DEMO_PASSWORD = env_str("DEMO_PASSWORD", default="demo-pass-2019")
DEMO_ACCOUNTS_ALLOWED = DEBUG

# Sessions end when the browser closes, and after DJANGO_SESSION_IDLE_MINUTES without a request
# (accounts.middleware.IdleTimeoutMiddleware; the session's own expiry follows activity too).
SESSION_IDLE_MINUTES = env_int("DJANGO_SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", default="WARNING")},
}
