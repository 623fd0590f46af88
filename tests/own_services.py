"""A PostgreSQL cluster and a Redis server of a test's own, to stop, kill, freeze and restart.

The shared services (127.0.0.1:5432, :6379) serve every test; a fault test needs servers nobody
else uses, started and stopped by the test itself:

    with OwnRedis() as redis_server:          # redis-server on a free port, its own directory
        redis_server.url                       # redis://127.0.0.1:<port>/0
        redis_server.snapshot()                # SAVE: dump.rdb as of now
        redis_server.kill(); redis_server.start()   # back from that snapshot
        redis_server.freeze(); redis_server.thaw()  # SIGSTOP / SIGCONT: a hung server

    with OwnPostgres() as pg:                  # initdb'd cluster on a free port (run as `postgres`)
        pg.create_database("dharma", copy_of=connection.settings_dict)  # a migrated copy
        pg.url("dharma")
        pg.stop(); pg.start(); pg.restart()

`copy_of` copies a migrated database (the test database pytest-django made) with pg_dump, which
takes a second or two where `migrate` takes half a minute.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import redis

from tests.ports import free_port

PG_BIN = (
    Path("/usr/lib/postgresql")
    / (
        sorted(os.listdir("/usr/lib/postgresql"))[-1]
        if os.path.isdir("/usr/lib/postgresql")
        else "15"
    )
    / "bin"
)


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if condition():
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not happen within {timeout} s")


class OwnRedis:
    """redis-server on a free loopback port, with its data directory (snapshots) in a temp dir."""

    def __init__(self) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="dharma-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def start(self) -> None:
        # Snapshots only when asked (SAVE); no AOF: a restart comes back as of the last snapshot.
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dbfilename",
                "dump.rdb",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(lambda: self.client().ping(), 10, f"redis-server on port {self.port} answering")

    def snapshot(self) -> None:
        self.client().save()

    def kill(self) -> None:
        """SIGKILL: what was not in the last snapshot is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(10)

    def restart(self) -> None:
        self.kill()
        self.start()

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections (the kernel does), nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def __enter__(self) -> OwnRedis:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.kill()
        shutil.rmtree(self.directory, ignore_errors=True)


class OwnPostgres:
    """A PostgreSQL cluster of its own (initdb, trust auth) on a free loopback port.

    initdb and the server refuse to run as root, so they run as the `postgres` system user when
    the tests run as root."""

    def __init__(self) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="dharma-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        self._user = "postgres" if os.geteuid() == 0 else None
        if self._user:
            entry = pwd.getpwnam(self._user)
            os.chown(self.directory, entry.pw_uid, entry.pw_gid)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        command = list(args)
        if self._user:
            command = ["runuser", "-u", self._user, "--", *command]
        return subprocess.run(command, check=check, capture_output=True, timeout=120)

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def init(self) -> None:
        self._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """`fast`: clients are disconnected, committed work is kept; `immediate`: a crash."""
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-m",
            mode,
            "-w",
            "-t",
            "60",
            "stop",
            check=False,
        )

    def restart(self, down_for: float = 0.0) -> None:
        self.stop()
        if down_for:
            time.sleep(down_for)
        self.start()

    def is_up(self) -> bool:
        try:
            with psycopg.connect(self.dsn(), connect_timeout=2):
                return True
        except psycopg.Error:
            return False

    def create_database(self, name: str, copy_of: dict | None = None) -> str:
        """Create `name`; with `copy_of` (a Django connection's settings_dict on the shared
        server), as a copy of that database's committed schema and rows. Returns its URL."""
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        if copy_of is not None:
            env = {**os.environ, "PGPASSWORD": copy_of.get("PASSWORD") or ""}
            dump = subprocess.run(
                [
                    str(PG_BIN / "pg_dump"),
                    "--no-owner",
                    "--no-privileges",
                    "-h",
                    copy_of.get("HOST") or "127.0.0.1",
                    "-p",
                    str(copy_of.get("PORT") or 5432),
                    "-U",
                    copy_of.get("USER") or "postgres",
                    copy_of["NAME"],
                ],
                check=True,
                capture_output=True,
                env=env,
                timeout=120,
            )
            subprocess.run(
                [str(PG_BIN / "psql"), "-q", "-v", "ON_ERROR_STOP=1", self.url(name)],
                input=dump.stdout,
                check=True,
                capture_output=True,
                timeout=120,
            )
        return self.url(name)

    def __enter__(self) -> OwnPostgres:
        self.init()
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)
