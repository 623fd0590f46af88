"""PostgreSQL goes down under a running server, then comes back.

Dharma is served by gunicorn as in production (DEBUG off, persistent database connections) from a
PostgreSQL cluster of the test's own, which is stopped and started again while the server runs:

- while it is down, the API answers 503 in its error shape with Retry-After (login, reads,
  writes, and a request whose session is read by middleware), the admin a plain 503 page, and
  /health/ready 503 naming the database; the log has one line per refused request, no traceback;
- once it is back, the same workers answer again, and what was acknowledged before is still there.

The scenario runs once per module (a fixture records every answer); each test checks one part.
"""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError, ProgrammingError
from django.test import RequestFactory

from apps.core import database_outage
from apps.core.api import error_views
from apps.core.api.errors import exception_handler
from tests.own_services import OwnPostgres
from tests.ports import free_port

# django_db: pytest-django makes the migrated test database this module copies.
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[2]
RETRY_AFTER = 7  # not the default, so the setting is seen to be read
PASSWORD = "correct horse battery"
BURST = 24  # concurrent list requests while PostgreSQL is down, and again once it is back

SEED = """
import json
from django.test import Client
from apps.accounts.models import Role, UserRole
from apps.accounts.permissions import SYSTEM_ROLES
from tests.accounts.factories import ProjectFactory, TenantFactory, UserFactory

roles = {
    str(code): Role.objects.update_or_create(
        tenant=None, code=code,
        defaults={"name": spec["name"], "is_system": True, "permissions": spec["permissions"]},
    )[0]
    for code, spec in SYSTEM_ROLES.items()
}
tenant = TenantFactory(slug="outage")
architect = UserFactory(tenant=tenant, email="architect@example.com")
UserRole.objects.create(user=architect, role=roles["SA"])
project = ProjectFactory(tenant=tenant, members=[architect])
admin = UserFactory(tenant=tenant, email="admin@example.com", is_staff=True, is_superuser=True)
client = Client()
client.force_login(admin)
print(json.dumps({"project": str(project.pk), "session": client.cookies["sessionid"].value}))
"""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


