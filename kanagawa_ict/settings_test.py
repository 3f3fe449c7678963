"""Test settings: the real settings with fast hashing, a local cache, and demo accounts allowed.
Nothing else differs."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ.setdefault("DJANGO_HSTS_SECONDS", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_BENCHMARKS", "1")
# The suite calls the public API far more often than a visitor may; the throttle's own test
# sets a small rate.
os.environ.setdefault("API_ANON_RATE", "100000/min")
# Tests follow each write's effect on the public version at once.
os.environ.setdefault("PUBLIC_STATE_SECONDS", "0")

from kanagawa_ict.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The suites of every app build demo data; production settings allow it only with DEBUG.
DEMO_ACCOUNTS_ALLOWED = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
