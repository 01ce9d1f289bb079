"""A register's CSV written by PostgreSQL (``qms.csv_sql``): the same rows as the screen, in the
same scope and order, with the same text the Python writer gave (labels, names, dates, formulas
neutralised), for every register in every module."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from capa.models import Nonconformity
from qms.views import RecordListView
from tests import walker
from tests.capa.factories import NonconformityFactory
from tests.helpers import body
from tests.qms.test_list_queries import PAGES

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response))))


def test_ncr_csv_is_the_screen_of_a_scoped_user(client_for, staff, dept, other_head, other_dept):
    mine = NonconformityFactory(
        owner=staff,
        department=dept,
        title="=HYPERLINK(evil)",
        severity="major",
        part="-5",
        lot="@SUM(A1)",
        due_date=dt.date(2027, 1, 5),
    )
    plain = NonconformityFactory(owner=staff, department=dept, title="Burr on edge", severity="minor")
    hidden = NonconformityFactory(owner=other_head, department=other_dept, title="Not for staff")
    client = client_for(staff)
    url = reverse("capa:nonconformity_list")
    with CaptureQueriesContext(connection) as export:
        response = client.get(url + "?format=csv")
        rows = rows_of(response)
    assert any(q["sql"].startswith("COPY (") for q in export.captured_queries), "written by PostgreSQL"
    screen = client.get(url).context["rows"]
    header, *lines = rows
    assert header == [label for _, label in response.wsgi_request.resolver_match.func.view_class.columns]
    # The same records in the same order as the screen: the staff member's scope, nothing else.
    assert [line[0] for line in lines] == [record.reference for record, _ in screen]
    assert hidden.reference not in body(client.get(url + "?format=csv"))
    by_ref = {line[0]: dict(zip(header, line, strict=True)) for line in lines}
    row = by_ref[mine.reference]
    assert row["Title"] == "'=HYPERLINK(evil)"  # a formula neutralised, as before
    assert row["Part"] == "'-5" and row["Lot"] == "'@SUM(A1)"
    assert row["Severity"] == "Major" and by_ref[plain.reference]["Severity"] == "Minor"  # labels
    assert row["Status"] == mine.get_status_display()
    assert row["Owner"] == str(staff) and row["Department"] == str(dept)
    assert row["Due"] == "2027-01-05"
    cells = dict(zip(header, next(c for r, c in screen if r.pk == mine.pk), strict=True))
    for label in ("Reference", "Status", "Source", "Severity", "Owner", "Department", "Qty", "Age (days)"):
        assert row[label] == str(cells[label]), label
    assert row["Title"] == "'" + cells["Title"]


def test_semicolon_csv_and_an_invalid_filter(client_for, staff, dept):
    NonconformityFactory(owner=staff, department=dept, title="Crack; in weld")
    client = client_for(staff)
    url = reverse("capa:nonconformity_list")
    text = body(client.get(url + "?format=csv&sep=semicolon"))
    assert text.splitlines()[0].startswith("Reference;Title;Status")
    assert '"Crack; in weld"' in text
    assert body(client.get(url + "?format=csv&owner=abc")).splitlines()[1:] == []


@pytest.mark.django_db(transaction=True)
def test_a_client_that_goes_away_leaves_the_connection_usable(monkeypatch, client_for, staff, dept):
    # As in production: no transaction around the request, the COPY is its own statement.
    monkeypatch.setattr("qms.csv_sql.CHUNK_BYTES", 10)  # a piece per line: the COPY is still running
    for _ in range(5):
        NonconformityFactory(owner=staff, department=dept)
    response = client_for(staff).get(reverse("capa:nonconformity_list") + "?format=csv")
    stream = iter(response.streaming_content)
    next(stream), next(stream)  # the header and the first line
    response.close()  # the client went away: the COPY is cancelled, not left open
    assert connection.connection is None or connection.connection.info.transaction_status.name == "IDLE"
    assert Nonconformity.objects.count() == 5


def python_written(monkeypatch, client, url) -> list[list[str]]:
    """The same export written row by row in Python, as before the database wrote it."""
    with monkeypatch.context() as patched:
        patched.setattr(RecordListView, "csv_sql", lambda self, queryset: None)
        return rows_of(client.get(url))


@pytest.mark.parametrize("url, model", PAGES, ids=[url for url, _ in PAGES])
def test_every_register_exports_what_python_wrote(monkeypatch, quality_manager, staff, dept, url, model):
    walker.load_all()
    build = walker.BUILDERS[model._meta.label_lower]
    for _ in range(3):
        build(staff, dept)
    for user in (quality_manager, staff):
        client = Client()
        client.force_login(user)
        with CaptureQueriesContext(connection) as export:
            exported = rows_of(client.get(url + "?format=csv"))
        assert any(q["sql"].startswith("COPY (") for q in export.captured_queries), f"{url}: not by COPY"
        assert len(exported) > 1 or user is staff
        assert exported == python_written(monkeypatch, client, url + "?format=csv"), f"{url} as {user}"


def test_datetimes_and_booleans_read_as_python_printed_them(db):
    from django.db.models import BooleanField, DateTimeField, Value

    from qms.csv_sql import as_text

    one = Nonconformity.objects.filter(pk=NonconformityFactory().pk)
    for moment in (
        dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 1, 23, 59, 59, 120, tzinfo=dt.UTC),
    ):
        text = as_text(Value(moment, output_field=DateTimeField()), "DateTimeField")
        assert one.annotate(t=text).values_list("t", flat=True)[0] == str(moment)
    for flag in (True, False, None):
        text = as_text(Value(flag, output_field=BooleanField()), "BooleanField")
        assert one.annotate(t=text).values_list("t", flat=True)[0] == (None if flag is None else str(flag))


def test_a_person_and_a_record_are_named_with_the_sql_djangos_functions_write(staff, dept):
    """``name_of`` writes a person's and a record's name as one expression (``_Written``): the
    same statement, text and parameters, as the tree of Django's functions it stands for, and the
    same names read back, spaces, empty first names and all."""
    from django.db.models import F, Func, TextField, Value
    from django.db.models.functions import Coalesce, Concat, NullIf

    from capa.models import Action
    from qms.csv_sql import name_of
    from qms.models import User

    text = TextField()

    def person(prefix):
        full = Concat(F(f"{prefix}first_name"), Value(" ", text), F(f"{prefix}last_name"), output_field=text)
        stripped = Func(full, Value(" \t\n\r\x0b\x0c", text), function="btrim", output_field=text)
        return Coalesce(
            NullIf(stripped, Value("", text), output_field=text), F(f"{prefix}username"), output_field=text
        )

    def record(prefix):
        return Concat(F(f"{prefix}reference"), Value(" ", text), F(f"{prefix}title"), output_field=text)

    User.objects.create(username="nameless", first_name="", last_name=" ")
    User.objects.create(username="tabbed", first_name="\tAnn", last_name="Lee ")
    NonconformityFactory(owner=staff, department=dept, title="  spaced  ")
    for model, path, reference in (
        (User, "", person),
        (Nonconformity, "owner__", person),
        (Nonconformity, "", record),
        (Action, "capa__", record),
    ):
        target = model if not path else model._meta.get_field(path[:-2]).related_model
        ours = model.objects.annotate(n=name_of(target)(path)).values_list("pk", "n").order_by("pk")
        theirs = model.objects.annotate(n=reference(path)).values_list("pk", "n").order_by("pk")
        assert ours.query.sql_with_params() == theirs.query.sql_with_params(), (model, path)
        assert list(ours) == list(theirs)
    assert User.objects.annotate(n=name_of(User)("")).get(username="nameless").n == "nameless"
    assert User.objects.annotate(n=name_of(User)("")).get(username="tabbed").n == "Ann Lee"