class Server:
    def __init__(self, base: str, process: subprocess.Popen, log: Path) -> None:
        self.base = base
        self.process = process
        self.log = log

    def request(
        self, method: str, path: str, body=None, token: str = "", session: str = ""
    ) -> Answer:
        headers = {"Accept": "application/json"} if path.startswith("/api/") else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if session:
            headers["Cookie"] = f"sessionid={session}"
        request = urllib.request.Request(
            self.base + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Answer(response.status, _lower(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, _lower(error.headers), error.read())

    def login(self) -> Answer:
        return self.request(
            "POST",
            "/api/v1/auth/token/",
            {"email": "architect@example.com", "password": PASSWORD, "tenant": "outage"},
        )

    def workers(self) -> set[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return {int(child) for child in children}

    def log_size(self) -> int:
        return self.log.stat().st_size

    def log_since(self, offset: int) -> str:
        with self.log.open("rb") as handle:
            handle.seek(offset)
            return handle.read().decode(errors="replace")


def _lower(headers) -> dict[str, str]:
    return {key.lower(): value for key, value in headers.items()}


def _start_gunicorn(tmp_path: Path, database_url: str) -> Server:
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dharma.settings.base",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "600",  # connections outlive the outage
        "REDIS_URL": "",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "outage-test-key-" + "x" * 40,
        "DHARMA_RETRY_AFTER_SECONDS": str(RETRY_AFTER),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    env.pop("DATABASE_PGBOUNCER", None)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "dharma/gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{server.base}/health/live", timeout=5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log.read_text()) from None
            time.sleep(0.2)
    # Every worker up (the first answer can come before the second worker has booted).
    deadline = time.monotonic() + 60
    while len(server.workers()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    return server


def _seed(database_url: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dharma.settings.base",
        "DATABASE_URL": database_url,
        "REDIS_URL": "",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SEED],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass
class Outage:
    server: Server
    written: dict  # the blueprint acknowledged before the stop
    api: dict[str, Answer]  # answers while PostgreSQL was down, by request
    middleware_api: Answer  # an API request whose session middleware reads the database
    admin: list[Answer]
    ready: Answer
    log: str  # what the server logged while PostgreSQL was down
    after: dict[str, Answer]  # answers once it was back
    workers_before: set[int]
    workers_after: set[int]
    cut: list[Exception]  # what an open connection raised when the server shut down under it


@pytest.fixture(scope="module")
def outage(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.db import connection, connections

    tmp_path = tmp_path_factory.mktemp("outage")
    with OwnPostgres() as pg:
        database_url = pg.create_database("dharma", copy_of=connection.settings_dict)
        # Seeding and the server's start (collectstatic, boot) do not wait for each other.
        with ThreadPoolExecutor(max_workers=2) as pool:
            seeding = pool.submit(_seed, database_url)
            server = pool.submit(_start_gunicorn, tmp_path, database_url).result()
        # A connection of this process to the same database, open when the server shuts down.
        connections.settings["outage"] = {**connection.settings_dict, "PORT": pg.port}
        connections.settings["outage"]["NAME"] = "dharma"
        try:
            with django_db_blocker.unblock():
                yield _run_outage(server, pg, seeding.result(), connections["outage"])
        finally:
            connections["outage"].close()
            del connections["outage"]
            del connections.settings["outage"]
            server.process.terminate()
            server.process.wait(timeout=30)


def _errors_of(held) -> list[Exception]:
    errors = []
    for _ in range(2):  # the shutdown's own error, then the closed connection's
        try:
            with held.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:  # noqa: BLE001 - recorded for the test to classify
            errors.append(exc)
    return errors


def _run_outage(server: Server, pg: OwnPostgres, seeded: dict, held) -> Outage:
    login = server.login()
    assert login.status == 200, login.body
    token = login.json()["access"]
    session = seeded["session"]
    created = server.request(
        "POST",
        "/api/v1/blueprints/",
        {"project": seeded["project"], "name": "before-outage"},
        token=token,
    )
    assert created.status == 201, created.body
    written = created.json()
    # Every worker holds a persistent connection when the server goes away.
    for _ in range(6):
        assert server.request("GET", "/api/v1/blueprints/", token=token).status == 200
    assert server.request("GET", "/admin/", session=session).status == 200
    workers_before = server.workers()
    with held.cursor() as cursor:
        cursor.execute("SELECT 1")

    pg.stop("fast")
    cut = _errors_of(held)
    offset = server.log_size()
    api = {}
    # Every worker's persistent connection died with the server; a burst, as under load.
    with ThreadPoolExecutor(max_workers=BURST // 3) as pool:
        burst = pool.map(
            lambda _: server.request("GET", "/api/v1/blueprints/", token=token), range(BURST)
        )
        api.update({f"list {attempt}": answer for attempt, answer in enumerate(burst)})
    api["detail"] = server.request("GET", f"/api/v1/blueprints/{written['id']}/", token=token)
    api["create"] = server.request(
        "POST",
        "/api/v1/blueprints/",
        {"project": seeded["project"], "name": "during-outage"},
        token=token,
    )
    api["login"] = server.login()
    middleware_api = server.request("GET", "/api/v1/blueprints/", session=session)
    admin = [server.request("GET", "/admin/", session=session) for _ in range(2)]
    ready = server.request("GET", "/health/ready")
    log = server.log_since(offset)

    pg.start()
    with ThreadPoolExecutor(max_workers=BURST // 3) as pool:
        burst = pool.map(
            lambda _: server.request("GET", "/api/v1/blueprints/", token=token), range(BURST)
        )
        after = {f"list {attempt}": answer for attempt, answer in enumerate(burst)}
    after["detail"] = server.request("GET", f"/api/v1/blueprints/{written['id']}/", token=token)
    after["login"] = server.login()
    after["admin"] = server.request("GET", "/admin/", session=session)
    after["ready"] = server.request("GET", "/health/ready")
    return Outage(
        server=server,
        written=written,
        api=api,
        middleware_api=middleware_api,
        admin=admin,
        ready=ready,
        log=log,
        after=after,
        workers_before=workers_before,
        workers_after=server.workers(),
        cut=cut,
    )


def _assert_service_unavailable_json(answer: Answer) -> None:
    assert answer.status == 503, answer.body[:300]
    assert answer.content_type.startswith("application/json"), answer.content_type
    error = answer.json()["error"]
    assert error["code"] == "service_unavailable"
    assert error["message"]
    assert error["fields"] == {}
    assert answer.headers.get("retry-after") == str(RETRY_AFTER)


def test_api_answers_503_in_the_error_shape_with_retry_after(outage):
    for name, answer in outage.api.items():
        try:
            _assert_service_unavailable_json(answer)
        except AssertionError as failure:
            raise AssertionError(f"{name}: {failure}") from None


def test_login_answers_503_while_the_database_is_down(outage):
    _assert_service_unavailable_json(outage.api["login"])


def test_database_failure_in_middleware_answers_503_json(outage):
    """The session is read by the audit middleware, before any view runs."""
    _assert_service_unavailable_json(outage.middleware_api)


def test_admin_answers_a_plain_503_page(outage):
    for answer in outage.admin:
        assert answer.status == 503, answer.body[:300]
        assert answer.content_type.startswith("text/html")
        assert answer.headers.get("retry-after") == str(RETRY_AFTER)
        assert b"Service Unavailable" in answer.body
        assert b"Traceback" not in answer.body


def test_outage_is_logged_one_line_per_refused_request_without_traceback(outage):
    assert "Traceback" not in outage.log, outage.log[:3000]
    lines = [line for line in outage.log.splitlines() if "database unavailable:" in line]
    refused = len(outage.api) + 1 + len(outage.admin)  # the API, the middleware one, the admin
    assert len(lines) == refused, outage.log[:3000]
    assert any("POST /api/v1/auth/token/" in line for line in lines)
    assert any("GET /admin/" in line for line in lines)
    assert all("Error" in line for line in lines)  # the reason: OperationalError: …


def test_readiness_reports_the_database_down(outage):
    assert outage.ready.status == 503
    body = outage.ready.json()
    assert "database" in body["failed"]
    assert body["checks"]["database"]["status"] == "unhealthy"


def test_requests_succeed_again_once_postgresql_is_back(outage):
    statuses = {name: answer.status for name, answer in outage.after.items()}
    assert statuses == dict.fromkeys(statuses, 200)
    # Answered by the same workers: nothing was restarted.
    assert outage.workers_after == outage.workers_before


def test_no_acknowledged_write_is_lost(outage):
    assert outage.after["detail"].json()["name"] == "before-outage"
    names = {item["name"] for item in outage.after["list 0"].json()["results"]}
    assert names == {"before-outage"}  # the write refused during the outage did not happen


def test_a_connection_cut_by_the_shutdown_is_unavailability(outage):
    """The errors a connection open across the shutdown raised (terminated, then closed)."""
    assert len(outage.cut) == 2, outage.cut
    for exc in outage.cut:
        assert isinstance(exc, OperationalError | InterfaceError), repr(exc)
        assert database_outage.unavailability(exc) is exc


# --- In process: what is not unavailability stays a 500 ------------------------------------


def _server_error_while_handling(exc: Exception, path: str):
    request = RequestFactory().get(path)
    try:
        raise exc
    except Exception:  # noqa: BLE001 - handler500 runs inside Django's except block
        return error_views.server_error(request)


@pytest.mark.parametrize("exc", [ProgrammingError("relation does not exist"), ZeroDivisionError()])
def test_programming_errors_stay_500(exc):
    assert _server_error_while_handling(exc, "/api/v1/blueprints/").status_code == 500
    assert _server_error_while_handling(exc, "/admin/").status_code == 500


@pytest.mark.parametrize(
    "exc",
    [OperationalError("connection refused"), InterfaceError("the connection is closed")],
)
def test_handler500_answers_503_for_unavailability(exc, settings):
    settings.DHARMA_RETRY_AFTER_SECONDS = 11
    api = _server_error_while_handling(exc, "/api/v1/blueprints/")
    assert api.status_code == 503
    assert api["Retry-After"] == "11"
    assert json.loads(api.content)["error"]["code"] == "service_unavailable"
    page = _server_error_while_handling(exc, "/admin/")
    assert page.status_code == 503
    assert page["Content-Type"].startswith("text/html")


def test_drf_handler_leaves_integrity_errors_to_django():
    request = RequestFactory().post("/api/v1/blueprints/")
    assert exception_handler(IntegrityError("duplicate key"), {"request": request}) is None
    answer = exception_handler(OperationalError("connection refused"), {"request": request})
    assert answer is not None
    assert answer.status_code == 503
