"""PgBouncer, through its admin console (`SHOW POOLS`, `SHOW STATS`, `SHOW CONFIG`): pool mode and
sizes, client connections active / waiting, server connections active / idle, average query and
wait times. The console speaks only the simple query protocol, hence a client-side cursor."""

import psycopg
from django.conf import settings

from apps.validation.checks.base import Check, Finding, Status, at_most, info


def console_rows(conn: psycopg.Connection, command: str) -> list[dict]:
    """The rows of an admin console command (SHOW …) as dicts."""
    with conn.cursor() as cursor:
        cursor.execute(command)
        names = [column.name for column in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class PgBouncerCheck(Check):
    name = "pgbouncer"
    service = "pgbouncer"

    def __init__(self, dsn: str | None = None) -> None:
        self.dsn = dsn if dsn is not None else settings.DHARMA_PGBOUNCER_ADMIN_URL

    def measure(self) -> list[Finding]:
        if not self.dsn:
            return [
                Finding(
                    "pgbouncer",
                    None,
                    Status.NOT_MEASURED,
                    note="DHARMA_PGBOUNCER_ADMIN_URL is not set",
                )
            ]
        with psycopg.connect(
            self.dsn,
            autocommit=True,
            connect_timeout=int(self.timeout),
            cursor_factory=psycopg.ClientCursor,
        ) as conn:
            config = {row["key"]: row["value"] for row in console_rows(conn, "SHOW CONFIG")}
            pools = [
                row for row in console_rows(conn, "SHOW POOLS") if row["database"] != "pgbouncer"
            ]
            stats = [
                row for row in console_rows(conn, "SHOW STATS") if row["database"] != "pgbouncer"
            ]
        waiting = sum(int(row["cl_waiting"]) for row in pools)
        mode = config.get("pool_mode")
        findings = [
            Finding(
                "pool_mode",
                mode,
                Status.PASS if mode == "transaction" else Status.WARN,
                "transaction",
            ),
            info(
                "pool_sizes",
                {
                    key: config.get(key)
                    for key in (
                        "default_pool_size",
                        "min_pool_size",
                        "reserve_pool_size",
                        "max_client_conn",
                        "max_db_connections",
                    )
                },
            ),
            info(
                "clients", {"active": sum(int(r["cl_active"]) for r in pools), "waiting": waiting}
            ),
            info(
                "servers",
                {
                    "active": sum(int(r["sv_active"]) for r in pools),
                    "idle": sum(int(r["sv_idle"]) for r in pools),
                    "used": sum(int(r["sv_used"]) for r in pools),
                },
            ),
            at_most("clients_waiting", waiting, 1, 50),
        ]
        queries = sum(int(row["total_query_count"]) for row in stats)
        if queries:
            query_us = sum(int(row["total_query_time"]) for row in stats) / queries
            wait_us = sum(int(row["total_wait_time"]) for row in stats) / queries
            findings.append(info("avg_query_ms", round(query_us / 1000, 3)))
            findings.append(at_most("avg_wait_ms", round(wait_us / 1000, 3), 10, 100))
        else:
            findings.append(
                Finding(
                    "avg_query_ms",
                    None,
                    Status.NOT_MEASURED,
                    note="no query has gone through PgBouncer yet",
                )
            )
        return findings
