"""The route walker over the inspection module's own URLs (the whole walk is in tests/qms): every
page and form with every role, against the table in tests/inspection/access_rows.py. Only this
module's records are built, so it runs on its own."""

import pytest
from django.urls import get_resolver

from tests import walker
from tests.qms import access_table
from tests.qms.test_route_walker import refusal_problem, walk

LABELS = (
    "inspection.inspectionplan",
    "inspection.goodsreceipt",
    "inspection.productionlot",
    "inspection.shipment",
    "inspection.inspection",
)


@pytest.fixture
def inspection_world(
    dept, other_dept, head, staff, other_head, other_staff, admin_user, quality_manager, top, auditor
):
    import tests.inspection.walk  # noqa: F401 (registers the builders)

    return {
        "records": {label: walker.BUILDERS[label](staff, dept) for label in LABELS},
        "roles": {
            "anonymous": None,
            "admin": admin_user,
            "quality": quality_manager,
            "top": top,
            "head": head,
            "staff": staff,
            "other_head": other_head,
            "other_staff": other_staff,
            "auditor": auditor,
        },
    }


@pytest.mark.django_db
def test_every_inspection_url_with_every_role(inspection_world):
    patterns = [p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "inspection"]
    assert patterns
    failures = []
    for target, role, method, response in walk(inspection_world, patterns):
        problem = refusal_problem(target, role, method, response) or access_table.problem(
            target.key, role, method, response
        )
        if problem:
            failures.append(f"{method} {target.url} as {role}: {problem}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_every_import_url_with_every_role(inspection_world):
    """The kernel's import page for every declared importer (this module's receipts, lots and
    material among them), against the access table."""
    patterns = [p for p in get_resolver().url_patterns if str(p.pattern).startswith("import/")]
    assert patterns
    failures, keys = [], set()
    for target, role, method, response in walk(inspection_world, patterns):
        keys.add(target.key)
        problem = refusal_problem(target, role, method, response) or access_table.problem(
            target.key, role, method, response
        )
        if problem:
            failures.append(f"{method} {target.url} as {role}: {problem}")
    assert {"import inspection.receipts", "import inspection.lots", "import inspection.materials"} <= keys
    assert not failures, "\n".join(failures)
