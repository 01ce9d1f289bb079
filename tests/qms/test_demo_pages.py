"""Every record's page of the demo company runs no statement twice.

The route walker's records have a row or two each; the demo company has what a shop has: actions
owned by the same few people, lots inspected twice to one drawing, findings raised from a
question of their audit, a review reading every measure. A page that reads a relation row by
row, or asks the same question in two places, then runs one statement more than once, and this
fails it. The first three records of every kind, and the child rows with a page of their own, as
the quality manager and as a department head; a module added later is read the day it loads demo
records."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.management import call_command
from django.test import Client

from qms.models import Role, User
from qms.registry import child_models, record_models
from tests.qms.test_route_walker import read_twice, request

pytestmark = pytest.mark.django_db


def pages() -> list[str]:
    found = []
    for model in record_models():
        found += [record.get_absolute_url() for record in model.objects.order_by("pk")[:3]]
        for child in child_models(model):
            if child.page:
                found += [row.get_absolute_url() for row in child.objects.order_by("-pk")[:2]]
    return found


@pytest.mark.timeout(300)
def test_no_record_page_of_the_demo_company_runs_a_statement_twice():
    call_command("load_demo", "--if-empty")
    urls = pages()
    assert len(urls) > 50  # every module's records, and their rows' pages
    readers = [
        User.objects.get(role=Role.QUALITY_MANAGER),
        User.objects.filter(role=Role.DEPARTMENT_HEAD, department__code="PROD").get(),
    ]
    twice, read = [], Counter()
    for reader in readers:
        client = Client()
        client.force_login(reader)
        for url in urls:
            if reader.role == Role.QUALITY_MANAGER or client.get(url).status_code == 200:
                read[reader.role] += 1
                response = request(client, "GET", url)
                assert response.status_code == 200, url
                twice += [
                    f"as {reader.get_role_display()}, {url}: {line}"
                    for line in read_twice(response.statements)
                ]
    assert read[Role.QUALITY_MANAGER] == len(urls) and read[Role.DEPARTMENT_HEAD] > 20
    assert not twice, "\n".join(twice)
