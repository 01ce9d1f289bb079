import pytest

from tests.audits import factories as af
from tests.factories import UserFactory


@pytest.fixture
def lead(dept, quality_manager):
    """A qualified internal auditor of quality control (staff: an ordinary user)."""
    return af.qualify(UserFactory(username="dlang", first_name="David", last_name="Lang", department=dept))


@pytest.fixture
def prod_process(other_dept):
    return af.process(other_dept, "Heat treatment")


@pytest.fixture
def running(lead, other_dept, dept, prod_process):
    """An audit of production, led by the QC auditor, in progress with its checklist."""
    return af.audit(lead=lead, audited=[other_dept], department=dept, process=prod_process, start=True)


# The CAPA module's records in their states, for the findings and proposals they meet.
from tests.capa.conftest import capa, capa_in_actions, capa_in_verification, closed_capa, ncr  # noqa: E402, F401
