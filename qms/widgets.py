"""The person picker: wherever a person is chosen (owner, reviewers, approvers, distribution,
filters), the page renders only the people already chosen, and a search-as-you-type box
(qms/static/qms/picker.js, reading /people/) finds the others by name, role or department.
A select of every person costs a page of 2,000 options and most of its time."""

from __future__ import annotations

from django import forms
from django.urls import reverse

from .models import User


def person_label(user: User) -> str:
    """ "Sofia Klein — Department head, Quality Control": who, in what role, where."""
    parts = [user.get_role_display()]
    if user.department_id:
        parts.append(str(user.department))
    return f"{user} — {', '.join(parts)}"


class _Picker:
    def optgroups(self, name, value, attrs=None):
        wanted = [str(v) for v in value if v not in (None, "") and str(v).isdigit()]
        options = []
        if not self.allow_multiple_selected and not getattr(self, "is_required", False):
            empty = getattr(getattr(self.choices, "field", None), "empty_label", None) or "—"
            options.append(self.create_option(name, "", empty, not wanted, 0, attrs=attrs))
        queryset = getattr(self.choices, "queryset", None)
        chosen = (
            queryset.filter(pk__in=wanted).select_related("department")
            if queryset is not None and wanted
            else []
        )
        for i, user in enumerate(chosen, start=len(options)):
            options.append(self.create_option(name, str(user.pk), person_label(user), True, i, attrs=attrs))
        return [(None, options, 0)]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-picker"] = reverse("people_search")
        return context


class PersonSelect(_Picker, forms.Select):
    pass


class PeopleSelectMultiple(_Picker, forms.SelectMultiple):
    pass


def use_pickers(form: forms.Form) -> None:
    """Give every field of ``form`` that chooses people the picker (called by BootstrapMixin)."""
    for field in form.fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is None or queryset.model is not User:
            continue
        multiple = isinstance(field, forms.ModelMultipleChoiceField)
        widget = PeopleSelectMultiple() if multiple else PersonSelect()
        widget.attrs.update({k: v for k, v in field.widget.attrs.items() if k != "size"})
        widget.is_required = field.required
        widget.choices = field.choices
        field.widget = widget


def use_quick_selects(form: forms.Form) -> None:
    """Every plain select of ``form`` written straight to HTML (a filter bar's selects)."""
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            quick = QuickSelect(attrs=field.widget.attrs)
            quick.choices = field.widget.choices
            field.widget = quick


class QuickSelect(forms.Select):
    """A select written straight to HTML: the same markup as Django's, without a template render
    per option (a register's filter bar renders a few selects of dozens of options on every page)."""

    def render(self, name, value, attrs=None, renderer=None):
        from django.utils.html import escape
        from django.utils.safestring import mark_safe

        final = self.build_attrs(self.attrs, attrs)
        chosen = (
            {"" if value is None else str(value)}
            if not isinstance(value, list | tuple)
            else {str(v) for v in value}
        )
        attributes = "".join(f' {k}="{escape(v)}"' for k, v in final.items() if v not in (None, False))
        options = []
        for option_value, label in self.choices:
            text = "" if option_value is None else str(getattr(option_value, "value", option_value))
            selected = " selected" if text in chosen else ""
            options.append(f'<option value="{escape(text)}"{selected}>{escape(label)}</option>')
        return mark_safe(f'<select name="{escape(name)}"{attributes}>{"".join(options)}</select>')  # noqa: S308
