"""A personal record (``Record.personal``, a training file) is read by its person, their head, the
steward department and the company-wide roles; never by the person's colleagues. Tested on the
widget module with ``personal`` switched on."""

import pytest

from qms import access
from tests.factories import UserFactory, WidgetFactory
from tests.kernelapp.models import Widget

pytestmark = pytest.mark.django_db


@pytest.fixture
def personal(monkeypatch):
    monkeypatch.setattr(Widget, "personal", True)


def visible(user) -> set[str]:
    return set(access.restrict(Widget.objects.all(), user).values_list("title", flat=True))


def test_staff_see_their_own_personal_record_not_their_colleagues(
    personal, staff, head, dept, quality_manager, auditor
):
    colleague = UserFactory(department=dept)
    WidgetFactory(owner=staff, department=dept, title="Staff's own")
    WidgetFactory(owner=colleague, department=dept, title="Colleague's")
    assert visible(staff) == {"Staff's own"}
    assert visible(colleague) == {"Colleague's"}
    assert visible(head) == visible(quality_manager) == visible(auditor) == {"Staff's own", "Colleague's"}


def test_without_personal_the_department_reads_it(staff, dept):
    colleague = UserFactory(department=dept)
    WidgetFactory(owner=colleague, department=dept, title="Colleague's")
    assert visible(staff) == {"Colleague's"}
