"""An HTTP/1.1 client for load generation: one keep-alive connection per VU, timed like k6.

Built on asyncio Protocols (not streams) and httptools' parser, under uvloop, because the
generator must not be the bottleneck: a stream reader, an extra task or a header dictionary per
request each cost a measurable share of one core at tens of thousands of requests per second.
Headers are not decoded at all: the parser tracks Content-Length, chunked bodies and keep-alive,
and the body is kept only when a check needs it.

Phases follow k6's tracer (lib/netext/httpext/tracer.go):

    blocked     from asking for a connection until having one (a new one: connect + TLS)
    connecting  TCP connect of a new connection, 0 on a reused one
    tls_handshaking  the TLS handshake of a new https connection, 0 otherwise
    sending     from having the connection until the request is written
    waiting     from written to the first byte of the response (time to first byte)
    receiving   from the first byte to the last
    duration    sending + waiting + receiving

A transport error (refused, reset, timeout, unparsable response) is a request with status 0,
counted and failed, never an exception out of `request`.

data_sent and data_received count bytes on the wire, as k6 does: over plain HTTP the request and
response bytes themselves; over https the connection's TCP payload from the kernel's TCP_INFO
(the handshake goes to a connection's first request, and every TLS record's overhead counts), or
the HTTP bytes where TCP_INFO is not available.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import ssl
import struct
from dataclasses import dataclass
from time import perf_counter

import httptools

from apps.loadtests.engine.config import Target
from apps.loadtests.engine.metrics import MetricsCollector, RequestBucket

_TCP_INFO_BYTES = 208  # struct tcp_info up to tcpi_bytes_sent (Linux 4.19 and later)


def wire_bytes(sock: socket.socket) -> tuple[int, int] | None:
    """(sent, received) TCP payload bytes of a connection so far, from TCP_INFO; None where the
    kernel does not give them."""
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO_BYTES)
    except (OSError, AttributeError):  # no TCP_INFO on this platform
        return None
    if len(info) < _TCP_INFO_BYTES:
        return None
    (received,) = struct.unpack_from("=Q", info, 128)  # tcpi_bytes_received
    (sent,) = struct.unpack_from("=Q", info, 200)  # tcpi_bytes_sent
    return sent, received


@dataclass(frozen=True)
class Endpoint:
    """A resolved target: the IP address connections go to (resolved once per run) and, for
    https, the TLS context and the name the certificate must carry."""

    host: str
    port: int
    tls: ssl.SSLContext | None = None
    server_hostname: str | None = None

    @property
    def family(self) -> socket.AddressFamily:
        return socket.AF_INET6 if ":" in self.host else socket.AF_INET


def tls_context(*, insecure: bool) -> ssl.SSLContext:
    """The system's trusted CAs and hostname checks, or (k6's insecureSkipTLSVerify) none."""
    context = ssl.create_default_context()
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def resolve(target: Target, *, insecure: bool = False) -> Endpoint:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    if not infos:
        raise OSError(f"cannot resolve {target.host}")
    address = infos[0][4]
    if not target.tls:
        return Endpoint(host=str(address[0]), port=int(address[1]))
    return Endpoint(
        host=str(address[0]),
        port=int(address[1]),
        tls=tls_context(insecure=insecure),
        server_hostname=target.host,
    )


class PreparedRequest:
    """A request serialised once: the bytes on the wire, and its tag buckets by status."""

    __slots__ = ("buckets", "head", "keep_body", "method", "name", "payload")

    def __init__(
        self,
        *,
        method: str,
        path: str,
        name: str,
        target: Target,
        headers: tuple[tuple[str, str], ...] = (),
        body: bytes = b"",
        keep_body: bool = False,
    ) -> None:
        lines = [
            f"{method} {target.base_path}{path} HTTP/1.1",
            f"Host: {target.host_header}",
            "User-Agent: dharma-loadtest",
            "Accept: */*",
        ]
        lines += [f"{key}: {value}" for key, value in headers]
        if body or method in {"POST", "PUT", "PATCH"}:
            lines.append(f"Content-Length: {len(body)}")
        self.payload = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        self.method = method
        self.name = name
        self.head = method == "HEAD"
        self.keep_body = keep_body
        self.buckets: dict[int, RequestBucket] = {}


class _Connection(asyncio.Protocol):
    """One TCP connection and its response parser; at most one request in flight."""

    __slots__ = (
        "body",
        "closed",
        "connected_at",
        "done",
        "first_byte",
        "head",
        "keep_alive",
        "keep_body",
        "parser",
        "pending",
        "received",
        "sock",
        "transport",
        "waiter",
        "wire",
        "wire_counted",
        "wire_total",
        "wrote_at",
    )

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.sock: socket.socket | None = None
        # https: the TCP socket under TLS, its payload bytes at the last complete response and
        # the share of them already counted to requests
        self.wire: socket.socket | None = None
        self.wire_total: tuple[int, int] | None = None
        self.wire_counted = (0, 0)
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[None] | None = None
        self.pending: bytes | None = None  # written the moment the connection is made
        self.connected_at = 0.0
        self.wrote_at = 0.0
        self.closed = False
        self.first_byte = 0.0
        self.done = 0.0
        self.received = 0
        self.keep_body = False
        self.keep_alive = True
        self.head = False
        self.body: list[bytes] = []

    # --- asyncio.Protocol -----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Write a pending request at once: a server that accepts a connection and then blocks
        reading its request (a sync worker) must not wait for the VU's task to be scheduled."""
        self.transport = transport  # type: ignore[assignment]
        if not self.connected_at:
            self.connected_at = perf_counter()
        if self.pending is not None:
            transport.write(self.pending)  # type: ignore[attr-defined]
            self.pending = None
            self.wrote_at = perf_counter()

    def data_received(self, data: bytes) -> None:
        if not self.first_byte:
            self.first_byte = perf_counter()
        self.received += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(ConnectionError("protocol upgrade is not supported"))
        except httptools.HttpParserError as exc:
            self._fail(ConnectionError(f"malformed response: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc or ConnectionResetError("connection closed by the server"))

    # --- httptools callbacks --------------------------------------------------------------------

    def on_headers_complete(self) -> None:
        if self.head:  # a HEAD response has headers only, whatever Content-Length says
            self.on_message_complete()

    def on_body(self, body: bytes) -> None:
        if self.keep_body:
            self.body.append(body)

    def on_message_complete(self) -> None:
        self.done = perf_counter()
        # Read now: the parser forgets the message's Connection header once the next begins.
        self.keep_alive = self.parser.should_keep_alive()
        if self.wire is not None:
            self.wire_total = wire_bytes(self.wire)
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if not self.keep_alive:
            # Send our FIN now, as Go's transport (and so k6) closes in its read loop. A
            # transport's abort() closes the socket only on the loop's next turn, and a server
            # that lingers until the client closes (gunicorn's sync workers do) would sit that
            # long in poll() for every request.
            if self.sock is not None:
                with contextlib.suppress(OSError):
                    self.sock.shutdown(socket.SHUT_WR)
            self.close()

    # --- own ------------------------------------------------------------------------------------

    def _fail(self, exc: Exception) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def bytes_of(self, request: PreparedRequest) -> tuple[int, int]:
        """(sent, received) for the request just answered: on the wire (see the module's
        docstring)."""
        total = self.wire_total
        if total is None:
            return len(request.payload), self.received
        counted, self.wire_counted, self.wire_total = self.wire_counted, total, None
        return total[0] - counted[0], total[1] - counted[1]

    def timed_out(self) -> None:
        self._fail(TimeoutError("request timed out"))


@dataclass(slots=True)
class Response:
    status: int
    body: bytes | None
    error: str | None


def describe_error(exc: BaseException) -> str:
    """A short, stable reason for the error counts (k6 has error codes for the same purpose)."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, socket.gaierror):
        return "dns lookup failed"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"tls: certificate verify failed: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        return f"tls: {exc.reason or exc}"
    return str(exc) or type(exc).__name__


class HttpClient:
    """A VU's HTTP client: one keep-alive connection, reopened when the server closes it."""

    __slots__ = ("_connection", "collector", "endpoint", "loop", "timeout")

    def __init__(self, endpoint: Endpoint, collector: MetricsCollector, *, timeout: float) -> None:
        self.loop = asyncio.get_running_loop()
        self.endpoint = endpoint
        self.collector = collector
        self.timeout = timeout
        self._connection: _Connection | None = None

    async def _connect(self, connection: _Connection) -> tuple[float, float]:
        """Connect `connection` to the resolved address (an IP literal, so uvloop connects
        without a resolver round trip; uvloop also sets TCP_NODELAY on its TCP transports);
        its TCP connect and TLS handshake times. TLS is started on the connected socket so that
        the two phases are measured apart, as k6 does."""
        # A timer handle rather than asyncio.timeout(): with servers that close every connection
        # this runs once per request, and the context manager costs several times more.
        task = asyncio.current_task()
        expired = []

        def expire() -> None:
            expired.append(True)
            task.cancel()  # type: ignore[union-attr]

        timer = self.loop.call_later(self.timeout, expire)
        started = perf_counter()
        handshaking = 0.0
        try:
            if connection.pending is not None:
                sock = await self._open(connection)
                connection.sock = sock
                transport, _ = await self.loop.create_connection(lambda: connection, sock=sock)
            else:
                transport, _ = await self.loop.create_connection(
                    lambda: connection, self.endpoint.host, self.endpoint.port
                )
            connected = connection.connected_at
            if self.endpoint.tls is not None:
                try:
                    secure = await self.loop.start_tls(
                        transport,
                        connection,
                        self.endpoint.tls,
                        server_hostname=self.endpoint.server_hostname,
                    )
                except BaseException:
                    transport.abort()
                    raise
                if secure is None:
                    raise ConnectionResetError("connection closed during the TLS handshake")
                connection.transport = secure
                connection.wire = transport.get_extra_info("socket")
                handshaking = perf_counter() - connected
        except asyncio.CancelledError:
            if not expired:
                raise
            task.uncancel()  # type: ignore[union-attr]
            raise TimeoutError("connect timed out") from None
        finally:
            timer.cancel()
        return connected - started, handshaking

    async def _open(self, connection: _Connection) -> socket.socket:
        """A connected socket that already carries `connection.pending` when it could be sent
        at once. A connect to a local server completes inside the connect() call, so the request
        is written in the same step, before the server's worker can accept the connection and
        wait for it; a connect still in progress (a remote host) is awaited first, and the
        request then goes from connection_made."""
        sock = socket.socket(self.endpoint.family, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with contextlib.suppress(BlockingIOError):
                sock.connect((self.endpoint.host, self.endpoint.port))
            payload = connection.pending
            assert payload is not None
            connected = perf_counter()
            try:
                sent = sock.send(payload)
            except BlockingIOError:  # still connecting
                await self._writable(sock)
                error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if error:
                    raise OSError(error, os.strerror(error)) from None
                connection.connected_at = perf_counter()
                return sock
            connection.connected_at = connected
            connection.wrote_at = perf_counter()
            connection.pending = payload[sent:] or None
            return sock
        except BaseException:
            sock.close()
            raise

    async def _writable(self, sock: socket.socket) -> None:
        ready = self.loop.create_future()
        descriptor = sock.fileno()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        self.loop.add_writer(descriptor, wake)
        try:
            await ready
        finally:
            self.loop.remove_writer(descriptor)

    async def _fresh(
        self, request: PreparedRequest
    ) -> tuple[_Connection, float, float, float, int, float]:
        """The request on a new connection: (connection, connecting, tls handshaking, got the
        connection at, status, written at). Over plain HTTP the request is written by the
        protocol as soon as the connection is made; over TLS, after the handshake."""
        self._connection = None
        connection = _Connection()
        if self.endpoint.tls is None:
            self._prime(connection, request)
            connection.pending = request.payload
        try:
            connecting, handshaking = await self._connect(connection)
        except BaseException:
            waiter = connection.waiter
            if waiter is not None and waiter.done() and not waiter.cancelled():
                waiter.exception()  # the failure is reported by the raise below
            connection.waiter = None
            raise
        self._connection = connection
        if self.endpoint.tls is None:
            got_conn, wrote = connection.connected_at, connection.wrote_at
            status = await self._response(connection)
        else:
            got_conn = perf_counter()
            status, wrote = await self._exchange(connection, request)
        if status < 0:
            raise ConnectionResetError("connection closed by the server")
        return connection, connecting, handshaking, got_conn, status, wrote

    async def request(self, request: PreparedRequest) -> Response:
        """Send one request and record it; a transport error gives status 0."""
        get_conn = perf_counter()
        connecting = handshaking = 0.0
        connection = self._connection
        try:
            if connection is None or connection.closed:
                fresh = await self._fresh(request)
                connection, connecting, handshaking, got_conn, status, wrote = fresh
            else:
                got_conn = perf_counter()
                status, wrote = await self._exchange(connection, request)
                if status < 0:
                    # The server closed the idle connection as we reused it (before any byte
                    # came back): the request never reached it, so retry once on a new
                    # connection, as Go's transport (and so k6) does.
                    get_conn = perf_counter()
                    fresh = await self._fresh(request)
                    connection, connecting, handshaking, got_conn, status, wrote = fresh
        except asyncio.CancelledError:
            if self._connection is not None:
                self._connection.close()  # mid-exchange: the connection's state is unknown
                self._connection = None
            raise
        except (OSError, ConnectionError, TimeoutError) as exc:  # ssl.SSLError is an OSError
            if self._connection is not None and self._connection.closed:
                self._connection = None
            self._record(request, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0)
            self.collector.record_error(describe_error(exc))
            return Response(status=0, body=None, error=describe_error(exc))
        first_byte = connection.first_byte
        done = connection.done
        sent, received = connection.bytes_of(request)
        self._record(
            request,
            status,
            got_conn - get_conn,
            connecting,
            handshaking,
            wrote - got_conn,
            first_byte - wrote if first_byte > wrote else 0.0,
            done - first_byte,
            sent,
            received,
        )
        body = b"".join(connection.body) if request.keep_body else None
        if not connection.keep_alive:  # closed as the response completed
            self._connection = None
        return Response(status=status, body=body, error=None)

    def _prime(self, connection: _Connection, request: PreparedRequest) -> None:
        """Ready the connection for the request's response (before a byte of it can come)."""
        connection.first_byte = 0.0
        connection.received = 0
        connection.keep_body = request.keep_body
        connection.head = request.head
        if request.keep_body:
            connection.body = []
        connection.waiter = self.loop.create_future()

    async def _response(self, connection: _Connection) -> int:
        """Wait for the whole response: its status, or -1 when the connection was found closed
        before a byte of it arrived."""
        timer = self.loop.call_later(self.timeout, connection.timed_out)
        try:
            await connection.waiter  # type: ignore[misc]
        except ConnectionResetError:
            if connection.received == 0 and not connection.first_byte:
                return -1
            raise
        finally:
            timer.cancel()
            connection.waiter = None
        return connection.parser.get_status_code()

    async def _exchange(
        self, connection: _Connection, request: PreparedRequest
    ) -> tuple[int, float]:
        """Write the request on a connected connection and wait for the whole response: (status
        or -1 as `_response` says, written at)."""
        self._prime(connection, request)
        connection.transport.write(request.payload)  # type: ignore[union-attr]
        wrote = perf_counter()
        return await self._response(connection), wrote

    def _record(
        self,
        request: PreparedRequest,
        status: int,
        blocked: float,
        connecting: float,
        handshaking: float,
        sending: float,
        waiting: float,
        receiving: float,
        sent: int,
        received: int,
    ) -> None:
        bucket = request.buckets.get(status)
        if bucket is None:
            bucket = request.buckets[status] = self.collector.bucket(
                request.method, request.name, status
            )
        self.collector.record_request(
            bucket, blocked, connecting, handshaking, sending, waiting, receiving, sent, received
        )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
