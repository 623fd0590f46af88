"""WSGI entry point (gunicorn -c dharma/gunicorn.conf.py dharma.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dharma.settings.base")

application = get_wsgi_application()
