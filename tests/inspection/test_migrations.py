"""Inspections move from INS-… (calibration's instruments' prefix too) to INSP-…: renumbered in
place with their history, and the next inspection continues after the highest number."""

from django.db import connection

from tests.migrating import people, scratch_database

BEFORE = [("inspection", "0003_register_search_and_due")]
AFTER = [("inspection", "0004_inspection_reference_prefix")]


def test_inspections_are_renumbered_insp_and_the_next_continues_after_them(django_db_blocker):
    with scratch_database(django_db_blocker, from_template=True) as migrate:
        apps = migrate(BEFORE)
        at = people(apps)
        common = {"owner_id": at.head.pk, "department_id": at.dept.pk, "created_by_id": at.head.pk}
        plan = apps.get_model("inspection", "InspectionPlan").objects.create(
            reference="IPL-2026-0001", title="Final H-220", part_number="H-220", status="active", **common
        )
        Inspection = apps.get_model("inspection", "Inspection")
        for number in (3, 7):
            Inspection.objects.create(
                reference=f"INS-2026-{number:04d}",
                title="Inspection",
                plan=plan,
                inspector_id=at.head.pk,
                inspected_on="2026-11-30",
                lot_size=100,
                status="accepted",
                **common,
            )
        apps.get_model("inspection", "HistoricalInspection").objects.create(
            id=1,
            reference="INS-2026-0003",
            title="Inspection",
            plan_id=plan.pk,
            inspector_id=at.head.pk,
            inspected_on="2026-11-30",
            lot_size=100,
            status="accepted",
            history_date="2026-11-30T10:00Z",
            history_type="+",
            created_at="2026-11-30T10:00Z",
            updated_at="2026-11-30T10:00Z",
            **common,
        )

        apps = migrate(AFTER)
        Inspection = apps.get_model("inspection", "Inspection")
        assert sorted(Inspection.objects.values_list("reference", flat=True)) == [
            "INSP-2026-0003",
            "INSP-2026-0007",
        ]
        history = apps.get_model("inspection", "HistoricalInspection").objects.get()
        assert history.reference == "INSP-2026-0003"
        with connection.cursor() as cursor:
            cursor.execute("SELECT qms_next_reference('INSP', 2026)")
            assert cursor.fetchone()[0] == "INSP-2026-0008"
