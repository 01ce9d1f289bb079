"""/api/v1/: one set of URLs per resource (``api.resources``), the schema and its documentation.

The view classes are made here per resource, so that each operation documents its own
serializer, filters and errors in the OpenAPI schema."""

from __future__ import annotations

from functools import cache

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView

from . import views, web, writes
from .errors import error_responses
from .idempotency import HEADER
from .resources import Resource, installed
from .serializers import TransitionSerializer, form_serializer, read_serializer

app_name = "api"

KEY = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    description="Any unique string (a UUID): a retried POST with the same key and body creates nothing new.",
)
REASON = OpenApiParameter(
    writes.REASON_HEADER,
    str,
    OpenApiParameter.HEADER,
    description="Why (the history's reason), if not in the body.",
)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 422)


@cache
def _paged(serializer):
    """The page of a serializer's rows: one class per serializer, so a register and a record's
    rows of the same model (``calibrations``) share one schema component."""
    from rest_framework import serializers

    return type(
        f"Paged{serializer.__name__}",
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer(many=True),
            "__module__": __name__,
        },
    )


def _method(base, name: str, **schema):
    """A method of its own for each class (``extend_schema`` marks the function it is given)."""
    inner = getattr(base, name)

    def method(self, request, *args, **kwargs):
        return inner(self, request, *args, **kwargs)

    method.__name__ = name
    return extend_schema(**schema)(method)


def _op(what) -> str:
    return (what.path if isinstance(what, Resource) else what).replace("-", "_")


def _tag(resource: Resource) -> list[str]:
    return [resource.path]


def resource_urls(resource: Resource) -> list:
    model, out = resource.model, []
    read = read_serializer(model)
    bases: tuple = (writes.CreateMixin, views.RegisterView) if resource.create else (views.RegisterView,)
    attrs = {
        "resource": resource,
        "model": model,  # what the route walk builds to fill {pk}
        "serializer_class": read,
        "get": _method(
            views.RegisterView,
            "get",
            parameters=views.filter_parameters(resource),
            responses={200: _paged(read), **views.READ_ERRORS},
            tags=_tag(resource),
            operation_id=f"{_op(resource)}_list",
            description=f"The register of {model._meta.verbose_name_plural} you may see, one page at a time.",
        ),
    }
    if resource.create:
        form_class = resource.create_view.form_class
        attrs["post"] = _method(
            writes.CreateMixin,
            "post",
            request=form_serializer(form_class, f"{read.__name__}Create"),
            parameters=[KEY],
            responses={201: read, **WRITE_ERRORS},
            tags=_tag(resource),
            operation_id=f"{_op(resource)}_create",
            description=f"A new {model._meta.verbose_name}, checked and saved as the screen's form does.",
        )
    name = read.__name__
    out.append(
        path(f"{resource.path}/", type(f"{name}List", bases, attrs).as_view(), name=f"{resource.path}-list")
    )
    detail = {
        "resource": resource,
        "model": model,  # what the route walk builds to fill {pk}
        "serializer_class": read,
        "get": _method(
            views.RecordView,
            "get",
            responses={200: read, **views.READ_ERRORS},
            tags=_tag(resource),
            operation_id=f"{_op(resource)}_retrieve",
        ),
    }
    out.append(
        path(
            f"{resource.path}/<int:{views.url_kwarg(model)}>/",
            type(f"{name}Detail", (views.RecordView,), detail).as_view(),
            name=f"{resource.path}-detail",
        )
    )
    if resource.transitions:
        step = {
            "resource": resource,
            "model": model,  # what the route walk builds to fill {pk}
            "serializer_class": read,
            "post": _method(
                writes.TransitionView,
                "post",
                request=TransitionSerializer,
                parameters=[KEY, REASON],
                responses={200: read, **WRITE_ERRORS},
                tags=_tag(resource),
                operation_id=f"{_op(resource)}_transition",
                description="One step of the record's workflow, as its page's buttons take it.",
            ),
        }
        out.append(
            path(
                f"{resource.path}/<int:pk>/transitions/",
                type(f"{name}Transition", (writes.TransitionView,), step).as_view(),
                name=f"{resource.path}-transition",
            )
        )
    for child_path, child in resource.child_models():
        row = read_serializer(child)
        adds = child_path in resource.child_adds
        bases = (writes.ChildAddMixin, views.ChildRowsView) if adds else (views.ChildRowsView,)
        attrs = {
            "resource": resource,
            "model": model,  # what the route walk builds to fill {pk}
            "child_path": child_path,
            "serializer_class": row,
            "get": _method(
                views.ChildRowsView,
                "get",
                parameters=views.paging.PARAMETERS,
                responses={200: _paged(row), **views.READ_ERRORS},
                tags=_tag(resource),
                operation_id=f"{_op(resource)}_{_op(child_path)}_list",
            ),
        }
        if adds:
            from qms.views.children import spec_of

            attrs["post"] = _method(
                writes.ChildAddMixin,
                "post",
                request=form_serializer(spec_of(child).form, f"{row.__name__}Create"),
                parameters=[KEY],
                responses={201: row, **WRITE_ERRORS},
                tags=_tag(resource),
                operation_id=f"{_op(resource)}_{_op(child_path)}_create",
            )
        out.append(
            path(
                f"{resource.path}/<int:pk>/{child_path}/",
                type(f"{name}{row.__name__}Rows", bases, attrs).as_view(),
                name=f"{resource.path}-{child_path}",
            )
        )
    return out


class SchemaView(SpectacularAPIView):
    access = views.API


urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", web.DocsView.as_view(), name="docs"),
    path("me/", views.MeView.as_view(), name="me"),
    path("departments/", views.DepartmentsView.as_view(), name="departments"),
    path("due-items/", views.DueItemsView.as_view(), name="due-items"),
]
for _resource in installed():
    urlpatterns += resource_urls(_resource)
