"""Baselines: the least a Django view can do for the same work as the health endpoints.

Served by the same gunicorn, with the same middleware and the same workers as Dharma's own
endpoints, so a ratio ours/bare measures only what Dharma's views add on top of Django.

- `bare_live` answers the keys of /health/live (status, timestamp, uptime), computed trivially.
- `bare_health` does one raw `SELECT 1`, one `cache.get` and answers a small JSON body.
"""

import time
from datetime import UTC, datetime

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse

STARTED = time.monotonic()


def bare_live(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "status": "ok",
            "timestamp": datetime.now(UTC).isoformat(),
            "uptime": round(time.monotonic() - STARTED, 3),
        }
    )


def bare_health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    cache.get("bench:probe")
    return JsonResponse({"status": "healthy", "timestamp": datetime.now(UTC).isoformat()})
