"""Fixtures for the CAPA tests: a CAPA at each stage of its life."""

import datetime as dt

import pytest
from django.utils import timezone

from capa import services
from qms.services import record_transition
from tests.capa.factories import CapaFactory, NonconformityFactory


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture
def ncr(head, dept):
    return NonconformityFactory(
        owner=head, department=dept, title="Bore oversize on lot 24-1187", part="Housing H-220", lot="24-1187"
    )


@pytest.fixture
def capa(head, dept, ncr):
    """A CAPA owned by the QC head, raised from the NCR, still open."""
    return services.capa_create(
        by=head,
        nonconformities=[ncr],
        title="Bore oversize on shipped lot",
        description="Customer rejected 62% of lot 24-1187.",
        owner=head,
        department=dept,
        due_date=days(60),
        source="customer",
        severity="major",
        customer="Kessler Antriebstechnik",
    )


@pytest.fixture
def capa_in_actions(capa, head, staff):
    record_transition(record=capa, name="investigate", by=head)
    services.why_add(capa=capa, by=head, answer="The supplier substituted the bar stock grade.")
    services.capa_root_cause_set(
        capa=capa, by=head, root_cause="Unevaluated supplier material change.", cause_category="material"
    )
    record_transition(record=capa, name="plan_actions", by=head)
    services.action_add(
        capa=capa,
        by=head,
        kind="corrective",
        title="Require change notices from suppliers",
        owner=staff,
        due_date=days(10),
    )
    capa.refresh_from_db()
    return capa


@pytest.fixture
def capa_in_verification(capa_in_actions, ncr, head, staff, quality_manager):
    # The lot itself was decided long before: the CAPA closes once its NCR is dispositioned.
    services.ncr_disposition(ncr=ncr, by=head, disposition="rework", note="Re-bored to size, 100 % checked.")
    action = capa_in_actions.actions.get()
    services.action_update(
        action=action, by=staff, status="done", evidence="Purchase conditions rev 4 issued."
    )
    services.capa_verification_start(
        capa=capa_in_actions,
        by=head,
        planned_date=days(90),
        criteria="No bore rejects in the next 10 lots.",
        verifier=quality_manager,
    )
    capa_in_actions.refresh_from_db()
    return capa_in_actions


@pytest.fixture
def closed_capa(capa_in_verification, head):
    services.capa_close(capa=capa_in_verification, by=head, risks_change=False, documents_change=False)
    capa_in_verification.refresh_from_db()
    return capa_in_verification


__all__ = ["CapaFactory", "days"]
