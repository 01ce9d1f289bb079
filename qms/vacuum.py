"""Autovacuum for the tables registers read: every record's and child row's.

A register counts its rows (the pager's "1,234 records") and My work counts open items with
index-only scans, which read the index alone while the table's pages are marked all-visible.
Every insert and update clears that mark on its page until the table is next vacuumed, and
PostgreSQL's defaults vacuum a table only once a fifth of it has changed. On the ten-year
archive, 2,000 scattered updates of the 100,000 NCRs (2 %) took the NCR register's count from
5–9 ms to 25–34 ms, and it would have stayed there until 20,000 had changed: a register gets
slower by the day between two vacuums. So every record and child-row table is vacuumed (and
analysed) once 1 % of it has changed, which for tables of this size is a few milliseconds of
background work each time.

Set after every ``migrate`` (``post_migrate``), on the tables whose options differ: setting
autovacuum options takes a lock that blocks neither reads nor writes.
"""

from __future__ import annotations

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections

AUTOVACUUM = {
    "autovacuum_vacuum_scale_factor": "0.01",
    "autovacuum_vacuum_insert_scale_factor": "0.01",
    "autovacuum_analyze_scale_factor": "0.01",
}


def register_tables() -> list[str]:
    """The tables of every installed record and child-row model."""
    from .models import ChildRecord, Record

    return sorted(
        {
            model._meta.db_table
            for model in apps.get_models()
            if issubclass(model, Record | ChildRecord) and model._meta.managed and not model._meta.proxy
        }
    )


def tune(sender=None, *, using: str = DEFAULT_DB_ALIAS, **kwargs) -> list[str]:
    """Give every register's table the options above; the tables changed."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    wanted = {f"{name}={value}" for name, value in AUTOVACUUM.items()}
    options = ", ".join(f"{name} = {value}" for name, value in AUTOVACUUM.items())
    changed = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class"
            " WHERE relname = ANY(%s) AND relkind = 'r' AND pg_table_is_visible(oid)",
            [register_tables()],
        )
        for table, current in cursor.fetchall():
            if not wanted <= set(current or ()):
                cursor.execute(f"ALTER TABLE {connection.ops.quote_name(table)} SET ({options})")
                changed.append(table)
    return changed
