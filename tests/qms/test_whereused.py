"""Where-used: "what was done with this record between two dates?", answered by the module that
records the use, as far as the asking user may see."""

import datetime as dt

import pytest
from django.utils import timezone

from qms import whereused
from qms.services import transition

pytestmark = pytest.mark.django_db


def test_the_parts_finished_in_the_period_are_the_widgets_uses(head, staff, widget, part):
    transition(obj=part, name="finish", by=staff)
    today = timezone.localdate()
    (use,) = whereused.find(widget, date_from=today - dt.timedelta(days=30), date_to=today, user=head)
    assert (use.when, use.what, use.reference, use.title, use.record) == (
        today,
        "Part done",
        widget.reference,
        "Bore",
        part,
    )
    assert use.url == part.get_absolute_url()
    assert whereused.find(widget, date_from=None, date_to=today - dt.timedelta(days=1), user=head) == []


def test_nobody_learns_of_a_use_they_could_not_see(head, staff, other_staff, widget, part):
    transition(obj=part, name="finish", by=staff)
    assert whereused.find(widget, date_from=None, date_to=timezone.localdate(), user=other_staff) == []
