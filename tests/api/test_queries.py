"""Every list endpoint of the API (every register, every kind of child row it offers) runs the
same number of queries whatever the number of rows: proven at two sizes, as the quality manager
and as staff, with records built by the route walker's builders."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.resources import installed
from qms import access
from tests import walker

_labels = itertools.count(1)


def _next_number(row):
    return type(row)._default_manager.filter(capa=row.capa).order_by("-number").first().number + 1


def _person():
    from tests.factories import UserFactory

    return UserFactory()


def _gauge():
    from tests.inspection.factories import gauge

    return gauge()


# What a copied row must change to be a row of its own (a record holds one effective revision,
# numbers its actions, names each operator and gauge once).
UNIQUE_TWEAKS = {
    "documents.revision": lambda: {"status": "superseded", "label": f"C{next(_labels)}"},
    "capa.action": lambda: {"number": _next_number},
    "inspection.lotoperator": lambda: {"person": _person()},
    "inspection.gaugeuse": lambda: {"instrument": _gauge()},
}

SIZES = (3, 12)  # a page holds 50: both sizes fit on one page, so every row is serialized
ENDPOINTS = [(f"/api/v1/{r.path}/", r.model, None) for r in installed()] + [
    (f"/api/v1/{r.path}/{{pk}}/{child_path}/", r.model, child)
    for r in installed()
    for child_path, child in r.child_models()
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["quality_manager", "staff"])
@pytest.mark.parametrize("url, model, child", ENDPOINTS, ids=[url for url, _, _ in ENDPOINTS])
def test_list_endpoint_query_count_does_not_grow_with_rows(
    request, api_for, staff, dept, url, model, child, role
):
    walker.load_all()
    build = walker.BUILDERS[model._meta.label_lower]
    api = api_for(request.getfixturevalue(role))
    first = build(staff, dept)
    if child is not None:
        url = url.format(pk=first["pk"])
        parent = model.objects.get(pk=first["pk"])

    def rows() -> int:
        if child is None:
            return model.objects.count()
        return child._default_manager.filter(**{child.parent_field: parent}).count()

    def grow(total: int) -> None:
        if child is None:
            while rows() < total:
                build(staff, dept)
            return
        # A record's rows: copies of the row the builder made (the services' own rules for adding
        # rows are tested in each module; here only the read's cost matters).
        template = child._default_manager.filter(**{child.parent_field: parent}).first()
        if template is None:
            pytest.skip(f"the builder of {model._meta.label_lower} makes no {child._meta.verbose_name}")
        while rows() < total:
            template.pk = None
            for name, value in UNIQUE_TWEAKS.get(child._meta.label_lower, dict)().items():
                setattr(template, name, value(template) if callable(value) else value)
            template.save()

    def queries_with(total: int) -> tuple[int, int]:
        grow(total)
        api.get(url)  # the token's last-used time is written on the first call, not counted
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(url)
            assert response.status_code == 200, response.content
        return len(ctx.captured_queries), len(response.json()["results"])

    small, shown_small = queries_with(SIZES[0])
    large, shown_large = queries_with(SIZES[1])
    if (
        child is None
        and access.restrict(model.objects.all(), request.getfixturevalue(role)).count() < SIZES[1]
    ):
        assert shown_large >= shown_small
    else:
        assert shown_large > shown_small > 0, f"{url} as {role} lists {shown_small}, then {shown_large} rows"
    assert small == large, f"{url} as {role}: {small} queries with {SIZES[0]} rows, {large} with {SIZES[1]}"
