"""The kernel's filterset: its form class is made once per filterset class, and what a request
changes on its own form stays on that form."""

import pytest
from django.http import QueryDict
from django.template import engines

from capa.filters import NonconformityFilter
from capa.models import Nonconformity
from qms.formhtml import filter_fields_html
from qms.models import Department
from tests.helpers import filter_error_beside
from tests.qms.test_list_queries import PAGES

pytestmark = pytest.mark.django_db


def test_the_form_class_is_made_once_and_each_request_gets_its_own_fields(dept, other_dept):
    first = NonconformityFilter(QueryDict(""), queryset=Nonconformity.objects.all())
    second = NonconformityFilter(QueryDict(f"department={dept.pk}"), queryset=Nonconformity.objects.all())
    assert type(first.form) is type(second.form)
    # One request narrows its own choices; the next request's form still offers every department.
    first.form.fields["department"].queryset = Department.objects.filter(pk=other_dept.pk)
    assert second.is_valid() and second.form.cleaned_data["department"] == dept
    third = NonconformityFilter(QueryDict(f"department={dept.pk}"), queryset=Nonconformity.objects.all())
    assert third.is_valid() and third.form.cleaned_data["department"] == dept
    narrowed = NonconformityFilter(QueryDict(f"department={dept.pk}"), queryset=Nonconformity.objects.all())
    narrowed.form.fields["department"].queryset = Department.objects.filter(pk=other_dept.pk)
    assert not narrowed.is_valid() and "department" in narrowed.form.errors


def test_what_one_request_changes_on_its_filters_stays_on_its_own(dept):
    """Each request's filters are copies (each with its own ``extra``), so a change one request
    makes to a filter (a label, a narrower queryset) never reaches the next request."""
    first = NonconformityFilter(QueryDict(""), queryset=Nonconformity.objects.all())
    first.filters["department"].extra["empty_label"] = "Only mine"
    first.filters["department"].queryset = Department.objects.none()
    second = NonconformityFilter(QueryDict(f"department={dept.pk}"), queryset=Nonconformity.objects.all())
    assert second.filters["department"].extra["empty_label"] == "Any department"
    assert second.filters["department"].queryset.filter(pk=dept.pk).exists()
    assert second.filters["department"] is not first.filters["department"]
    assert second.filters["status"].parent is second and first.filters["status"].parent is first
    assert second.filters["status"].filter.f is second.filters["status"]  # its method, on its own copy
    assert second.is_valid() and list(second.qs) == []


def test_each_form_gets_fields_of_its_own_as_djangos_deep_copy_gives_them(dept):
    """The filter form's fields are copied without ``copy.deepcopy`` (``qms.filters._Fields``):
    still each form's own field, widget, attributes, messages, validators, choices and queryset,
    so what one request sets on its form never reaches another's, and the copies offer what
    Django's deep copies offer."""
    import copy

    first = NonconformityFilter(QueryDict(""), queryset=Nonconformity.objects.all()).form
    second = NonconformityFilter(QueryDict(""), queryset=Nonconformity.objects.all()).form
    standard = {name: copy.deepcopy(dict.__getitem__(type(first).base_fields, name)) for name in first.fields}
    for name, field in first.fields.items():
        other = second.fields[name]
        assert field is not other and field.widget is not other.widget, name
        assert field.widget.attrs is not other.widget.attrs, name
        assert field.error_messages is not other.error_messages and field.validators is not other.validators
        assert list(field.choices) == list(standard[name].choices) if hasattr(field, "choices") else True
    status = first.fields["status"]
    status.widget.attrs["data-mine"] = "1"
    status.error_messages["invalid_choice"] = "Mine"
    status.choices = [("x", "X")]
    department = first.fields["department"]
    department.queryset = Department.objects.filter(pk=dept.pk)
    assert "data-mine" not in second.fields["status"].widget.attrs
    assert second.fields["status"].error_messages["invalid_choice"] != "Mine"
    assert ("x", "X") not in list(second.fields["status"].choices)
    assert second.fields["department"].queryset is not department.queryset
    assert second.fields["department"].queryset.query.where.children == []
    # A model field's widget lists its own field's queryset (Django's bug #11183).
    assert second.fields["department"].widget.choices.field is second.fields["department"]
    assert [label for _, label in department.widget.choices][1:] == [dept.name]


def test_a_bad_filter_value_is_said_beside_its_field_and_lists_nothing(client_for, quality_manager):
    page = client_for(quality_manager).get("/capa/ncr/?department=999999&overdue=maybe").content.decode()
    assert page.count("invalid-feedback") == 2 and "Select a valid choice" in page
    assert "Nothing here matches the filter." in page


# The filter bar as the register's template wrote it, a loop over the form's fields.
TEMPLATE_BAR = (
    "{% for field in form %}{% if field.is_hidden and not field.errors %}{{ field }}{% else %}"
    '<div class="col-6 col-md-2"><label class="form-label small" for="{{ field.id_for_label }}">'
    "{{ field.label }}</label>{{ field }}"
    '{% if field.errors %}<div id="{{ field.auto_id }}_error">'
    '{% for e in field.errors %}<div class="invalid-feedback d-block">{{ e }}</div>{% endfor %}</div>'
    "{% endif %}</div>"
    "{% endif %}{% endfor %}"
)


