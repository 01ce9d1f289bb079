"""Every form is written in Python (``qms.formhtml.form_html``) as ``qms/_form.html`` wrote it with
the template engine, and its boxes as Django's own widget templates write them: the same labels,
stars, errors under the ids the widgets name, help, checkboxes, radio buttons and fieldsets."""

from pathlib import Path

import pytest
from django import forms
from django.template import engines
from django.test.html import parse_html
from django.utils.safestring import mark_safe

from qms.formhtml import form_html
from qms.forms import BootstrapMixin, people

pytestmark = pytest.mark.django_db

# ``qms/_form.html`` as it was written with the engine, its field notes included.
TEMPLATE_LOOP = engines["django"].from_string((Path(__file__).parent / "form_loop.html").read_text())


def as_django_wrote_it(form) -> str:
    """The template loop over ``form``, each box written by Django's own widget class (not the
    kernel's quick one: ``use_quick_widgets``)."""
    swapped = []
    for field in form.fields.values():
        kind = type(field.widget)
        if kind.__module__ == "qms.widgets" and kind.__name__.startswith("Quick"):
            swapped.append((field.widget, kind))
            field.widget.__class__ = kind.__bases__[-1]
    try:
        return TEMPLATE_LOOP.render({"form": form})
    finally:
        for widget, kind in swapped:
            widget.__class__ = kind


class EveryKind(BootstrapMixin, forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, initial="t-1")
    title = forms.CharField(max_length=200, help_text="What went wrong, in <b>one</b> line.")
    notes = forms.CharField(widget=forms.Textarea, required=False, initial='Burr on "flange" & <edge>')
    due = forms.DateField(label=mark_safe("Due <em>by</em>"))
    quantity = forms.IntegerField(min_value=1, required=False)
    email = forms.EmailField(required=False)
    web = forms.URLField(required=False, assume_scheme="https")
    kind = forms.ChoiceField(choices=[("a", "Correction"), ("b", "Corrective & preventive")])
    decision = forms.ChoiceField(choices=[("y", "Accept"), ("n", "Reject")], widget=forms.RadioSelect)
    parts = forms.MultipleChoiceField(
        choices=[("h", "Housing"), ("s", "Shaft")], widget=forms.CheckboxSelectMultiple, required=False
    )
    urgent = forms.BooleanField(required=False)
    owner = forms.ModelChoiceField(queryset=people())

    def clean(self):
        raise forms.ValidationError("Nothing was changed: <say> why.")


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"title": "Burr <b>", "due": "31.12.2026", "quantity": "0", "email": "nope", "decision": "x"},
        {"token": "t-2", "title": "Ok", "due": "2026-12-31", "kind": "b", "decision": "y", "urgent": "on"},
    ],
    ids=["unbound", "invalid", "valid-but-refused"],
)
def test_a_form_of_every_kind_of_field_is_what_the_template_wrote(data, head):
    form = EveryKind(data)
    if data is not None:
        data["owner"] = str(head.pk)
        form = EveryKind(data)
        assert not form.is_valid()
    written = str(form_html(form))
    assert parse_html(written) == parse_html(as_django_wrote_it(form))
    assert "Due <em>by</em>" in written  # a label the form marked safe
    assert "What went wrong, in <b>one</b> line." in written  # help text is the form's markup
    if data is not None:
        assert "Nothing was changed: &lt;say&gt; why." in written
        assert 'aria-invalid="true"' in written or "invalid-feedback" not in written
