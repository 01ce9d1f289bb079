"""The API fuzzed against its own OpenAPI schema (schemathesis, in-process over WSGI): whatever a
caller sends — property-based bodies, parameters and ids — no answer is a server error, and every
answer matches the schema (the error shape included). A few examples per operation keep it within
a minute, so the whole suite stays under its budget."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.tokens import token_create
from tests.capa.factories import NonconformityFactory
from tests.inspection import factories as f

EXAMPLES = 3


def _schema():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(raw)))
    loaded.app = get_wsgi_application()
    return loaded


schema = _schema()


@pytest.fixture
def in_test_transaction():
    """Django's WSGI handler closes the database connection after each request; the test client
    keeps it (the test's transaction lives on it), and so must the fuzzer's in-process calls."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_token(db, in_test_transaction, head, dept):
    # A few records to find, so that some ids and filters hit something.
    NonconformityFactory(owner=head, department=dept)
    f.receipt(owner=head)
    return token_create(user=head, by=head, name="fuzz")[1]


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,  # the same examples every run: a failure is reproducible, not flaky
    phases=[Phase.generate],  # not the coverage phase's hundreds of boundary cases per operation
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_every_answer_matches_the_schema(case, fuzz_token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {fuzz_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
