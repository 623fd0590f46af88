"""PostgreSQL: reachable, version, round trip, tables and indexes by kind, extensions,
connections against max_connections, buffer cache hit ratio, top statements (pg_stat_statements
when loaded), unapplied migrations."""

import statistics
import time

import psycopg
from django.conf import settings
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from apps.validation.checks.base import Check, Finding, Status, at_least, at_most, info


def database_dsn() -> str:
    """The DSN of the application's default database (the one this check measures)."""
    db = settings.DATABASES["default"]
    parts = {
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or "5432",
        "dbname": db["NAME"],
        "user": db.get("USER") or "",
        "password": db.get("PASSWORD") or "",
    }
    return " ".join(f"{key}={value}" for key, value in parts.items() if value != "")


INDEX_KINDS = """
SELECT count(*) FILTER (WHERE am.amname = 'btree'),
       count(*) FILTER (WHERE am.amname = 'gin'),
       count(*) FILTER (WHERE ix.indpred IS NOT NULL),
       count(*) FILTER (WHERE ix.indisunique),
       count(*)
FROM pg_index ix
JOIN pg_class c ON c.oid = ix.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = c.relam
WHERE n.nspname = 'public'
"""


def _one(conn: psycopg.Connection, query: str) -> tuple:
    row = conn.execute(query).fetchone()
    assert row is not None  # aggregate and SHOW queries always return a row
    return row


class PostgresCheck(Check):
    name = "postgresql"
    service = "postgresql"

    def __init__(self, dsn: str | None = None) -> None:
        self.dsn = dsn  # default: the application's own database

    def measure(self) -> list[Finding]:
        if self.dsn is None and "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
            return [
                Finding(
                    "engine",
                    settings.DATABASES["default"]["ENGINE"],
                    Status.NOT_MEASURED,
                    note="the application runs on SQLite (first-run mode), not PostgreSQL",
                )
            ]
        findings: list[Finding] = []
        dsn = self.dsn or database_dsn()
        with psycopg.connect(dsn, connect_timeout=int(self.timeout)) as conn:
            # LOCAL: the whole check is one transaction, and a session setting would outlive it
            # on a server connection that PgBouncer hands to someone else.
            conn.execute(f"SET LOCAL statement_timeout = {int(self.timeout * 1000)}")
            version = _one(conn, "SHOW server_version")[0]
            findings.append(info("version", version))
            trips = []
            for _ in range(5):
                started = time.perf_counter()
                _one(conn, "SELECT 1")
                trips.append((time.perf_counter() - started) * 1000)
            findings.append(at_most("round_trip_ms", round(statistics.median(trips), 3), 5, 50))
            tables = _one(
                conn,
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
            )[0]
            findings.append(info("tables", tables))
            btree, gin, partial, unique, total = _one(conn, INDEX_KINDS)
            findings.append(
                info(
                    "indexes",
                    {
                        "total": total,
                        "btree": btree,
                        "gin": gin,
                        "partial": partial,
                        "unique": unique,
                    },
                )
            )
            installed = {row[0] for row in conn.execute("SELECT extname FROM pg_extension")}
            required = set(settings.DHARMA_VALIDATION_PG_EXTENSIONS)
            missing = sorted(required - installed)
            findings.append(
                Finding(
                    "extensions",
                    sorted(installed),
                    Status.FAIL if missing else Status.PASS,
                    f"required: {', '.join(sorted(required)) or 'none'}",
                    f"missing: {', '.join(missing)}" if missing else "",
                )
            )
            used, limit = _one(
                conn,
                "SELECT (SELECT count(*) FROM pg_stat_activity), "
                "current_setting('max_connections')::int",
            )
            findings.append(
                at_most("connections_used_percent", round(100 * used / limit, 1), 80, 95, " %")
            )
            findings.append(info("connections", {"used": used, "max_connections": limit}))
            hit, read = _one(
                conn,
                "SELECT blks_hit, blks_read FROM pg_stat_database"
                " WHERE datname = current_database()",
            )
            if hit + read:
                findings.append(
                    at_least("buffer_cache_hit_ratio", round(hit / (hit + read), 4), 0.95, 0.80)
                )
            else:
                findings.append(
                    Finding(
                        "buffer_cache_hit_ratio",
                        None,
                        Status.NOT_MEASURED,
                        note="no block has been read yet",
                    )
                )
            findings.append(self._top_statements(conn, installed))
        findings.append(self._migrations())
        return findings

    def _top_statements(self, conn: psycopg.Connection, installed: set[str]) -> Finding:
        if "pg_stat_statements" not in installed:
            return Finding(
                "top_statements",
                None,
                Status.NOT_MEASURED,
                note="the pg_stat_statements extension is not installed",
            )
        try:
            rows = conn.execute(
                "SELECT left(query, 120), calls, round(mean_exec_time::numeric, 3) "
                "FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 5"
            ).fetchall()
        except psycopg.Error as exc:
            return Finding(
                "top_statements",
                None,
                Status.NOT_MEASURED,
                note=f"pg_stat_statements is not loaded: {exc}".strip(),
            )
        return info(
            "top_statements",
            [{"query": q, "calls": c, "mean_ms": float(m)} for q, c, m in rows],
        )

    def _migrations(self) -> Finding:
        connection = connections["default"]
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        pending = [f"{migration.app_label}.{migration.name}" for migration, _ in plan]
        return Finding(
            "unapplied_migrations", pending, Status.FAIL if pending else Status.PASS, "none"
        )
