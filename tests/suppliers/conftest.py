import pytest

from qms.models import Role
from tests.factories import DepartmentFactory, UserFactory


@pytest.fixture
def proc(db):
    return DepartmentFactory(name="Procurement", code="PROC")


@pytest.fixture
def purchasing_head(proc):
    """The head of the steward department: keeps every supplier."""
    user = UserFactory(
        username="mweber", first_name="Markus", last_name="Weber", role=Role.DEPARTMENT_HEAD, department=proc
    )
    proc.head = user
    proc.save()
    return user


@pytest.fixture
def buyer(proc, purchasing_head):
    return UserFactory(username="buyer", role=Role.STAFF, department=proc, manager=purchasing_head)
