"""The HTTP client's phase timings and failures, against a local server with known delays.

Timing assertions have lower bounds from the server's sleeps and generous upper bounds, so a
loaded machine cannot make them flaky.
"""

import asyncio
import select
import socket
import ssl
import threading
import time
from pathlib import Path

import pytest
import uvloop

from apps.loadtests.engine.config import ConstantVUs, Login
from apps.loadtests.engine.http import _Connection
from apps.loadtests.engine.scenario import RequestSpec, Scenario, load_scenario
from tests.loadtests.conftest import ACCESS_TOKEN, OK_BODY
from tests.loadtests.engine_helpers import run

STATS = ("avg", "min", "max", "count")
SLACK_S = 0.5  # upper-bound allowance for a busy machine


def test_waiting_is_the_time_to_first_byte(slow_server):
    result = run(slow_server.url, paths=["/slow"], executor=ConstantVUs(1, 0.25, 2.0))
    store = result.store
    waiting = store.values("http_req_waiting", trend_stats=STATS)[0]
    duration = store.values("http_req_duration", trend_stats=STATS)[0]
    assert waiting["count"] >= 2
    assert waiting["min"] >= 150 * 0.97  # the server sleeps 150 ms before answering
    assert waiting["max"] <= (0.15 + SLACK_S) * 1000
    assert duration["min"] >= waiting["min"]
    sending = store.values("http_req_sending", trend_stats=STATS)[0]
    receiving = store.values("http_req_receiving", trend_stats=STATS)[0]
    assert duration["avg"] == pytest.approx(
        sending["avg"] + waiting["avg"] + receiving["avg"], rel=1e-9
    )
    # one connection, opened by the first request: it alone was blocked while connecting
    connecting = store.values("http_req_connecting", trend_stats=("max", "min", "count"))[0]
    blocked = store.values("http_req_blocked", trend_stats=("max",))[0]
    assert connecting["max"] > 0 and connecting["min"] == 0
    assert blocked["max"] >= connecting["max"]
    assert slow_server.connections == 1
    assert store.values("http_req_failed")[0]["rate"] == 0


def test_receiving_spans_first_to_last_byte(slow_server):
    result = run(slow_server.url, paths=["/split"], executor=ConstantVUs(1, 0.05, 2.0))
    receiving = result.store.values("http_req_receiving", trend_stats=STATS)[0]
    assert receiving["count"] >= 1
    assert receiving["min"] >= 100 * 0.97  # the body follows the headers after 100 ms
    assert receiving["max"] <= (0.1 + SLACK_S) * 1000


def test_refused_connections_are_failed_requests_not_a_crash(refused_url):
    result = run(refused_url, thresholds=["http_req_failed:rate<0.01"])
    store = result.store
    count = store.values("http_reqs")[0]["count"]
    assert count > 0
    assert store.status_counts() == {0: count}
    assert store.errors == {"connection refused": count}
    assert store.values("http_req_failed")[0] == {"rate": 1.0, "passes": count, "fails": 0}
    expected = store.values("http_req_duration", {"expected_response": "true"})[0]
    assert expected["avg"] == 0  # no request had an expected response
    assert not result.passed and result.aborted is None


def test_keep_alive_reuses_one_connection_per_vu(http_server):
    result = run(http_server.url, paths=["/"], executor=ConstantVUs(3, 0.2, 1.0))
    assert http_server.connections == 3
    assert http_server.requests == result.store.values("http_reqs")[0]["count"] > 3
    response_size = len(OK_BODY) + 70  # status line and two headers of the fake server
    received = result.store.values("data_received")[0]["count"]
    assert received >= http_server.requests * response_size


def test_connection_close_opens_a_new_connection(http_server):
    run(http_server.url, paths=["/close"], executor=ConstantVUs(1, 0.1, 1.0))
    assert http_server.connections == http_server.requests > 1


