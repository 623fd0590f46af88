"""Healthchecks of the Dharma containers; they work the same way natively.

    python docker/healthcheck.py web      # gunicorn answers GET /health/ready with 200
    python docker/healthcheck.py worker   # this host's Celery worker answers a ping
    python docker/healthcheck.py beat     # the broker and the database answer (beat needs both)

Exit status 0 when healthy, 1 otherwise, with one line saying why. Only the standard library,
Celery and Django (all in the image) are used.
"""

import os
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dharma.settings.base")
# A short-lived check must not write prometheus_client multiprocess files next to gunicorn's.
os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)

TIMEOUT = float(os.environ.get("HEALTHCHECK_TIMEOUT", "5"))


def _host_header() -> str:
    """A host name Django accepts: the first of DJANGO_ALLOWED_HOSTS that is a plain name."""
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(","):
        host = host.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def check_web() -> tuple[bool, str]:
    bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")[0].strip()
    if bind.startswith("unix:"):
        return False, f"GUNICORN_BIND={bind}: only TCP binds can be checked"
    address, _, port = bind.rpartition(":")
    if address in ("", "0.0.0.0", "[::]", "::"):  # noqa: S104 - a bind address, not a listen
        address = "127.0.0.1"
    url = f"http://{address}:{port}/health/ready"
    request = urllib.request.Request(url, headers={"Host": _host_header()})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return True, f"{url}: HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return False, f"{url}: HTTP {exc.code} {exc.read(300).decode(errors='replace')}"
    except OSError as exc:
        return False, f"{url}: {exc}"


def check_worker() -> tuple[bool, str]:
    if not os.environ.get("CELERY_BROKER_URL"):
        return False, "CELERY_BROKER_URL is not set: tasks run in-process, there is no worker"
    from dharma.celery import app

    node = os.environ.get("CELERY_WORKER_NODE") or f"celery@{socket.gethostname()}"
    replies = app.control.ping(destination=[node], timeout=TIMEOUT)
    if any(node in reply for reply in replies):
        return True, f"{node} answered a ping"
    return False, f"{node} did not answer a ping within {TIMEOUT:g} s"


def check_beat() -> tuple[bool, str]:
    if not os.environ.get("CELERY_BROKER_URL"):
        return False, "CELERY_BROKER_URL is not set: beat has no broker to send to"
    import django

    django.setup()
    from django.db import connection

    from dharma.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - any failure means the broker is unreachable
        return False, f"broker: {exc}"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means the database is unreachable
        return False, f"database (DatabaseScheduler): {exc}"
    finally:
        connection.close()
    return True, "broker and database answer"


CHECKS = {"web": check_web, "worker": check_worker, "beat": check_beat}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in CHECKS:
        print(f"usage: {argv[0]} {{{'|'.join(CHECKS)}}}", file=sys.stderr)
        return 2
    try:
        ok, detail = CHECKS[argv[1]]()
    except Exception as exc:  # noqa: BLE001 - a crashing check is an unhealthy service
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    print(f"{argv[1]}: {'healthy' if ok else 'UNHEALTHY'}: {detail}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
