"""Check that PostgreSQL and Redis answer before anything starts, with one readable line on failure.

Usage: .venv/bin/python scripts/check_services.py [--create-db]

Reads DATABASE_URL and REDIS_URL from the environment, then from .env (the environment wins, as in
qms/settings.py), then the same defaults as the settings. Exit 0 when both answer, 1 otherwise; it
never prints a traceback. --create-db also creates the database named in DATABASE_URL if missing.
"""

import os
import sys
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/qms",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}
TIMEOUT = 3  # seconds, for each service


class ServiceError(Exception):
    """A failure already phrased for the user."""


def dotenv() -> dict[str, str]:
    """The KEY=value lines of .env (enough for URLs; quotes stripped), {} if there is none."""
    values = {}
    path = ROOT / ".env"
    if path.is_file():
        for line in path.read_text().splitlines():
            key, sep, value = line.strip().removeprefix("export ").partition("=")
            if sep and key and not key.startswith("#"):
                values[key.strip()] = value.strip().strip("'\"")
    return values


def setting(name: str, file_values: dict[str, str]) -> str:
    return os.environ.get(name) or file_values.get(name) or DEFAULTS[name]


def check_postgres(url: str, create_db: bool) -> str:
    parts = urlsplit(url)
    host = unquote(parts.hostname or "")  # empty: the local Unix socket
    port = parts.port or 5432
    where = f"{host}:{port}" if host else "the local socket"
    dbname = unquote(parts.path.lstrip("/")) or "postgres"
    hint = (
        f"PostgreSQL is not reachable at {where} — start it (e.g. 'pg_ctlcluster 15 main start' "
        "or 'docker compose up -d postgres') or set DATABASE_URL."
    )
    try:
        import psycopg
        from psycopg import sql
    except ImportError:
        raise ServiceError("psycopg is not installed in this Python — run 'make install' first.") from None

    params = dict(parse_qsl(parts.query))  # e.g. ?sslmode=require
    params.update(
        host=host or None,
        port=port,
        user=unquote(parts.username or "") or None,
        password=unquote(parts.password or "") or None,
        dbname="postgres",  # the maintenance database: the app's database may not exist yet
        connect_timeout=TIMEOUT,
        autocommit=True,  # CREATE DATABASE cannot run inside a transaction
    )
    try:
        conn = psycopg.connect(**{k: v for k, v in params.items() if v is not None})
    except psycopg.OperationalError as exc:
        first = (str(exc).strip().splitlines() or [""])[0]
        # A server that answered and said no (unknown role, wrong password) needs a different fix
        # from one that is not there at all (refused, timeout, unknown host).
        if "FATAL" in first or "password" in first:
            reason = first.split("FATAL:")[-1].strip()
            msg = f"PostgreSQL at {where} refused the login: {reason} (check DATABASE_URL)."
            raise ServiceError(msg) from None
        raise ServiceError(hint) from None
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not exists and create_db:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
            return f"PostgreSQL ok at {where} (created database '{dbname}')"
    note = "" if exists else f", database '{dbname}' does not exist yet"
    return f"PostgreSQL ok at {where}{note}"


def check_redis(url: str) -> str:
    parts = urlsplit(url)
    where = f"{parts.hostname}:{parts.port or 6379}" if parts.hostname else parts.path or "?"
    try:
        import redis
    except ImportError:
        raise ServiceError("redis (the Python client) is not installed — run 'make install' first.") from None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
        client.ping()
        client.close()
    except (redis.AuthenticationError, redis.ResponseError) as exc:
        raise ServiceError(f"Redis at {where} refused the connection: {exc} (check REDIS_URL).") from None
    except (redis.RedisError, OSError):
        raise ServiceError(
            f"Redis is not reachable at {where} — start it (e.g. 'service redis-server start' "
            "or 'docker compose up -d redis') or set REDIS_URL."
        ) from None
    return f"Redis ok at {where}"


def main(argv: list[str]) -> int:
    create_db = "--create-db" in argv
    file_values = dotenv()
    try:
        ok = [
            check_postgres(setting("DATABASE_URL", file_values), create_db),
            check_redis(setting("REDIS_URL", file_values)),
        ]
    except ServiceError as exc:
        print(exc, file=sys.stderr)
        return 1
    except (Exception, KeyboardInterrupt) as exc:  # a bad URL, an odd driver error: still one line
        print(f"Service check failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print("    " + "; ".join(ok))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
