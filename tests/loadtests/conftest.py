"""A local HTTP/1.1 test server with known behaviour, run on its own thread and event loop.

Paths:
    /slow          waits `delay` seconds before the first byte of the response
    /split         sends the headers, waits `body_delay`, then the body (a receiving phase)
    /chunked       a chunked body in three chunks
    /close         answers with Connection: close
    /drop          closes the connection without answering
    /status/NNN    answers NNN
    /json          {"status": "ok", "stats": {"keys": 3}, "items": [1, 2]}
    /api/v1/auth/token/   POST: {"access": "test-access-token"}
    anything else  200 {"status":"ok"}

It counts connections and requests and keeps each request's Authorization header. The
`https_server` fixture serves the same over TLS with a self-signed certificate for localhost and
127.0.0.1, made once per session by the openssl command line.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.ports import closed_port

OK_BODY = b'{"status":"ok"}'
JSON_BODY = b'{"status": "ok", "stats": {"keys": 3}, "items": [1, 2]}'
ACCESS_TOKEN = "test-access-token"  # what the fake login endpoint answers


def _response(status: int, body: bytes, extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{extra}\r\n"
    )
    return head.encode() + body


@dataclass
class FakeServer:
    delay: float = 0.0
    body_delay: float = 0.0
    port: int = 0
    scheme: str = "http"
    connections: int = 0
    requests: int = 0
    authorizations: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                if length := int(headers.get("content-length", "0")):
                    await reader.readexactly(length)
                self.requests += 1
                self.paths.append(path)
                self.authorizations.append(headers.get("authorization", ""))
                if not await self.respond(method, path, writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def respond(self, method: str, path: str, writer: asyncio.StreamWriter) -> bool:
        if path == "/slow":
            await asyncio.sleep(self.delay)
        if path == "/split":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n")
            await writer.drain()
            await asyncio.sleep(self.body_delay)
            writer.write(OK_BODY)
        elif path == "/chunked":
            writer.write(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n"
            )
        elif path == "/drop":  # closes the connection without an answer
            return False
        elif path == "/close":
            writer.write(_response(200, OK_BODY, "Connection: close\r\n"))
            await writer.drain()
            return False
        elif path.startswith("/status/"):
            writer.write(_response(int(path.rsplit("/", 1)[1]), OK_BODY))
        elif path == "/json":
            writer.write(_response(200, JSON_BODY))
        elif path == "/api/v1/auth/token/" and method == "POST":
            writer.write(_response(200, f'{{"access": "{ACCESS_TOKEN}"}}'.encode()))
        else:
            writer.write(_response(200, OK_BODY))
        await writer.drain()
        return True


@contextlib.contextmanager
def serve(tls: ssl.SSLContext | None = None, **options: float) -> Iterator[FakeServer]:
    server = FakeServer(**options, scheme="https" if tls else "http")
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, asyncio.Server] = {}

    async def start() -> None:
        holder["server"] = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=tls)
        server.port = holder["server"].sockets[0].getsockname()[1]
        started.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop)
    assert started.wait(5), "test server did not start"
    try:
        yield server
    finally:

        async def stop() -> None:
            holder["server"].close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


@pytest.fixture
def http_server() -> Iterator[FakeServer]:
    with serve() as server:
        yield server


@pytest.fixture(scope="session")
def self_signed(tmp_path_factory) -> tuple[str, str]:
    """(certificate, key) PEM files for CN=localhost, valid for localhost and 127.0.0.1."""
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return str(cert), str(key)


@pytest.fixture
def https_server(self_signed) -> Iterator[FakeServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*self_signed)
    with serve(tls=context) as server:
        yield server


@pytest.fixture
def slow_server() -> Iterator[FakeServer]:
    """First byte after 0.15 s on /slow; body 0.1 s after the headers on /split."""
    with serve(delay=0.15, body_delay=0.1) as server:
        yield server


@pytest.fixture
def refused_url() -> str:
    return f"http://127.0.0.1:{closed_port()}"