def test_chunked_bodies_statuses_and_checks(http_server, tmp_path):
    scenario_file = tmp_path / "s.yaml"
    scenario_file.write_text(
        """
flow: sequence
requests:
  - path: /chunked
    checks: [{body_contains: hello world}, {status: 200}]
  - path: /json
    checks: [{json: {path: stats.keys, equals: 3}}]
  - path: /status/503
    checks: [{status: 200}]
"""
    )
    result = run(
        http_server.url,
        scenario=load_scenario(scenario_file),
        executor=ConstantVUs(1, 0.1, 1.0),
        thresholds=["checks:rate<1", "http_req_failed{path:/status/503}:rate==1"],
    )
    store = result.store
    iterations = store.iterations
    assert iterations >= 1
    assert store.checks["body contains 'hello world'"] == [iterations, 0]
    assert store.checks["json stats.keys == 3"] == [iterations, 0]
    assert store.checks["status is 200"] == [iterations, iterations]
    assert store.status_counts() == {200: 2 * iterations, 503: iterations}
    assert result.passed


def test_login_sends_the_bearer_token(http_server):
    scenario = Scenario(requests=(RequestSpec(path="/"),))
    run(http_server.url, scenario=scenario, login=Login("a@b.c", "pw"))
    assert http_server.paths[0] == "/api/v1/auth/token/"
    assert set(http_server.authorizations[1:]) == {f"Bearer {ACCESS_TOKEN}"}


def test_timeouts_fail_the_request(slow_server):
    result = run(
        slow_server.url,
        paths=["/slow"],
        executor=ConstantVUs(1, 0.1, 1.0),
        request_timeout_s=0.05,
    )
    assert result.store.errors["timeout"] >= 1
    assert result.store.status_counts().keys() == {0}


def test_https_times_the_tls_handshake_apart_from_connecting(https_server):
    # /close: the server closes every connection, so each request connects and shakes hands.
    result = run(
        https_server.url, paths=["/close"], executor=ConstantVUs(1, 0.3, 2.0),
        insecure_skip_tls_verify=True,
    )  # fmt: skip
    store = result.store
    count = store.values("http_reqs")[0]["count"]
    assert count >= 2 and store.status_counts() == {200: count}
    assert https_server.connections == https_server.requests == count
    stats = ("min", "max", "avg", "count")
    tls = store.values("http_req_tls_handshaking", trend_stats=stats)[0]
    connecting = store.values("http_req_connecting", trend_stats=stats)[0]
    blocked = store.values("http_req_blocked", trend_stats=stats)[0]
    assert tls["count"] == count and tls["min"] > 0  # every request had a new handshake
    assert connecting["min"] > 0
    # blocked spans the whole wait for a connection: connect and handshake included
    assert blocked["avg"] >= connecting["avg"] + tls["avg"]


def test_https_reuses_its_connection_and_handshakes_once(https_server):
    result = run(
        https_server.url, paths=["/json"], executor=ConstantVUs(1, 0.2, 2.0),
        insecure_skip_tls_verify=True,
    )  # fmt: skip
    tls = result.store.values("http_req_tls_handshaking", trend_stats=("max", "min"))[0]
    assert https_server.connections == 1 and https_server.requests >= 2
    assert tls["max"] > 0 and tls["min"] == 0


def test_an_untrusted_certificate_fails_the_requests_with_the_reason(https_server):
    result = run(https_server.url, executor=ConstantVUs(1, 0.1, 2.0))
    store = result.store
    count = store.values("http_reqs")[0]["count"]
    assert count >= 1 and store.status_counts() == {0: count}
    (reason,) = store.errors
    assert reason.startswith("tls: certificate verify failed") and store.errors[reason] == count
    assert https_server.requests == 0  # nothing was sent over an untrusted connection


def test_plain_http_has_no_handshake(http_server):
    result = run(http_server.url, executor=ConstantVUs(1, 0.1, 2.0))
    tls = result.store.values("http_req_tls_handshaking", trend_stats=("max", "count"))[0]
    assert tls["max"] == 0 and tls["count"] >= 1


def test_each_new_connection_carries_its_request_at_once(http_server):
    # /close: a new connection per request, the request written as the connection is made.
    result = run(http_server.url, paths=["/close"], executor=ConstantVUs(2, 0.3, 2.0))
    store = result.store
    count = store.values("http_reqs")[0]["count"]
    assert count >= 4 and store.status_counts() == {200: count}
    assert http_server.connections == http_server.requests == count
    stats = ("min", "avg", "count")
    connecting = store.values("http_req_connecting", trend_stats=stats)[0]
    blocked = store.values("http_req_blocked", trend_stats=stats)[0]
    sending = store.values("http_req_sending", trend_stats=stats)[0]
    assert connecting["count"] == count and connecting["min"] > 0
    assert blocked["avg"] >= connecting["avg"] and sending["min"] >= 0


