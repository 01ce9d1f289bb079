"""A CAPA raised from NCRs of two departments: its history and its audit-pack section name only
the NCRs the reader may see, and count the others (issue #10, item 2)."""

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from capa import audit, services
from qms.selectors import hide_references
from tests.capa.conftest import days
from tests.capa.factories import NonconformityFactory
from tests.helpers import body

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed(quality_manager, head, dept, other_head, other_dept):
    """A production CAPA raised from a production NCR and a quality-control NCR."""
    own = NonconformityFactory(owner=other_head, department=other_dept, title="Burr on bracket")
    foreign = NonconformityFactory(owner=head, department=dept, title="Gauge R&R failed")
    capa = services.capa_create(
        by=quality_manager,
        nonconformities=[own, foreign],
        title="Brackets out of tolerance",
        description="Two findings, one cause.",
        owner=other_head,
        department=other_dept,
        due_date=days(30),
    )
    return capa, own, foreign


def test_a_capas_history_names_only_the_ncrs_the_reader_may_see(
    client_for, other_head, quality_manager, mixed
):
    capa, own, foreign = mixed
    client = client_for(other_head)
    assert foreign.reference not in body(client.get(capa.get_absolute_url()))
    text = body(client.get(capa.get_history_url()))
    assert f"Raised from {own.reference} and 1 record outside your view" in text
    assert foreign.reference not in text
    # The quality manager sees every NCR, and the reason as it was written.
    text = body(client_for(quality_manager).get(capa.get_history_url()))
    assert own.reference in text and foreign.reference in text


def pack_section(user) -> str:
    today = timezone.localdate()
    context = audit.build(user=user, date_from=today - dt.timedelta(days=7), date_to=today)
    return " ".join(render_to_string("capa/audit_section.html", context).split())


def test_the_audit_pack_lists_only_the_ncrs_the_reader_may_see(other_head, quality_manager, mixed):
    capa, own, foreign = mixed
    text = pack_section(other_head)
    assert capa.reference in text
    assert f"<th>From NCRs</th><td>{own.reference} and 1 record outside your view</td>" in text
    assert foreign.reference not in text  # neither in the NCR row nor in the history's reasons
    text = pack_section(quality_manager)
    assert own.reference in text and foreign.reference in text and "outside your view" not in text


def test_a_run_of_hidden_references_is_counted_once(other_head, mixed):
    _capa, own, foreign = mixed
    readable = hide_references([f"Raised from {foreign.reference}", f"See {own.reference}", ""], other_head)
    assert readable[f"Raised from {foreign.reference}"] == "Raised from 1 record outside your view"
    assert readable[f"See {own.reference}"] == f"See {own.reference}"


def test_replanning_a_check_of_a_capa_without_one_is_a_plain_not_found(client_for, head, capa):
    """Issue #10, item 5: no 500 (NoReverseMatch) for a check that is not there."""
    for pk in (0, 999999):
        url = reverse("capa:effectivenesscheck_plan", args=[capa.pk, pk])
        response = client_for(head).post(url, {"plan-planned_date": "2030-01-01"})
        assert response.status_code == 404
        assert "Not found" in body(response) or "not found" in body(response)


def test_replanning_a_judged_check_is_refused_in_words(client_for, head, closed_capa):
    check = closed_capa.checks.first()
    url = reverse("capa:effectivenesscheck_plan", args=[closed_capa.pk, check.pk])
    response = client_for(head).post(url, {"plan-planned_date": "2030-01-01"}, follow=True)
    assert response.status_code in (200, 403)
    check.refresh_from_db()
    assert check.planned_date != dt.date(2030, 1, 1)
