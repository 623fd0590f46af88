"""Test settings: the real services of the development and CI machines.

Tests run against PostgreSQL and Redis; a missing service fails the run, it is never skipped.
Only what differs from base.py is set here.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dharma")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from dharma.settings.base import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
