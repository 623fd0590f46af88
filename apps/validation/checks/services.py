"""Configured HTTP health endpoints (`DHARMA_VALIDATION_SERVICES`): status, latency, payload
status."""

import json
import time
import urllib.error
import urllib.request

from django.conf import settings

from apps.validation.checks.base import Check, Finding, Status, at_most


class ServicesCheck(Check):
    name = "services"
    service = "services"

    def measure(self) -> list[Finding]:
        services = settings.DHARMA_VALIDATION_SERVICES
        if not services:
            return [
                Finding(
                    "services",
                    None,
                    Status.NOT_MEASURED,
                    note="DHARMA_VALIDATION_SERVICES lists no endpoint",
                )
            ]
        return [self._probe(name, url) for name, url in services.items()]

    def _probe(self, name: str, url: str) -> Finding:
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310
                code, body = response.status, response.read(65536)
        except urllib.error.HTTPError as exc:
            code, body = exc.code, exc.read(65536)
        except (OSError, ValueError) as exc:
            return Finding(name, {"url": url, "error": str(exc)}, Status.FAIL, "HTTP 2xx")
        latency = round((time.perf_counter() - started) * 1000, 2)
        try:
            payload_status = json.loads(body).get("status")
        except (ValueError, AttributeError):
            payload_status = None
        value = {
            "url": url,
            "status_code": code,
            "latency_ms": latency,
            "payload_status": payload_status,
        }
        if not 200 <= code < 300 or payload_status in {"unhealthy", "not_ready"}:
            return Finding(name, value, Status.FAIL, "HTTP 2xx and a healthy payload")
        slow = at_most(name, latency, 500, 2000, " ms")
        if payload_status == "degraded" and slow.status == Status.PASS:
            return Finding(name, value, Status.WARN, "payload status healthy", "degraded")
        return Finding(name, value, slow.status, slow.threshold)
