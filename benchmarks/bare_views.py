"""Baselines: the least a Django view can do for the same work as the health endpoints.

Served by the same gunicorn, with the same middleware and the same workers as Dharma's own
endpoints, so a ratio ours/bare measures only what Dharma's views add on top of Django.

- `bare_live` answers the keys of /health/live (status, timestamp, uptime), computed trivially.
- `bare_health` does one raw `SELECT 1`, one `cache.get` and answers a small JSON body.
- `BareCachedVersion` is a plain DRF APIView returning a cached version-detail dict.
"""

import time
from datetime import UTC, datetime

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.blueprints.api.serializers import VersionDetailSerializer
from apps.blueprints.models import BlueprintVersion

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


class BareCachedVersion(APIView):
    """Baseline for the cached version detail: a plain DRF APIView (the project's default
    authentication and permission) returning a dict of the same size from django-redis.
    On a miss it builds the dict with the same serializer and stores it."""

    def get(self, request, blueprint_id, number):
        key = f"bench:bare-version:{blueprint_id}:{number}"
        data = cache.get(key)
        if data is None:
            version = BlueprintVersion.objects.get(blueprint_id=blueprint_id, version_number=number)
            data = VersionDetailSerializer(version).data
            cache.set(key, data, 3600)
        return Response(data)
