"""Baselines: the least a Django view can do for the same work as the health endpoints.

Served by the same gunicorn, with the same middleware, so a ratio against them measures only
what Dharma's endpoints add.
"""

import time
from datetime import UTC, datetime

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

STARTED = time.monotonic()


def bare_live(request):
    return JsonResponse(
        {
            "status": "ok",
            "timestamp": datetime.now(UTC).isoformat(),
            "uptime": time.monotonic() - STARTED,
        }
    )


def bare_health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    cache.get("bench:probe")
    return JsonResponse({"status": "healthy", "timestamp": datetime.now(UTC).isoformat()})
