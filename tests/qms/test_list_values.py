"""A register whose columns are the kernel's reads its page as values (``screen_cells``), not as
records: what every register shows, its links and its pages must be exactly what reading records
shows. Proven for every register of every module (records, child rows with pages of their own,
child rows shown on their record's page), with rows built by the walker's builders, as the
quality manager and as staff, on a first and a second page."""

import pytest
from django.db.models import F
from django.test import Client
from django.urls import resolve

import qms.views.lists
from capa.models import Nonconformity
from qms.views import RecordListView
from qms.views.lists import is_free_text, screen_cells
from tests import walker
from tests.factories import WidgetFactory
from tests.qms.test_list_queries import PAGES, ROLES


def _shown(client, url):
    response = client.get(url)
    assert response.status_code == 200
    page = response.context["page"]
    return (
        str(response.context["rows_html"]),
        page.count,
        page.next_token,
        page.previous_token,
    ), response.context["view"]


@pytest.mark.django_db
@pytest.mark.parametrize("url, model", PAGES, ids=[url for url, _ in PAGES])
def test_a_register_read_as_values_shows_what_records_show(request, monkeypatch, staff, dept, url, model):
    walker.load_all()
    build = walker.BUILDERS[model._meta.label_lower]
    while model.objects.count() < 5:
        build(staff, dept)
    monkeypatch.setattr(RecordListView, "paginate_by", 3)
    # Proven for a register that keeps reading records for its speed too, should it ever read values.
    monkeypatch.setattr(resolve(url).func.view_class, "read_as_values", True)
    for role in ROLES:
        client = Client()
        client.force_login(request.getfixturevalue(role))
        for query in ("", "?status=_open"):
            as_values, view = _shown(client, url + query)
            with monkeypatch.context() as records_only:
                records_only.setattr(qms.views.lists, "screen_cells", lambda *args: None)
                as_records, _ = _shown(client, url + query)
            assert as_values == as_records, f"{url}{query} as {role}"
            if as_records[2]:  # the second page, reached by the first page's token
                second = f"{url}{query}{'&' if query else '?'}after={as_records[2]}"
                as_values, _ = _shown(client, second)
                with monkeypatch.context() as records_only:
                    records_only.setattr(qms.views.lists, "screen_cells", lambda *args: None)
                    as_records, _ = _shown(client, second)
                assert as_values == as_records, f"{second} as {role}"
                assert as_values[0] and as_values[3], f"{second} shows rows and a way back"


@pytest.mark.django_db
def test_the_registers_of_records_read_their_pages_as_values(quality_manager, staff, dept):
    """The kernel's own columns (references, labels, people, departments, dates, annotations)
    are read as values: no record, person or department is built for a row."""
    walker.load_all()
    for _ in range(2):
        walker.BUILDERS["capa.nonconformity"](staff, dept)
        WidgetFactory(owner=staff, department=dept)
    client = Client()
    client.force_login(quality_manager)
    for url in ("/capa/ncr/", "/capa/", "/documents/", "/kernel/widgets/"):  # and every module's
        response = client.get(url)
        assert response.status_code == 200, url
        view = response.context["view"]
        assert view.cells is not None, url
        assert not any(hasattr(row, "_state") for row in response.context["object_list"]), url


@pytest.mark.django_db
def test_a_column_only_a_record_can_show_keeps_the_register_reading_records():
    queryset = Nonconformity.objects.all()
    ordering = ("-created_at", "-pk")
    assert screen_cells(queryset, [("reference", "Ref"), ("owner", "Owner")], ordering) is not None
    # A property of the record, a method: only a record says them.
    assert screen_cells(queryset, [("reference", "Ref"), ("is_overdue", "Overdue")], ordering) is None
    assert screen_cells(queryset, [("reference", "Ref"), ("get_absolute_url", "Link")], ordering) is None
    # An annotation is read as it is, unless its name cannot name a value of the row.
    annotated = queryset.annotate(twice=F("quantity_affected") * 2, _hidden=F("quantity_affected"))
    assert screen_cells(annotated, [("reference", "Ref"), ("twice", "Twice")], ordering) is not None
    assert screen_cells(annotated, [("reference", "Ref"), ("_hidden", "Hidden")], ordering) is None


