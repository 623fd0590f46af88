"""Redis: version, maxmemory and eviction policy, persistence, clients, commands, keyspace hit
rate, ops/s, memory used."""

import redis
from django.conf import settings

from apps.validation.checks.base import Check, Finding, Status, at_least, info

# The hit rate is judged only over this many lookups: a fresh Redis has too few for it to mean
# anything.
MIN_LOOKUPS = 1000


class RedisCheck(Check):
    name = "redis"
    service = "redis"

    def measure(self) -> list[Finding]:
        url = settings.REDIS_URL
        if not url:
            return [
                Finding(
                    "redis",
                    None,
                    Status.NOT_MEASURED,
                    note="REDIS_URL is not set: the cache is process-local",
                )
            ]
        client = redis.Redis.from_url(
            url, socket_connect_timeout=self.timeout, socket_timeout=self.timeout
        )
        try:
            data = client.info()
        finally:
            client.close()
        hits, misses = data.get("keyspace_hits", 0), data.get("keyspace_misses", 0)
        findings = [
            info("version", data.get("redis_version")),
            info("maxmemory", data.get("maxmemory"), "0 means no limit"),
            info("maxmemory_policy", data.get("maxmemory_policy")),
            info("aof_enabled", bool(data.get("aof_enabled"))),
            info("rdb_last_save_time", data.get("rdb_last_save_time")),
            info("connected_clients", data.get("connected_clients")),
            info("total_commands_processed", data.get("total_commands_processed")),
            info("instantaneous_ops_per_sec", data.get("instantaneous_ops_per_sec")),
            info("used_memory", data.get("used_memory")),
        ]
        lookups = hits + misses
        if lookups >= MIN_LOOKUPS:
            findings.append(at_least("keyspace_hit_rate", round(hits / lookups, 4), 0.8, 0.5))
        else:
            findings.append(
                Finding(
                    "keyspace_hit_rate",
                    round(hits / lookups, 4) if lookups else None,
                    Status.NOT_MEASURED,
                    note=f"{lookups} key lookups since Redis started: too few to judge "
                    f"(at least {MIN_LOOKUPS:,})",
                )
            )
        return findings
