"""Serializers made from the models and the screens' forms, once per class.

A record reads as its concrete fields (a foreign key as the id it holds, so a page of records
costs no query per row), its status label and the address of its page on the screens. Files are
left out: they leave through the permission-checked download of the screens. A write's body is
documented from the screen's form, which is what checks it."""

from __future__ import annotations

from functools import cache

from django import forms as djforms
from django.db import models
from rest_framework import serializers

from qms.models import Record
from qms.views.links import url_maker

HIDDEN = (models.FileField,)


def _component(model) -> str:
    return f"{model._meta.app_label.capitalize()}{model.__name__}"


class _RecordSerializer(serializers.ModelSerializer):
    def to_representation(self, instance):
        data = super().to_representation(instance)
        workflow = getattr(type(instance), "workflow", None)
        if workflow is not None and "status" in data:
            data["status_display"] = instance.get_status_display()
        url = _page_url(type(instance))
        if url is not None:
            data["web_url"] = url(instance)
        return data


@cache
def _page_url(model):
    """The address of a record's page, without a query per row; None for other rows (a child
    row's address goes through its parent, a query each)."""
    return url_maker(model) if issubclass(model, Record) else None


@cache
def read_serializer(model) -> type[serializers.ModelSerializer]:
    names = ["id"] + [
        f.name for f in model._meta.concrete_fields if not isinstance(f, HIDDEN) and f.name != "id"
    ]
    # Not marked read-only although only ever read: a read-only field loses ``allow_blank`` and
    # ``allow_null``, and the schema would then promise a choice is never empty when it may be.
    meta = type("Meta", (), {"model": model, "fields": names})
    attrs = {"Meta": meta, "__module__": __name__}
    for f in model._meta.concrete_fields:
        if f.choices and (f.blank or f.null) and f.name in names:
            # A choice that may be empty ("" or null, as a disposition not yet made) says so.
            attrs[f.name] = serializers.ChoiceField(
                choices=f.choices, allow_blank=f.blank, allow_null=f.null, read_only=True
            )
    if getattr(model, "workflow", None) is not None and "status" in names:
        attrs["status_display"] = serializers.CharField(source="get_status_display", read_only=True)
    if issubclass(model, Record):
        attrs["web_url"] = serializers.CharField(read_only=True, source="pk")  # filled in to_representation
    meta.fields = [*names, *(k for k in ("status_display", "web_url") if k in attrs)]
    return type(
        _component(model), (_RecordSerializer,), attrs
    )  # (the metaclass takes the fields out of attrs)


def _field_for(name: str, field: djforms.Field) -> serializers.Field:
    """The OpenAPI shape of one form field (documentation: the form checks the value)."""
    common = {"required": field.required, "help_text": str(field.help_text or field.label or name)}
    if isinstance(field, djforms.ModelMultipleChoiceField):
        return serializers.ListField(child=serializers.IntegerField(), **common)
    if isinstance(field, djforms.ModelChoiceField):
        return serializers.IntegerField(allow_null=not field.required, **common)
    if isinstance(field, djforms.BooleanField):
        return serializers.BooleanField(**{**common, "required": False})
    if isinstance(field, djforms.IntegerField):
        return serializers.IntegerField(min_value=field.min_value, max_value=field.max_value, **common)
    if isinstance(field, djforms.DecimalField | djforms.FloatField):
        return serializers.CharField(**common)
    if isinstance(field, djforms.DateTimeField):
        return serializers.DateTimeField(**common)
    if isinstance(field, djforms.DateField):
        return serializers.DateField(**common)
    if isinstance(field, djforms.MultipleChoiceField):
        return serializers.ListField(child=serializers.CharField(), **common)
    if isinstance(field, djforms.ChoiceField):
        choices = [c for c, _ in field.choices if c != ""] if not callable(field.choices) else []
        if choices:
            return serializers.ChoiceField(choices=choices, **common)
        return serializers.CharField(**common)
    return serializers.CharField(
        max_length=getattr(field, "max_length", None), allow_blank=not field.required, **common
    )


@cache
def form_serializer(form_class: type[djforms.BaseForm], name: str) -> type[serializers.Serializer]:
    attrs = {
        n: _field_for(n, f) for n, f in form_class.base_fields.items() if not isinstance(f, djforms.FileField)
    }
    return type(name, (serializers.Serializer,), {**attrs, "__module__": __name__})


class TransitionSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The workflow step: “finish”, “ship”, “accept” …")
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Why (required by some steps; or X-Change-Reason)."
    )
