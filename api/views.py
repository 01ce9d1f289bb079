"""The API's reads: every register, a record, a record's child rows, the due items, who I am.

Each read asks the screens' own register for its queryset (``RecordListView.get_queryset``: the
scope of ``qms.access.restrict``, the register's filters and search, its ``select_related``),
so the API can never see more than the screens, nor list differently."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from qms import access
from qms.access import API
from qms.due import registry
from qms.models import Department
from qms.models.loading import select_named
from qms.views.due import due_scope

from . import paging
from .errors import error_responses
from .resources import Resource
from .serializers import read_serializer

READ_ERRORS = error_responses(400, 401, 403, 404)


class ApiView(GenericAPIView):
    """Every API view: declared to the access middleware as the API (it authenticates here, then
    ``api.permissions`` asks ``qms.access.api_refusal``)."""

    access = API
    resource: Resource | None = None

    def register(self):
        """The screens' register view for this request (its filters read the query string)."""
        view = self.resource.list_view()
        view.setup(self.request._request)
        return view

    def records(self) -> QuerySet:
        """The records of the resource the user may see, as the register narrows them."""
        view = self.register()
        queryset = view.get_queryset()
        found = getattr(view, "filterset", None)
        if found is not None and not found.is_valid():
            raise ValidationError({k: list(v) for k, v in found.errors.items()})
        self._register = view
        return queryset

    def record(self, pk: int):
        """One record within the user's scope; anything else is a 404."""
        view = self.resource.list_view()
        scoped = access.restrict(self.resource.model.objects.all(), self.request.user)
        return get_object_or_404(select_named(scoped, view.select_related), pk=pk)


def _filter_type(flt) -> OpenApiTypes:
    if isinstance(flt, django_filters.ModelChoiceFilter | django_filters.NumberFilter):
        return OpenApiTypes.INT
    if isinstance(flt, django_filters.DateFilter):
        return OpenApiTypes.DATE
    if isinstance(flt, django_filters.BooleanFilter):
        return OpenApiTypes.BOOL
    return OpenApiTypes.STR


def filter_parameters(resource: Resource) -> list[OpenApiParameter]:
    """The register's filters, as query parameters; ``q`` searches as the register's box does."""
    view = resource.list_view
    params = [OpenApiParameter("q", str, description=f"Search in {', '.join(view.search_fields)}.")]
    filterset = getattr(view, "filterset_class", None)
    for name, flt in filterset.base_filters.items() if filterset else ():
        params.append(OpenApiParameter(name, _filter_type(flt), description=str(flt.label or name)))
    return params + paging.PARAMETERS


class RegisterView(ApiView):
    """GET: one page of the register."""

    def get(self, request, *args, **kwargs):
        queryset = self.records()
        found = paging.page(request, queryset, tuple(self._register.get_ordering()))
        found["results"] = self.get_serializer(found["results"], many=True).data
        return Response(found)


class RecordView(ApiView):
    """GET: one record (or one row of a register of rows, such as a training record)."""

    def get(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.record(pk_of(self.resource.model, kwargs))).data)


def url_kwarg(model) -> str:
    """The URL's name for a record's id, ``pk``; for a row, the row's own name
    (``trainingrecord_pk``), as the screens' URLs name them."""
    from qms.models import ChildRecord

    return model.kwarg() if issubclass(model, ChildRecord) else "pk"


def pk_of(model, kwargs: dict) -> int:
    return kwargs[url_kwarg(model)]


class ChildRowsView(ApiView):
    """GET: the rows of one kind a record holds (a document's revisions, a shipment's lots)."""

    child_path = ""

    def rows(self, parent) -> QuerySet:
        model = self.resource.child_model(self.child_path)
        return access.restrict(
            model._default_manager.filter(**{model.parent_field: parent}), self.request.user
        )

    def get(self, request, pk: int, *args, **kwargs):
        parent = self.record(pk)
        found = paging.page(request, self.rows(parent), ("pk",))
        found["results"] = self.get_serializer(found["results"], many=True).data
        return Response(found)


DUE_STATES = {"overdue": -1, "week": 7, "open": 30}


def _int(raw: str | None, name: str) -> int | None:
    if raw in (None, ""):
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise ValidationError({name: "A whole number."})
    return int(raw)


