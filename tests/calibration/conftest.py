import pytest

from qms.models import Role
from tests.factories import DepartmentFactory, UserFactory


@pytest.fixture
def cal(db):
    return DepartmentFactory(name="Calibration", code="CAL")


@pytest.fixture
def metrology_head(cal):
    """The head of the metrology department: the steward of every instrument."""
    user = UserFactory(
        username="pbecker", first_name="Paul", last_name="Becker", role=Role.DEPARTMENT_HEAD, department=cal
    )
    cal.head = user
    cal.save()
    return user


@pytest.fixture
def maint(db):
    return DepartmentFactory(name="Maintenance", code="MAINT")


@pytest.fixture
def maintenance_head(maint):
    user = UserFactory(
        username="jschulz",
        first_name="Jonas",
        last_name="Schulz",
        role=Role.DEPARTMENT_HEAD,
        department=maint,
    )
    maint.head = user
    maint.save()
    return user
