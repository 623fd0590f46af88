#!/usr/bin/env python
"""Benchmark: 1,000 concurrent clients through PgBouncer, and the same clients straight to
PostgreSQL, in one run.

    bash .ci/pgbouncer.sh start      # PgBouncer on 127.0.0.1:6432 (the project's pgbouncer.ini)
    .venv/bin/python benchmarks/pgbouncer_clients.py [--clients 1000] [--queries 5] [--record]

Each client connects, runs `--queries` short queries (`SELECT pg_sleep(0.005)`, one transaction
each), and disconnects. While they run, pg_stat_activity is sampled every 50 ms for the server
connections to the benchmark's database. Reported (never asserted): clients that completed,
errors (and the first error), server connections used at most, wall time. The direct run is the
baseline: what the same load does to PostgreSQL without a pooler. Results go to
benchmarks/results/pgbouncer_clients-<UTC time>.{md,json}. With `--record`, the figures are also
stored as a `pgbouncer-pooling` measurement in the database of DATABASE_URL (benchmarks/record.py),
which the validation report then shows.
"""

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import record

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DATABASE = "dharma_pgbouncer_bench"
DIRECT = f"host=127.0.0.1 port=5432 user=postgres dbname={DATABASE}"
POOLED = f"host=127.0.0.1 port=6432 user=postgres dbname={DATABASE}"
ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


async def client(dsn: str, queries: int, errors: list[str]) -> bool:
    try:
        conn = await psycopg.AsyncConnection.connect(dsn, connect_timeout=30, autocommit=True)
    except psycopg.Error as exc:
        errors.append(str(exc).strip().splitlines()[0])
        return False
    try:
        for _ in range(queries):
            await conn.execute("SELECT pg_sleep(0.005)")
        return True
    except psycopg.Error as exc:
        errors.append(str(exc).strip().splitlines()[0])
        return False
    finally:
        await conn.close()


async def sample(stop: asyncio.Event, peaks: list[int]) -> None:
    async with await psycopg.AsyncConnection.connect(ADMIN, autocommit=True) as conn:
        while not stop.is_set():
            row = await (
                await conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (DATABASE,)
                )
            ).fetchone()
            peaks.append(int(row[0]) if row else 0)
            await asyncio.sleep(0.05)


async def measure(dsn: str, clients: int, queries: int) -> dict:
    errors: list[str] = []
    peaks: list[int] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample(stop, peaks))
    started = time.perf_counter()
    done = await asyncio.gather(*(client(dsn, queries, errors) for _ in range(clients)))
    wall = time.perf_counter() - started
    stop.set()
    await sampler
    return {
        "clients": clients,
        "completed": sum(done),
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "max_server_connections": max(peaks, default=0),
        "wall_s": round(wall, 2),
    }


def admin(statement: str) -> None:
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=5)
    parser.add_argument(
        "--record",
        action="store_true",
        help="store the figures for the validation report (database of DATABASE_URL)",
    )
    args = parser.parse_args()
    if not (1 <= args.clients <= 5000 and 1 <= args.queries <= 100):
        parser.error("--clients 1..5000, --queries 1..100")
    recorded_in = record.prepare() if args.record else ""
    try:
        psycopg.connect("host=127.0.0.1 port=6432 user=postgres dbname=pgbouncer").close()
    except psycopg.Error as exc:
        print(f"no PgBouncer on 127.0.0.1:6432 ({exc}); start it: bash .ci/pgbouncer.sh start")
        return 2
    admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{DATABASE}"')
    started_at = datetime.now(UTC)
    try:
        with psycopg.connect(ADMIN) as conn:
            limit = conn.execute("SHOW max_connections").fetchone()[0]  # type: ignore[index]
        pool_settings = pgbouncer_settings()
        pooled = asyncio.run(measure(POOLED, args.clients, args.queries))
        direct = asyncio.run(measure(DIRECT, args.clients, args.queries))
    finally:
        admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    finished_at = datetime.now(UTC)
    rows = [
        "| path | clients | completed | errors | server connections (max) | wall |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for label, result in (("through PgBouncer (6432)", pooled), ("direct (5432)", direct)):
        rows.append(
            f"| {label} | {result['clients']:,} | {result['completed']:,} | {result['errors']:,} |"
            f" {result['max_server_connections']} | {result['wall_s']} s |"
        )
    table = "\n".join(
        [
            f"PgBouncer — {args.clients:,} concurrent clients × {args.queries} queries; "
            f"PostgreSQL max_connections {limit}; load average {os.getloadavg()[0]:.2f}",
            "",
            *rows,
            "",
            f"direct, first error: {direct['first_error'] or '-'}",
        ]
    )
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"pgbouncer_clients-{stamp}.md").write_text(table + "\n")
    figures = {
        "clients": args.clients,
        "queries_per_client": args.queries,
        "max_connections": int(limit),
        "pgbouncer": pool_settings,
        "load_average": round(os.getloadavg()[0], 2),
        "pooled": pooled,
        "direct": direct,
    }
    (RESULTS / f"pgbouncer_clients-{stamp}.json").write_text(json.dumps(figures, indent=2))
    if args.record:
        measurement = record.store(
            kind="pgbouncer-pooling",
            figures=figures,
            started_at=started_at,
            finished_at=finished_at,
            notes="each client: connect, SELECT pg_sleep(0.005) per query, disconnect; server "
            "connections sampled from pg_stat_activity every 50 ms",
        )
        print(f"recorded as measurement {measurement} in the {recorded_in}")
    return 0


def pgbouncer_settings() -> dict[str, str]:
    """The pool settings PgBouncer runs with (its admin console's SHOW CONFIG)."""
    with psycopg.connect(
        "host=127.0.0.1 port=6432 user=postgres dbname=pgbouncer",
        autocommit=True,
        cursor_factory=psycopg.ClientCursor,
    ) as conn:
        rows = conn.execute("SHOW CONFIG").fetchall()
    wanted = ("pool_mode", "default_pool_size", "min_pool_size", "reserve_pool_size",
              "max_client_conn", "max_db_connections")  # fmt: skip
    return {str(row[0]): str(row[1]) for row in rows if row[0] in wanted}


if __name__ == "__main__":
    sys.exit(main())
