"""The admin's change lists: one count of their rows when nothing narrows them (Django counts a
list twice, the rows it pages and the whole table for "1 result (3 total)"), both when a filter
does, and each row's relations joined, not read row by row."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qms.models import Role, User

pytestmark = pytest.mark.django_db


def counts(statements) -> list[str]:
    return [sql for sql in statements if re.match(r'SELECT COUNT\(\*\) AS "__count" FROM "qms_user"', sql)]


def test_the_people_list_counts_its_rows_once_unless_a_filter_narrows_it(
    client_for, admin_user, staff, head, other_staff
):
    client = client_for(admin_user)
    everyone = User.objects.count()
    with CaptureQueriesContext(connection) as ran:
        page = client.get("/admin/qms/user/")
    assert page.status_code == 200
    assert len(counts(q["sql"] for q in ran.captured_queries)) == 1
    assert f"{everyone} users" in page.content.decode()
    with CaptureQueriesContext(connection) as ran:
        page = client.get("/admin/qms/user/", {"role__exact": Role.STAFF})
    assert len(counts(q["sql"] for q in ran.captured_queries)) == 2  # the rows shown, and all of them
    staff_count = User.objects.filter(role=Role.STAFF).count()
    assert re.search(
        rf"{staff_count} results?\s*\(\s*<a[^>]*>{everyone} total</a>\s*\)", page.content.decode()
    )


def test_the_people_list_reads_departments_with_the_people(client_for, admin_user, staff, other_staff, head):
    client = client_for(admin_user)
    client.get("/admin/qms/user/")
    with CaptureQueriesContext(connection) as ran:
        page = client.get("/admin/qms/user/")
    assert page.status_code == 200
    assert not [q for q in ran.captured_queries if 'FROM "qms_department" WHERE' in q["sql"]]
    assert staff.department.name in page.content.decode()
