"""WSGI entry point (gunicorn kanagawa_ict.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kanagawa_ict.settings")
application = get_wsgi_application()
