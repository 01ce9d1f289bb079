"""The registers benchmark's SQL floor runs again every statement a page reads, and nothing that
writes (bench/timing.py): a staff page's scope, a union of parenthesised SELECTs, was left
out of it, and the page's target was held below the SQL it needs."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.timing import reads  # noqa: E402


def test_the_floor_keeps_every_read_and_no_write():
    scope = '(SELECT "capa_action"."capa_id" FROM "capa_action" WHERE "owner_id" = 7) UNION (SELECT 1)'
    statements = [
        'SELECT "session_data" FROM "django_session"',
        "  select\n1",
        scope,
        'INSERT INTO "django_session" VALUES (1)',
        'UPDATE "django_session" SET "expire_date" = now()',
        'SAVEPOINT "s1"',
        "WITH new_row AS (INSERT INTO t VALUES (1) RETURNING id) INSERT INTO h SELECT id FROM new_row",
        "SELECTED_ROWS",
    ]
    assert reads(statements) == ['SELECT "session_data" FROM "django_session"', "  select\n1", scope]