class DueItemsView(ApiView):
    """GET: the due items behind the screens' due list, as far as the user's scope reaches: the
    quality manager's, top management's and auditors' the company's, a head's or staff member's
    their department's, someone without a department their own. Most overdue first; at most
    ``limit`` (500) items, not paged: they are worked out from every module, not one table."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "state", str, enum=list(DUE_STATES), description="overdue (default), week, open"
            ),
            OpenApiParameter("module", str, description="A module's name, as the due list shows it."),
            OpenApiParameter("department", int),
            OpenApiParameter("owner", int),
            OpenApiParameter("limit", int, description="1 to 500, default 100."),
        ],
        responses={
            200: inline_serializer(
                "DueItem",
                {
                    "key": serializers.CharField(),
                    "module": serializers.CharField(),
                    "kind": serializers.CharField(),
                    "reference": serializers.CharField(),
                    "title": serializers.CharField(),
                    "owner": serializers.IntegerField(),
                    "department": serializers.IntegerField(allow_null=True),
                    "due_date": serializers.DateField(),
                    "days_overdue": serializers.IntegerField(),
                    "web_url": serializers.CharField(),
                },
                many=True,
            ),
            **READ_ERRORS,
        },
    )
    def get(self, request, *args, **kwargs):
        get, user, today = request.query_params, request.user, timezone.localdate()
        state = get.get("state") or "overdue"
        if state not in DUE_STATES:
            raise ValidationError({"state": f"One of {', '.join(DUE_STATES)}."})
        limit = _int(get.get("limit"), "limit") or 100
        if not 1 <= limit <= 500:
            raise ValidationError({"limit": "From 1 to 500."})
        department, owner = _int(get.get("department"), "department"), _int(get.get("owner"), "owner")
        module = get.get("module") or None
        if module is not None and module not in registry.modules():
            raise ValidationError({"module": f"One of {', '.join(registry.modules())}."})
        until = today + dt.timedelta(days=DUE_STATES[state])
        since = today if state == "week" else None
        scope = due_scope(user)  # {} the company's, else the department's or the user's own
        allowed = scope.get("department_ids")
        filters: dict = {}
        if department is not None:
            filters["department_ids"] = (
                [department] if not scope or (allowed and department in allowed) else []
            )
        if owner is not None:
            filters["owner_ids"] = [owner]
        if not filters:
            filters = dict(scope)
        elif "owner_ids" in scope:  # someone without a department sees only their own, whatever is asked
            filters["owner_ids"] = scope["owner_ids"] if owner in (None, user.pk) else []
        items = registry.items(until=until, since=since, module=module, limit=limit, **filters)
        if owner is not None and scope:
            # An owner outside the user's scope shows nothing, as on the screens' due list.
            items = [i for i in items if (allowed and i.department_id in allowed) or i.owner_id == user.pk]
        return Response(
            [
                {
                    "key": i.key,
                    "module": i.module,
                    "kind": i.kind,
                    "reference": i.reference,
                    "title": i.title,
                    "owner": i.owner_id,
                    "department": i.department_id,
                    "due_date": i.due_date,
                    "days_overdue": i.days_overdue(today),
                    "web_url": i.url,
                }
                for i in items
            ]
        )


class MeView(ApiView):
    """GET: who the token or session stands for: what the API will act as."""

    @extend_schema(
        responses={
            200: inline_serializer(
                "Me",
                {
                    "id": serializers.IntegerField(),
                    "username": serializers.CharField(),
                    "role": serializers.CharField(),
                    "department": serializers.IntegerField(allow_null=True),
                    "read_only": serializers.BooleanField(),
                    "service_account": serializers.BooleanField(),
                },
            ),
            **READ_ERRORS,
        }
    )
    def get(self, request, *args, **kwargs):
        user = request.user
        return Response(
            {
                "id": user.pk,
                "username": user.username,
                "role": user.role,
                "department": user.department_id,
                "read_only": user.is_auditor,
                "service_account": hasattr(user, "service_account"),
            }
        )


class DepartmentsView(ApiView):
    """GET: the departments (their ids are what records name); the same list for everyone."""

    serializer_class = read_serializer(Department)

    @extend_schema(responses={200: read_serializer(Department)(many=True), **READ_ERRORS})
    def get(self, request, *args, **kwargs):
        return Response(self.get_serializer(Department.objects.order_by("code", "pk"), many=True).data)
