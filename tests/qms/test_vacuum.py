"""Every register's table is vacuumed once 1 % of it has changed (qms.vacuum): its count reads the
index alone only while the table is freshly vacuumed."""

import pytest
from django.db import connection
from django.db.models.signals import post_migrate

from qms import vacuum


def options(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s AND relkind = 'r'", [table])
        return set(cursor.fetchone()[0] or ())


@pytest.mark.django_db
def test_every_record_and_child_row_table_is_vacuumed_after_one_percent_changed():
    tables = vacuum.register_tables()
    assert {"capa_nonconformity", "capa_action", "documents_acknowledgment", "kernelapp_widget"} <= set(
        tables
    )
    assert "qms_user" not in tables and "django_session" not in tables
    vacuum.tune()  # what every migrate ends with (post_migrate)
    for table in tables:
        assert options(table) >= {
            "autovacuum_vacuum_scale_factor=0.01",
            "autovacuum_vacuum_insert_scale_factor=0.01",
            "autovacuum_analyze_scale_factor=0.01",
        }, table
    assert vacuum.tune() == []  # nothing left to change: a migrate takes no lock it does not need


@pytest.mark.django_db
def test_a_table_whose_options_were_reset_gets_them_back_on_the_next_migrate():
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE capa_nonconformity RESET (autovacuum_vacuum_scale_factor)")
    assert "autovacuum_vacuum_scale_factor=0.01" not in options("capa_nonconformity")
    assert any(receiver is vacuum.tune for receiver in _receivers(post_migrate))
    assert vacuum.tune() == ["capa_nonconformity"]
    assert "autovacuum_vacuum_scale_factor=0.01" in options("capa_nonconformity")


def _receivers(signal) -> list:
    return [ref() for _key, ref, *_ in signal.receivers if callable(ref) and ref() is not None]
