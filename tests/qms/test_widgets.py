"""The selects the kernel writes straight to HTML (a register's filter bar, the person picker) say
what Django's own select templates say: same elements, attributes, options and selection."""

import pytest
from django import forms
from django.db import connection
from django.db.models.signals import post_init
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qms.forms import people
from qms.models import Department, Process
from qms.widgets import (
    _QUICK,
    _QUICK_FORM,
    PickerSelect,
    PickerSelectMultiple,
    QuickSelect,
    _Picker,
    use_quick_widgets,
)
from training.models import Competence

pytestmark = pytest.mark.django_db


def _django_markup(widget_class, field, name, value, attrs):
    """What Django's template for ``widget_class`` renders for the same field and value."""
    widget = widget_class(attrs=attrs)
    widget.choices = field.choices
    return widget.render(name, value, attrs={"id": f"id_{name}"})


class _Form(forms.Form):
    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False, empty_label="Any")
    size = forms.ChoiceField(
        choices=[("", "Any size"), ("s", "Small & <cheap>"), ("l", "Large")], required=True
    )
    owner = forms.ModelChoiceField(queryset=people(), required=False, empty_label="Anyone")
    owners = forms.ModelMultipleChoiceField(queryset=people(), required=False)


def test_quick_select_writes_what_djangos_select_writes(dept, other_dept):
    field = _Form.base_fields["department"]
    for value in (None, "", str(other_dept.pk)):
        quick = QuickSelect(attrs={"class": "form-select"})
        quick.choices = field.choices
        written = quick.render("department", value, attrs={"id": "id_department"})
        assert parse_html(written) == parse_html(
            _django_markup(forms.Select, field, "department", value, {"class": "form-select"})
        )
    size = _Form.base_fields["size"]
    quick = QuickSelect(attrs={"required": True, "disabled": False})
    quick.choices = size.choices
    written = quick.render("size", "s", attrs={"id": "id_size"})
    assert parse_html(written) == parse_html(
        _django_markup(forms.Select, size, "size", "s", {"required": True, "disabled": False})
    )
    assert "Small &amp; &lt;cheap&gt;" in written


def test_a_selects_options_are_escaped_together_yet_each_as_django_escapes_it():
    """``select_html`` escapes every option's text in one pass, joined by NUL: a text with a NUL
    of its own, quotes and markup still come out as Django writes them, option by option."""
    choices = [("", "Any"), ("a\x00b", "with <NUL>\x00 'inside'"), ('"q"', "Q & A"), (7, "Seven")]
    quick = QuickSelect(attrs={"class": "form-select"})
    quick.choices = choices
    django = forms.Select(attrs={"class": "form-select"})
    django.choices = choices
    for value in ("", '"q"', "7"):
        written = quick.render("pick", value, attrs={"id": "id_pick"})
        assert parse_html(written) == parse_html(django.render("pick", value, attrs={"id": "id_pick"}))
    assert "with &lt;NUL&gt;\x00 &#x27;inside&#x27;" in written and "Q &amp; A" in written
    empty = QuickSelect()
    empty.choices = []
    assert empty.render("pick", None) == '<select name="pick"></select>'


def test_quick_select_reads_a_models_choices_in_one_plain_query(dept, other_dept):
    """Not through a server-side cursor (DECLARE, FETCH, CLOSE), as Django's iterator would."""
    quick = QuickSelect()
    quick.choices = _Form.base_fields["department"].choices
    with CaptureQueriesContext(connection) as ctx:
        written = quick.render("department", None)
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["SELECT"]
    assert "Quality Control" in written and "Production" in written


def test_person_picker_writes_what_djangos_select_writes(staff, head):
    for name, widget_class, django_class, value in (
        ("owner", PickerSelect, forms.Select, str(staff.pk)),
        ("owner", PickerSelect, forms.Select, None),
        ("owners", PickerSelectMultiple, forms.SelectMultiple, [str(staff.pk), str(head.pk)]),
    ):
        field = _Form.base_fields[name]
        picker = widget_class(attrs={"class": "form-select"})
        picker.choices = field.choices

        class Plain(_Picker, django_class):
            """The picker's options and attributes, rendered by Django's own template."""

            render = django_class.render

        plain = Plain(attrs={"class": "form-select"})
        plain.choices = field.choices
        written = picker.render(name, value, attrs={"id": f"id_{name}"})
        assert parse_html(written) == parse_html(plain.render(name, value, attrs={"id": f"id_{name}"}))
        assert f'data-picker="{reverse("people_search")}"' in written


def test_register_filter_bar_keeps_its_selects(client_for, quality_manager, dept):
    """The NCR register's filter bar still offers every department and the chosen one stays chosen."""
    page = client_for(quality_manager).get(f"/capa/ncr/?department={dept.pk}").content.decode()
    assert f'<option value="{dept.pk}" selected>Quality Control</option>' in page
    assert '<option value="">Any department</option>' in page
    owner = page[page.index('<select name="owner"') :].split(">", 1)[0]
    assert f'data-picker="{reverse("people_search")}"' in owner and 'class="form-select"' in owner


@pytest.mark.parametrize("widget_class", list(_QUICK_FORM), ids=lambda c: c.__name__)
def test_quick_boxes_write_what_djangos_input_template_writes(widget_class):
    """Every box and text area a form writes straight to HTML (a filter bar's, a form's)."""
    import datetime as dt

    attrs = {
        "class": "form-control",
        "placeholder": 'Name, "part" & <lot>',
        "required": True,
        "disabled": False,
    }
    for value in (None, "", "Burr <on> \"flange\" & 'edge'", 42, dt.date(2026, 12, 1)):
        django = widget_class(attrs=attrs)
        quick = widget_class(attrs=attrs)
        quick.__class__ = _QUICK_FORM[widget_class]
        written = quick.render("q", value, attrs={"id": "id_q", "aria-describedby": None})
        assert written == django.render("q", value, attrs={"id": "id_q", "aria-describedby": None}), value


