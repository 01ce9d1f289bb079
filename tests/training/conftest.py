import pytest

from qms.models import Role
from tests.factories import DepartmentFactory, UserFactory
from tests.training import factories as f


@pytest.fixture
def hr(db):
    return DepartmentFactory(name="Training & HR", code="HR")


@pytest.fixture
def hr_head(hr):
    """The head of the steward department: keeps every department's training files."""
    user = UserFactory(
        username="ckoch", first_name="Clara", last_name="Koch", role=Role.DEPARTMENT_HEAD, department=hr
    )
    hr.head = user
    hr.save()
    return user


@pytest.fixture
def hardening(dept, head):
    """A critical competence of the department: two qualified people needed every day, requalified
    every twelve months."""
    return f.competence(
        dept, title="Heat treatment: case-hardening furnace", by=head, requalify_months=12, min_coverage=2
    )


@pytest.fixture
def zimmer(dept):
    return f.person(dept, username="ozimmer", first_name="Oliver", last_name="Zimmer")


@pytest.fixture
def yilmaz(dept):
    return f.person(dept, username="eyilmaz", first_name="Emre", last_name="Yilmaz")
