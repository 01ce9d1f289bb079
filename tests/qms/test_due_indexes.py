"""A model's open-rows indexes for its due items (``qms.models.due_index``, ``owner_due_index``)
are ones PostgreSQL can read them through: a condition must follow from what the provider asks. An index
on ``status IN ('draft', 'sent')`` under a provider that asks ``status NOT IN ('accepted',
'cancelled')`` is never used, however the statuses are defined: the database cannot know the
workflow, and reads the whole table instead (the SCARs, the audit findings).

The plans are read in a fresh copy of the migrated template, whose tables have never held a row
(a new installation's), not in the test database: there autovacuum gathers statistics from the
rows earlier tests wrote (committed and deleted, or rolled back), and on those the planner may
prefer another index (a few documents counted through the owner's) whatever the partial index
allows, so the test passed or failed by the order the tests ran in (CI, stop 49)."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from qms.due import registry
from tests.migrating import scratch_database


def _due_indexes(model) -> list[str]:
    """The partial indexes of ``model``: its open-rows ones among them."""
    return [index.name for index in model._meta.indexes if index.condition is not None]


def test_each_open_rows_index_serves_the_due_items_it_was_made_for(django_db_blocker):
    today = timezone.localdate()
    used: dict[type, set[str]] = {}
    with scratch_database(django_db_blocker, from_template=True) as migrate:
        if not connection.settings_dict["TEST"].get("TEMPLATE"):  # --reuse-db: an empty database
            migrate(MigrationLoader(connection).graph.leaf_nodes())
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table is read whole otherwise
            for provider in registry.providers:
                names = _due_indexes(provider.model)
                if not names or not hasattr(provider, "counts_statement"):
                    continue
                # The statements that read every open row: the counts by owner and the total.
                plans = []
                for statement in (
                    provider.counts_statement(until=today, today=today),
                    provider.total_statement(until=today),
                ):
                    cursor.execute(f"EXPLAIN {statement.sql}", statement.params)
                    plans.append("\n".join(row[0] for row in cursor.fetchall()))
                used.setdefault(provider.model, set()).update(n for n in names if any(n in p for p in plans))
                # (a model of two is served when either is read: counting by owner reads the one by owner)
            # A receipt awaiting IQC reads its plan (who keeps it) for each receipt: through the
            # plans-in-use index, not a scan of every plan per receipt.
            from inspection.due import IncomingInspectionDue

            iqc = next(p for p in registry.providers if isinstance(p, IncomingInspectionDue))
            statement = iqc.items_statement(until=today, owner_ids=[1], department_ids=[1], limit=50)
            cursor.execute(f"EXPLAIN {statement.sql}", statement.params)
            iqc_plan = "\n".join(row[0] for row in cursor.fetchall())
    assert len(used) >= 15, sorted(m.__name__ for m in used)
    unused = {model.__name__: _due_indexes(model) for model, names in used.items() if not names}
    assert not unused, f"open-rows indexes no provider reads its items through: {unused}"
    assert "insp_plan_in_use" in iqc_plan, iqc_plan
    assert "Seq Scan on inspection_inspectionplan" not in iqc_plan, iqc_plan