def test_every_register_filter_bar_is_written_without_a_template_per_box(client_for, quality_manager):
    """The filter bars of registers whose filterset is not the kernel's (certificates, training
    records) get the quick boxes and selects too, and say what Django's templates said."""
    from django.forms import widgets

    rendered = []
    original = widgets.Widget._render
    widgets.Widget._render = lambda self, *a, **k: (
        rendered.append(type(self).__name__) or original(self, *a, **k)
    )
    try:
        client = client_for(quality_manager)
        for url in (
            "/suppliers/certificates/",
            "/training/records/?q=x",
            "/inspection/lots/",
            "/capa/ncr/",
            "/suppliers/?supplier=1",  # a hidden field: a figure's narrowing to one supplier
        ):
            page = client.get(url).content.decode()
            assert page.count("<form") >= 1 and 'name="q"' in page, url
    finally:
        widgets.Widget._render = original
    assert not set(rendered) - {"CheckboxInput"}, rendered


def test_quick_yes_no_select_writes_what_djangos_writes():
    for value in (None, "", True, False, "true", "false", "unknown"):
        django = forms.NullBooleanSelect(attrs={"class": "form-select"})
        quick = forms.NullBooleanSelect(attrs={"class": "form-select"})
        quick.__class__ = _QUICK[forms.NullBooleanSelect]
        written = quick.render("above", value, attrs={"id": "id_above"})
        assert parse_html(written) == parse_html(django.render("above", value, attrs={"id": "id_above"})), (
            value
        )


def test_a_models_options_are_read_as_names_not_built_as_records(head, dept, other_dept):
    """Departments, processes and competences are named in SQL (as their CSV names them): the
    options are (id, name) pairs from one statement, no record built, and say what Django's
    select says."""
    from tests.training.factories import competence

    process = Process.objects.create(name="Deburring & <polish>", department=dept)
    competence(dept, title="Reading <drawings>", process=process, by=head)
    built = []

    def count(sender, **kwargs):
        built.append(sender)

    for name, queryset in (
        ("department", Department.objects.all()),
        ("process", Process.objects.only("pk", "name")),
        ("competence", Competence.objects.only("pk", "title")),
    ):
        field = forms.ModelChoiceField(queryset=queryset, required=False, empty_label="Any")
        quick = QuickSelect(attrs={"class": "form-select"})
        quick.choices = field.choices
        post_init.connect(count)
        try:
            with CaptureQueriesContext(connection) as ctx:
                written = quick.render(name, None, attrs={"id": f"id_{name}"})
        finally:
            post_init.disconnect(count)
        assert len(ctx.captured_queries) == 1 and built == [], name
        assert parse_html(written) == parse_html(
            _django_markup(forms.Select, field, name, None, {"class": "form-select"})
        ), name
    assert "Reading &lt;drawings&gt;" in written


def test_two_fields_offering_the_same_rows_read_them_once_in_a_get(quality_manager, dept, other_dept):
    """A form's two department selects (the owning department, the departments it is distributed
    to) list the departments from one statement while a request that changes nothing is answered;
    both list every department."""
    from qms import access
    from qms.forms import BootstrapMixin

    class Routing(BootstrapMixin, forms.Form):
        department = forms.ModelChoiceField(queryset=Department.objects.all())
        copies_to = forms.ModelMultipleChoiceField(queryset=Department.objects.all())

    with access.read_only_request(), CaptureQueriesContext(connection) as ran:
        html = str(Routing()["department"]) + str(Routing()["copies_to"])
    assert len(ran) == 1
    assert html.count(f'value="{dept.pk}"') == html.count(f'value="{other_dept.pk}"') == 2
    with CaptureQueriesContext(connection) as ran:
        str(Routing()["department"]) + str(Routing()["copies_to"])
    assert len(ran) == 2  # a request that writes reads the rows as they are, each time


@pytest.mark.django_db
def test_the_person_search_lists_names_starting_with_what_was_typed_first(client_for, dept, quality_manager):
    """Typing "Anna" puts Anna Hoffmann before Hannah Bauer, whose name only contains it (an
    action once went to Hannah, picked as the first hit)."""
    from tests.factories import UserFactory

    UserFactory(first_name="Hannah", last_name="Bauer", department=dept)
    UserFactory(first_name="Anna", last_name="Hoffmann", department=dept)
    UserFactory(first_name="Joanna", last_name="Anders", department=dept)
    client = client_for(quality_manager)

    def labels(text):
        found = client.get(reverse("people_search"), {"q": text}).json()["results"]
        return [r["label"].split(" — ")[0] for r in found]

    assert labels("Anna") == ["Anna Hoffmann", "Joanna Anders", "Hannah Bauer"]  # then by last name
    assert labels("anna h") == ["Anna Hoffmann", "Hannah Bauer"]


def test_a_yes_no_filter_offers_any_first_as_every_filter_does():
    """Not Django's "Unknown": a filter left alone means any (the instruments' "Reference
    standard", the suppliers' "Calibration laboratory")."""

    class Bar(forms.Form):
        standard = forms.NullBooleanField(widget=forms.NullBooleanSelect)

    form = Bar(data={})
    use_quick_widgets(form)
    html = str(form["standard"])
    assert '<option value="unknown" selected>Any</option><option value="true">Yes</option>' in html
    assert "Unknown" not in html
