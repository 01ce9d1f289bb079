"""Forms written in Python, as Django's templates write them: a register's filter bar
(``filter_fields_html``) and every other form of the product (``form_html``, what
``templates/qms/_form.html`` writes). A page that offers its forms (a CAPA's page offers ten:
containment, whys, causes, actions, verification…) spent more in the template engine's loops
over fields and widgets than in reading the record. Tests hold each to the template it replaces
(``tests/qms/test_filters.py``, ``tests/qms/test_form_html.py``)."""

from __future__ import annotations

from typing import Any

from django.forms import MultiWidget
from django.forms.utils import pretty_name
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from .html import escape


def filter_fields_html(form) -> SafeString:
    """The filter bar's fields, each with its label and errors, as the register's template wrote
    them with a loop (three template lookups and a render per field on every register page). A
    hidden field (a figure's narrowing to one supplier) is its input alone, unless its value is
    wrong: then it is labelled with its error, as every other field.

    Each widget is given what Django's ``BoundField.as_widget`` gives it (``widget_html``),
    without a bound field per field and the three reads of its errors that each makes (the
    instruments' bar of ten fields 0.74 -> 0.63 ms). A test holds every register's bar to the
    template's loop over bound fields, errors included (``tests/qms/test_filters.py``)."""
    out = []
    errors_of = form.errors
    for name, field in form.fields.items():
        errors = errors_of.get(name)
        html = widget_html(form, name, field, errors)
        if field.widget.is_hidden and not errors:
            out.append(html)
            continue
        label = escape(pretty_name(name) if field.label is None else field.label)
        auto_id = field_id(form, name)
        shown = (
            # Under the id the widget names in aria-describedby (``widget_html``), as Django's.
            f'<div id="{escape(auto_id)}_error">'
            + "".join(f'<div class="invalid-feedback d-block">{escape(e)}</div>' for e in errors)
            + "</div>"
            if errors
            else ""
        )
        for_id = escape(field.widget.id_for_label(field.widget.attrs.get("id") or auto_id))
        out.append(
            f'<div class="col-6 col-md-2"><label class="form-label small" for="{for_id}">'
            f"{label}</label>{html}{shown}</div>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 - the labels and errors escaped, the widgets Django's


def widget_html(form, name: str, field, errors) -> str:
    """The field's widget as ``str(form[name])`` writes it: its value as sent (or its initial
    one), ``required``, ``disabled``, ``aria-invalid`` and ``aria-describedby`` as Django adds them,
    then its id. A field Django writes otherwise (localized, with a hidden initial value, of
    several widgets) is written by Django."""
    widget = field.widget
    if field.localize or field.show_hidden_initial or isinstance(widget, MultiWidget):
        return str(form[name])
    html_name = form.add_prefix(name)
    initial = form.get_initial_for_field(field, name)
    if form.is_bound:
        value = field.bound_data(widget.value_from_datadict(form.data, form.files, html_name), initial)
    else:
        value = initial
    attrs: dict[str, Any] = {}
    if widget.use_required_attribute(initial) and field.required and form.use_required_attribute:
        attrs["required"] = True
    if field.disabled:
        attrs["disabled"] = True
    auto_id = field_id(form, name)
    if not widget.is_hidden and errors:
        attrs["aria-invalid"] = "true"
    described_by_widget = widget.attrs.get("aria-describedby")
    if not widget.use_fieldset and not described_by_widget and auto_id and not widget.is_hidden:
        described = [f"{auto_id}_helptext"] if field.help_text else []
        if errors:
            described.append(f"{auto_id}_error")
        if described:
            attrs["aria-describedby"] = " ".join(described)
    if auto_id and "id" not in widget.attrs:
        attrs["id"] = auto_id
    value = field.prepare_value(value)
    return widget.render(name=html_name, value=value, attrs=attrs, renderer=form.renderer)


def field_id(form, name: str) -> str:
    """The id Django gives a field's widget (``BoundField.auto_id``)."""
    auto_id, html_name = form.auto_id, form.add_prefix(name)
    if auto_id and "%s" in str(auto_id):
        return auto_id % html_name
    return html_name if auto_id else ""


def form_html(form) -> SafeString:
    """``form`` as ``templates/qms/_form.html`` wrote it: the errors of the whole form at the top,
    the hidden fields, then each visible field in a ``mb-3`` block (a checkbox with its label after
    it; radio buttons and checkbox lists in a fieldset named by its legend; every other field with
    its label above and a star when required), each followed by its errors and help text under the
    ids its widget names in ``aria-describedby``."""
    out = []
    top = form.non_field_errors()
    if top:
        out.append(
            '<div class="alert alert-danger" role="alert">'
            + "".join(f"{conditional_escape(e)} " for e in top)
            + "</div>"
        )
    errors_of = form.errors
    visible = []
    for bound in form:
        if bound.is_hidden:
            out.append(widget_html(form, bound.name, bound.field, errors_of.get(bound.name)))
        else:
            visible.append(bound)
    out.append("\n")
    for bound in visible:
        name, field = bound.name, bound.field
        widget = field.widget
        errors = errors_of.get(name)
        html = widget_html(form, name, field, errors)
        label = conditional_escape(bound.label)  # a label the form marked safe is markup, as in a template
        star = ' <span class="text-danger" aria-hidden="true">*</span>' if field.required else ""
        checkbox = getattr(widget, "input_type", None) == "checkbox" and not getattr(
            widget, "allow_multiple_selected", False
        )
        if checkbox:
            out.append(
                f'<div class="mb-3 form-check">{html} <label class="form-check-label" '
                f'for="{escape(bound.id_for_label)}">{label}</label>'
            )
        elif widget.use_fieldset:
            described = bound.aria_describedby
            out.append(
                '<div class="mb-3"><fieldset'
                + (f' aria-describedby="{escape(described)}"' if described else "")
                + f'><legend class="form-label fs-6 mb-1">{label}{star}</legend>\n{html}</fieldset>'
            )
        else:
            out.append(
                f'<div class="mb-3"><label class="form-label" for="{escape(bound.id_for_label)}">'
                f"{label}{star}</label>\n{html}"
            )
        out.append(field_notes(bound, errors))
        out.append("</div>\n")
    return mark_safe("".join(out))  # noqa: S308 - the labels, errors and help escaped (help as Django's |safe)


def field_notes(bound, errors=None) -> SafeString:
    """A field's errors and help text, under the ids its widget names in aria-describedby
    (Django's "<id>_error" and "<id>_helptext"), so a screen reader reads them with the field:
    under each field of ``form_html``, and wherever a template lays out a field itself
    (``{% include "qms/_field_notes.html" with field=form.x %}``). ``errors``: the field's, read
    from the bound field when not given."""
    if errors is None:
        errors = bound.errors
    auto_id, out = bound.auto_id, []
    if errors:
        named = escape(bound.name)
        out.append(
            (f'<div id="{escape(auto_id)}_error">' if auto_id else "<div>")
            + "".join(
                f'<div class="invalid-feedback d-block" data-field="{named}">{conditional_escape(e)}</div>'
                for e in errors
            )
            + "</div>"
        )
    if bound.help_text:  # the form's own words, written as markup (``|safe``)
        out.append(
            '<div class="form-text"'
            + (f' id="{escape(auto_id)}_helptext"' if auto_id else "")
            + f">{bound.help_text}</div>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 - the errors escaped, the help the form's markup