def test_a_new_connection_closed_without_an_answer_is_a_transport_error(http_server):
    result = run(http_server.url, paths=["/drop"], executor=ConstantVUs(1, 0.1, 2.0))
    store = result.store
    count = store.values("http_reqs")[0]["count"]
    assert count >= 1 and store.status_counts() == {0: count}
    assert store.errors == {"connection reset": count}


def test_a_connection_close_response_is_answered_by_our_fin_at_once():
    # A server that lingers after `Connection: close` until the client closes (gunicorn's sync
    # workers do) must not wait for the loop's next turn: the FIN goes out as the response
    # completes, before any callback scheduled by it runs.
    async def scenario() -> bytes | None:
        loop = asyncio.get_running_loop()
        with socket.create_server(("127.0.0.1", 0)) as listener:
            ours = socket.create_connection(listener.getsockname())
            server, _ = listener.accept()
        with server:
            connection = _Connection()
            connection.sock = ours
            await loop.create_connection(lambda: connection, sock=ours)
            connection.waiter = loop.create_future()
            seen: list[bytes | None] = []

            def peer_reads(_future: asyncio.Future[None]) -> None:
                ready, _, _ = select.select([server], [], [], 1.0)
                seen.append(server.recv(64) if ready else None)

            connection.waiter.add_done_callback(peer_reads)
            server.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            await connection.waiter
            await asyncio.sleep(0)
            assert connection.closed and not connection.keep_alive
            return seen[0]

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        assert runner.run(scenario()) == b""  # end of stream: our side is closed


def test_a_connect_still_in_progress_sends_its_request_once_connected():
    # A listener whose accept queue is full drops the SYN, so connect() returns EINPROGRESS as
    # toward a remote host; the kernel's SYN retry (after about a second) gets in once a filler
    # connection has been accepted. The request must then go out once, whole.
    with socket.create_server(("127.0.0.1", 0), backlog=0) as listener:
        port = listener.getsockname()[1]
        filler = socket.create_connection(("127.0.0.1", port))
        received: list[bytes] = []

        def serve() -> None:
            time.sleep(0.3)
            first, _ = listener.accept()
            first.close()
            listener.settimeout(10)
            conn, _ = listener.accept()
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(4096)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                conn.settimeout(5)
                data += conn.recv(4096)  # nothing more, then our FIN: b""
                received.append(data)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            result = run(f"http://127.0.0.1:{port}", executor=ConstantVUs(1, 0.1, 8.0))
        finally:
            thread.join(10)
            filler.close()
    store = result.store
    assert store.status_counts() == {200: 1}
    connecting = store.values("http_req_connecting", trend_stats=("min",))[0]["min"]
    assert connecting >= 500  # ms: it waited for the SYN retry
    assert len(received) == 1 and received[0].count(b"GET / HTTP/1.1\r\n") == 1


def test_https_counts_the_bytes_on_the_wire(http_server, https_server, self_signed):
    # The same responses over http and https: over https data_received and data_sent also carry
    # the handshake (the server's certificate among it) and each TLS record's overhead.
    options = {"paths": ["/json"], "executor": ConstantVUs(1, 0.2, 2.0)}
    plain = run(http_server.url, **options).store
    secure = run(https_server.url, insecure_skip_tls_verify=True, **options).store

    def totals(store) -> tuple[int, int, int]:
        count = store.values("http_reqs")[0]["count"]
        return (
            count,
            store.values("data_sent")[0]["count"],
            store.values("data_received")[0]["count"],
        )

    count, sent, received = totals(plain)
    request = sent / count + len(str(https_server.port)) - len(str(http_server.port))
    response = received / count
    assert request == int(request) and response == int(response)  # plain: exact HTTP bytes
    n, wire_sent, wire_received = totals(secure)
    record = 5 + 16  # a TLS record's header and AEAD tag, at the least
    certificate = len(ssl.PEM_cert_to_DER_cert(Path(self_signed[0]).read_text()))
    assert https_server.connections == 1 and n >= 2
    assert wire_received >= n * (response + record) + certificate
    assert wire_sent >= n * (request + record) + 200  # 200: less than any ClientHello
