"""The route walker over the inspection module's own URLs (the whole walk is in tests/qms): every
page and form with every role, against the table in tests/inspection/access_rows.py."""

import pytest
from django.urls import get_resolver

from tests.qms import access_table
from tests.qms.test_route_walker import refusal_problem, walk, world  # noqa: F401 (fixture)


@pytest.mark.django_db
def test_every_inspection_url_with_every_role(world):  # noqa: F811
    patterns = [p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "inspection"]
    assert patterns
    failures = []
    for target, role, method, response in walk(world, patterns):
        problem = refusal_problem(target, role, method, response) or access_table.problem(
            target.key, role, method, response
        )
        if problem:
            failures.append(f"{method} {target.url} as {role}: {problem}")
    assert not failures, "\n".join(failures)
