"""The API's writes, through the screens' own forms and services: a record is created by the
screen's create form and the create view's ``create`` (``record_create``, ``inspection_create``
…), a child row by the row's add form and service, a workflow step by the one ``transition``
service. So the rules, the gates, the history and its reason hold whichever way a record comes.

A body is JSON whose values are single values (a list only for a field that takes several); the
form then checks them as it checks the screen's fields, and its messages come back per field."""

from __future__ import annotations

from django import forms as djforms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from rest_framework.response import Response

from qms import access
from qms.services import transition
from qms.views.children import spec_of

from . import idempotency
from .errors import ApiError
from .views import ApiView

REASON_HEADER = "X-Change-Reason"


def reason_of(request, data: dict) -> str:
    """The history's reason: the body's ``reason``, else the ``X-Change-Reason`` header."""
    reason = data.get("reason") if isinstance(data, dict) else None
    text = reason if isinstance(reason, str) and reason.strip() else request.headers.get(REASON_HEADER, "")
    return text.replace("\x00", "").strip()[:1000]


def _value(value, *, many: bool, boolean: bool):
    if isinstance(value, bool):
        if not boolean:
            raise ValidationError("Not a true/false field.")
        return value
    if value is None:
        return ""
    if isinstance(value, int | float | str):
        return str(value)
    if (
        many
        and isinstance(value, list)
        and all(isinstance(v, int | str) and not isinstance(v, bool) for v in value)
    ):
        return [str(v) for v in value]
    raise ValidationError("A single value (a list only where several are allowed).")


def form_data(form: djforms.BaseForm, data) -> dict:
    """The JSON body as the form's data: unknown fields and values of the wrong shape are refused
    per field, before the form sees them."""
    if not isinstance(data, dict):
        raise ApiError("Send a JSON object.", status=400, code="invalid")
    errors, out = {}, {}
    for name, value in data.items():
        if name == "reason":
            continue
        field = form.fields.get(name)
        if field is None or isinstance(field, djforms.FileField):
            errors[name] = ["Unknown field."]
            continue
        try:
            out[name] = _value(
                value,
                many=isinstance(field, djforms.MultipleChoiceField | djforms.ModelMultipleChoiceField),
                boolean=isinstance(field, djforms.BooleanField),
            )
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    return out


def _bound(form_class, data: dict, **kwargs) -> djforms.BaseForm:
    """The form bound to the body. A field the body leaves out keeps the value the screen's form
    starts with (a model default, the form's initial), as a browser sends the form back."""
    probe = form_class(**kwargs)  # the fields this user is offered (a form may add or drop some)
    given = form_data(probe, data)
    for name, field in probe.fields.items():
        if name in given or isinstance(field, djforms.FileField):
            continue
        start = probe[name].value()
        if start not in (None, "") and not isinstance(field, djforms.BooleanField):
            given[name] = start
        elif isinstance(field, djforms.BooleanField) and start:
            given[name] = True
    return form_class(data=given, files={}, **kwargs)


def _check(form: djforms.BaseForm) -> None:
    if not form.is_valid():
        raise ValidationError({k: list(v) for k, v in form.errors.items()})


class CreateMixin:
    """POST on a register: a new record, as the screen's "New" form makes it."""

    def post(self: ApiView, request, *args, **kwargs):
        return idempotency.once(request, lambda: self._create(request))

    def _create(self: ApiView, request) -> Response:
        model = self.resource.model
        access.require_create(request.user, model)
        view = self.resource.create_view()
        view.setup(request._request)
        data = dict(request.data) if isinstance(request.data, dict) else request.data
        if isinstance(data, dict):
            # As the screen's form starts: owned by the caller, in the caller's department.
            data.setdefault("owner", request.user.pk)
            if request.user.department_id:
                data.setdefault("department", request.user.department_id)
        kwargs = {k: v for k, v in view.get_form_kwargs().items() if k not in ("data", "files", "initial")}
        form = _bound(view.get_form_class(), data, **kwargs)
        _check(form)
        with transaction.atomic():
            try:
                record = view.create(form)
            except ValidationError as exc:
                raise ValidationError(_field_dict(exc))
        record = self.record(record.pk)
        response = Response(self.get_serializer(record).data, status=201)
        response["Location"] = request.build_absolute_uri(f"{request.path}{record.pk}/")
        return response


def _field_dict(exc: ValidationError):
    return exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}


class ChildAddMixin:
    """POST on a record's rows: a new row (a lot in a shipment, a result of an inspection), as the
    record's page adds it: the row's form, then the row's service."""

    def post(self, request, pk: int, *args, **kwargs):
        return idempotency.once(request, lambda: self._add(request, pk))

    def _add(self, request, pk: int) -> Response:
        parent = self.record(pk)
        model = self.resource.child_model(self.child_path)
        spec = spec_of(model)
        if not spec.may_add(request.user, parent):
            root = parent.root
            if root.is_closed and access.can_change(request.user, root):
                raise PermissionDenied(f"{root.display_reference} is closed; it must be reopened first.")
            raise PermissionDenied("You may not add to this.")
        form = _bound(spec.form, request.data, parent=parent, user=request.user)
        _check(form)
        with transaction.atomic():
            row = spec.add(**{model.parent_field: parent}, by=request.user, **form.cleaned_data)
        found = self.rows(parent).get(pk=row.pk)
        return Response(self.get_serializer(found).data, status=201)


class TransitionView(ApiView):
    """POST: move a record one step along its workflow (``finish`` a lot, ``ship`` a shipment,
    ``accept`` an inspection), by the one transition service: who, guards, reason, history."""

    def post(self, request, pk: int, *args, **kwargs):
        return idempotency.once(request, lambda: self._step(request, pk))

    def _step(self, request, pk: int) -> Response:
        record = self.record(pk)
        data = request.data if isinstance(request.data, dict) else {}
        name = data.get("name")
        steps = {t.name: t for t in type(record).workflow.transitions}
        if not isinstance(name, str) or name not in steps:
            raise ValidationError({"name": [f"One of {', '.join(steps)}."]})
        if steps[name].form:
            raise ValidationError({"name": ["This step is taken through its form on the record's page."]})
        with transaction.atomic():
            transition(obj=record, name=name, by=request.user, reason=reason_of(request, data))
        return Response(self.get_serializer(self.record(pk)).data)