# A register's rows as the template wrote them before ``rows_html`` (Django's escape, cell by cell).
TEMPLATE_ROWS = (
    "{% for url, first, rest in rows %}"
    '<tr><td class="text-nowrap"><a href="{{ url }}">{{ first }}</a></td>'
    "{% for label, value, free in rest %}"
    '<td data-label="{{ label }}"{% if free %} class="free-text"{% endif %}>{{ value }}</td>'
    "{% endfor %}</tr>"
    "{% if not forloop.last %}\n{% endif %}{% endfor %}"
)


@pytest.mark.django_db
def test_a_registers_rows_are_escaped_as_djangos_template_escapes_them(quality_manager, staff, dept):
    """Each row's texts are escaped together (``rows_html``): markup in a title, quotes in a
    label and a NUL in a computed label come out exactly as Django's template writes them."""
    from django.template import engines

    from qms.views.cells import cell_text

    WidgetFactory(owner=staff, department=dept, title="<b>\"Bold\" & 'brave'</b>")
    WidgetFactory(owner=staff, department=dept, title="{0} {} {{ braces }}")
    client = Client()
    client.force_login(quality_manager)
    response = client.get("/kernel/widgets/")
    view = response.context["view"]
    rows = list(response.context["rows"])
    rows.append((rows[0][0], ["a\x00b <i>", *rows[0][1][1:]]))  # a text of its own with a NUL in it
    labels = [label for _, label in view.columns[1:]]
    free = [is_free_text(view.model, field) for field, _ in view.columns[1:]]
    assert any(free), "the title's cells may break anywhere (app.css)"
    from qms.views.links import url_maker

    url_of = url_maker(view.model, view.cells)
    expected = (
        engines["django"]
        .from_string(TEMPLATE_ROWS)
        .render(
            {
                "rows": [
                    (
                        url_of(record),
                        cell_text(first),
                        list(zip(labels, map(cell_text, rest), free, strict=True)),
                    )
                    for record, (first, *rest) in rows
                ]
            }
        )
    )
    assert str(view.rows_html(rows)) == expected
    assert "&lt;b&gt;&quot;Bold&quot; &amp; &#x27;brave&#x27;&lt;/b&gt;" in expected
    assert "{0} {} {{ braces }}" in expected and "a\x00b &lt;i&gt;" in expected


# Choice columns whose stored values are the words the users use (an ISO 9001 clause number).
SHOWN_AS_STORED = {("FindingListView", "clause")}


def test_no_register_shows_a_choice_fields_stored_value():
    """A column of a choice field shows its label ("Final (OQC)", not "final"), as the record's
    page and the filter bar do: a register names it ``get_<field>_display``. Every register of
    every module, the day it is added."""
    from django.core.exceptions import FieldDoesNotExist

    walker.load_all()

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    raw = []
    for view in set(subclasses(RecordListView)):
        for column, _ in view.columns if view.model is not None else ():
            if column == "status" or column in view.labels or (view.__name__, column) in SHOWN_AS_STORED:
                continue
            model, field = view.model, None
            try:
                for part in column.split("__"):
                    field = model._meta.get_field(part)
                    model = field.related_model
            except (FieldDoesNotExist, AttributeError):
                continue
            if getattr(field, "choices", None):
                raw.append(f"{view.__module__}.{view.__name__}: {column}")
    assert not raw, raw


def test_a_cell_groups_thousands_and_shows_a_decimal_as_typed():
    from decimal import Decimal

    from qms.views.cells import cell_text

    assert [cell_text(n) for n in (7, 999, 1000, 100000, -2500)] == ["7", "999", "1,000", "100,000", "-2,500"]
    assert [cell_text(Decimal(d)) for d in ("100.050000", "100.000000", "0.030000", "1E+2")] == [
        "100.05",
        "100",
        "0.03",
        "100",
    ]
    assert cell_text(True) == "Yes"
