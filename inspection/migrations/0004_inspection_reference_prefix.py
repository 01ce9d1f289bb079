"""Inspections are numbered INSP-…: they shared INS-… with calibration's instruments, so one
reference prefix named two kinds of record (and the search and the history's reference links
could take an inspection for an instrument). Existing inspections and their history rows are
renumbered in place, keeping their year and number; the INSP counter starts after the highest."""

from django.db import migrations

FORWARD = r"""
UPDATE inspection_inspection SET reference = 'INSP' || substr(reference, 4)
 WHERE reference ~ '^INS-[0-9]{4}-[0-9]+$';
UPDATE inspection_historicalinspection SET reference = 'INSP' || substr(reference, 4)
 WHERE reference ~ '^INS-[0-9]{4}-[0-9]+$';
INSERT INTO qms_referencecounter (prefix, year, last)
SELECT 'INSP', split_part(reference, '-', 2)::int, max(split_part(reference, '-', 3)::int)
  FROM inspection_inspection WHERE reference ~ '^INSP-[0-9]{4}-[0-9]+$'
 GROUP BY split_part(reference, '-', 2)::int
ON CONFLICT (prefix, year) DO UPDATE SET last = greatest(qms_referencecounter.last, excluded.last);
"""

BACKWARD = r"""
UPDATE inspection_inspection SET reference = 'INS' || substr(reference, 5)
 WHERE reference ~ '^INSP-[0-9]{4}-[0-9]+$';
UPDATE inspection_historicalinspection SET reference = 'INS' || substr(reference, 5)
 WHERE reference ~ '^INSP-[0-9]{4}-[0-9]+$';
DELETE FROM qms_referencecounter WHERE prefix = 'INSP';
"""


class Migration(migrations.Migration):
    dependencies = [("inspection", "0003_register_search_and_due"), ("qms", "0007_reference_in_the_insert")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
