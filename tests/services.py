"""Fail loudly, before the suite starts, when a service the tests need is not answering.

python -m tests.services --database postgres://... --redis redis://...
"""

import argparse
import sys

import psycopg
import redis


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True)
    parser.add_argument("--redis", required=True)
    args = parser.parse_args()
    failures = []
    try:
        # Connect to the server's maintenance database: the test database is created by pytest.
        dsn = args.database.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
        print(f"PostgreSQL {version} answers at {args.database}")
    except psycopg.Error as exc:
        failures.append(f"PostgreSQL is not answering at {args.database}: {exc}")
    try:
        info = redis.Redis.from_url(args.redis, socket_connect_timeout=5).info("server")
        print(f"Redis {info['redis_version']} answers at {args.redis}")
    except redis.RedisError as exc:
        failures.append(f"Redis is not answering at {args.redis}: {exc}")
    for failure in failures:
        print(f"ERROR: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