@pytest.mark.parametrize("url, model", PAGES, ids=[url for url, _ in PAGES])
def test_every_registers_filter_bar_is_what_the_template_wrote(client_for, quality_manager, dept, url, model):
    """Written in Python (``filter_fields_html``), each register's filter bar is the template's,
    value for value: every field labelled, chosen values kept, each error beside its field."""
    client = client_for(quality_manager)
    response = client.get(url)
    view = response.context["view"]
    if view.filterset is None:  # a register without filters shows the search box alone
        assert response.context["filter_fields"] == ""
        assert 'class="col-6 col-md-2"' not in response.content.decode()
        return
    junk = {name: "<b>nonsense</b>" for name in view.filterset.form.fields}
    for query in ({}, {"department": str(dept.pk), "status": "_open"}, junk):
        response = client.get(url, query)
        assert response.status_code == 200
        form = response.context["view"].filterset.form
        expected = engines["django"].from_string(TEMPLATE_BAR).render({"form": form})
        written = str(filter_fields_html(form))
        assert written.replace("\n", "") == expected, f"{url}?{query}"
        assert written in response.content.decode()
    assert "invalid-feedback" in written or not any(form.errors.values())
    assert "<b>nonsense</b>" not in written  # a value sent back is escaped


def test_a_filter_bars_list_of_a_whole_table_follows_the_table(client_for, quality_manager, dept):
    """The departments' list is compiled once, not kept: a department added since is offered on
    the next page, and one request's own narrower list is still its own."""
    client = client_for(quality_manager)
    assert "Paint shop" not in client.get("/capa/ncr/").content.decode()
    Department.objects.create(code="PAINT", name="Paint shop")
    assert "Paint shop" in client.get("/capa/ncr/").content.decode()
    form = NonconformityFilter(QueryDict(""), queryset=Nonconformity.objects.all()).form
    form.fields["department"].queryset = Department.objects.filter(pk=dept.pk)
    options = str(form["department"])
    assert dept.name in options and "Paint shop" not in options


def test_a_range_of_days_on_a_datetime_takes_whole_local_days_and_any_date_the_field_takes(
    client_for, quality_manager, dept
):
    """``date_range`` on a datetime read as a date (the NCRs' "Reported from/until"): both days
    whole in the company's time zone, just before midnight in and just after out; the last day a
    date field takes (9999-12-31) is no bound, not an error."""
    import datetime as dt

    from django.utils import timezone

    from tests.capa.factories import NonconformityFactory

    at = lambda day, hour, minute=0: timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))  # noqa: E731
    first, last = dt.date(2026, 5, 1), dt.date(2026, 5, 31)
    made = {
        "before": at(first - dt.timedelta(days=1), 23, 59),
        "first": at(first, 0, 0),
        "last": at(last, 23, 59),
        "after": at(last + dt.timedelta(days=1), 0, 0),
    }
    refs = {}
    for name, when in made.items():
        ncr = NonconformityFactory(department=dept, title=f"Reported {name}")
        Nonconformity.objects.filter(pk=ncr.pk).update(created_at=when)
        refs[name] = ncr.reference
    client = client_for(quality_manager)
    page = client.get(f"/capa/ncr/?reported_from={first}&reported_to={last}").content.decode()
    assert refs["first"] in page and refs["last"] in page
    assert refs["before"] not in page and refs["after"] not in page
    endless = client.get("/capa/ncr/?reported_from=2026-06-01&reported_to=9999-12-31")
    assert endless.status_code == 200
    assert refs["after"] in endless.content.decode() and refs["last"] not in endless.content.decode()


def test_a_registers_dates_are_date_boxes_and_a_date_it_cannot_read_is_refused_in_its_format(
    client_for, quality_manager, dept
):
    """The filter bar's days are the browser's date boxes (its own picker on a phone or a tablet),
    showing the chosen day; a day not written YYYY-MM-DD (a typed address, an old browser) is
    refused beside its box in those words, and lists nothing rather than a list the empty box
    does not explain."""
    from tests.capa.factories import NonconformityFactory

    NonconformityFactory(department=dept, title="Burr on bore")
    client = client_for(quality_manager)
    page = client.get("/capa/ncr/?reported_from=2026-05-01").content.decode()
    assert '<input type="date" name="reported_from" value="2026-05-01"' in page
    assert '<input type="date" name="reported_to"' in page
    for day in ("31/05/2026", "05/31/2026", "2026-02-30", "last week"):
        response = client.get("/capa/ncr/", {"reported_to": day})
        assert response.status_code == 200
        assert filter_error_beside(response.content.decode(), "reported_to"), day
        assert response.context["view"].filterset.form.errors["reported_to"] == [
            "Enter a real date as YYYY-MM-DD, for example 2026-05-31."
        ]
        assert response.context["rows"] == []
