"""Creating an NCR through the service: every rule kept in as few round trips as the database
needs (the row with its number, its history), and a reference to a record that does not exist refused
beside its field, not found at commit as a server error."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from capa.models import Nonconformity
from qms.models import ReferenceCounter
from qms.services import record_create
from tests.helpers import field_error

pytestmark = pytest.mark.django_db

FIELDS = {"title": "Burr on flange", "description": "Found at OQC", "severity": "minor"}


def test_creating_in_ones_own_department_is_the_row_with_its_number_and_its_history(head, dept):
    with CaptureQueriesContext(connection) as ctx:
        ncr = record_create(
            model=Nonconformity,
            by=head,
            owner=head,
            department_id=dept.pk,
            due_date=dt.date(2027, 1, 5),
            **FIELDS,
        )
    # No savepoint, no lookup of the owner or the department the acting person is known to have,
    # no round trip for the number (the row's INSERT takes it) and none for the history row (the
    # same statement copies the row into it).
    [statement] = [q["sql"] for q in ctx.captured_queries]
    assert statement.startswith('WITH new_row AS (INSERT INTO "capa_nonconformity"'), statement
    assert "qms_next_reference" in statement
    assert 'INSERT INTO "capa_historicalnonconformity"' in statement
    created = ncr.history.get()
    assert (created.history_user, created.history_change_reason, created.history_type) == (
        head,
        "Created",
        "+",
    )
    year = ncr.created_at.year
    assert ncr.reference == created.reference == f"NCR-{year}-0001"
    assert Nonconformity.objects.get().reference == ncr.reference
    again = record_create(model=Nonconformity, by=head, owner=head, department_id=dept.pk, **FIELDS)
    assert again.reference == f"NCR-{year}-0002"


def test_another_department_is_looked_up_once(quality_manager, head, dept, other_dept):
    with CaptureQueriesContext(connection) as ctx:
        record_create(
            model=Nonconformity, by=quality_manager, owner_id=head.pk, department_id=other_dept.pk, **FIELDS
        )
    assert [q["sql"].split()[0] for q in ctx.captured_queries].count("SELECT") == 1


@pytest.mark.parametrize("field", ["owner_id", "department_id"])
def test_a_record_that_does_not_exist_is_refused_beside_its_field(quality_manager, head, dept, field):
    fields = {"owner_id": head.pk, "department_id": dept.pk, field: 987654321}
    with pytest.raises(ValidationError) as refused:
        record_create(model=Nonconformity, by=quality_manager, **fields, **FIELDS)
    assert list(refused.value.message_dict) == [field.removesuffix("_id")]
    assert "987654321" in refused.value.message_dict[field.removesuffix("_id")][0]
    assert not Nonconformity.objects.exists() and not ReferenceCounter.objects.exists()


def test_the_form_says_so_beside_the_field(client_for, head, dept):
    response = client_for(head).post(
        reverse("capa:nonconformity_create"),
        {"owner": 987654321, "department": dept.pk, "source": "internal", **FIELDS},
    )
    assert response.status_code == 400
    assert "valid choice" in field_error(response, "owner")
    assert "Nothing was saved: see the messages beside the fields." in response.content.decode()
    assert not Nonconformity.objects.exists()


def test_an_ncr_reported_without_a_due_date_is_due_for_its_disposition_in_a_week(
    client_for, staff, head, settings
):
    """Reported from a phone with no due date, an NCR is still someone's work: due for its
    disposition ``NCR_DISPOSITION_DAYS`` later, on the My work of who decides it. Staff reporting
    one are offered their head as its owner (they could not record the disposition themselves);
    the form says both beside the fields."""
    from django.utils import timezone

    from qms.due import registry

    settings.NCR_DISPOSITION_DAYS = 5
    client = client_for(staff)
    form = client.get(reverse("capa:nonconformity_create"))
    assert "5 days from today if left empty" in form.content.decode()
    assert "Who decides the disposition" in form.content.decode()
    assert form.context["form"].initial["owner"] == head.pk
    response = client.post(
        reverse("capa:nonconformity_create"),
        {"source": "internal", "owner": head.pk, "department": staff.department_id, **FIELDS},
    )
    assert response.status_code == 302
    ncr = Nonconformity.objects.get()
    assert ncr.due_date == timezone.localdate() + dt.timedelta(days=5)
    assert ncr.created_by == staff and ncr.owner == head
    assert [item.reference for item in registry.for_user(head)] == [ncr.reference]
    assert ncr.reference in client_for(head).get(reverse("my_work")).content.decode()
    assert "disposition" in [t.name for t in Nonconformity.workflow.available(ncr, head)]
    # A head (or the quality manager) reporting one keeps it.
    own = client_for(head).get(reverse("capa:nonconformity_create")).context["form"]
    assert own.initial["owner"] == head.pk


def test_top_management_without_a_department_reports_an_ncr_for_any_department(client_for, top, head, dept):
    """The managing director belongs to no department: the NCR form offered no department and
    every save said "Nothing was saved" although New was offered."""
    client = client_for(top)
    page = client.get(reverse("capa:nonconformity_create")).content.decode()
    select = page[page.index('name="department"') :].split("</select>")[0]
    assert f'<option value="{dept.pk}">{dept.name}</option>' in select
    response = client.post(
        reverse("capa:nonconformity_create"),
        {**FIELDS, "source": "customer", "owner": head.pk, "department": dept.pk},
    )
    assert response.status_code == 302
    assert Nonconformity.objects.get().department == dept
