"""Gates: one API for "may this happen?" across modules. The module that knows answers; when
none does, the answer says it was not checked instead of passing silently."""

import datetime as dt

import pytest

from qms import gates
from qms.services import record_transition

pytestmark = pytest.mark.django_db


# A gate that no installed module answers (every gate the kernel declares has its module now).
UNANSWERED = gates.Gate("tooling_released", "Was this tool released for production on that date?", ("tool",))
gates.declare(UNANSWERED)


def test_an_unanswered_gate_says_not_checked():
    (refusal,) = gates.check("tooling_released", on=dt.date(2026, 3, 1), tool=object())
    assert refusal.checked is False
    assert str(refusal).startswith("Not checked: no installed module answers “Was this tool released")


def test_a_released_widget_passes_its_gate_from_the_day_of_release(head, widget):
    record_transition(record=widget, name="release", by=head)
    widget.refresh_from_db()
    day = widget.released_at.date()
    assert gates.check("widget_released", on=day, widget=widget) == []
    (refusal,) = gates.check("widget_released", on=day - dt.timedelta(days=1), widget=widget)
    assert refusal.checked and widget.reference in refusal.message
    assert refusal.url == widget.get_absolute_url()


def test_a_draft_widget_is_refused(widget):
    (refusal,) = gates.check("widget_released", on=dt.date.today(), widget=widget)
    assert refusal.message.startswith(f"{widget.reference} was not released by ")


def test_asking_an_undeclared_gate_or_without_its_subject_is_a_programming_error(widget):
    with pytest.raises(KeyError):
        gates.check("no_such_gate", on=dt.date.today())
    with pytest.raises(TypeError, match="widget"):
        gates.check("widget_released", on=dt.date.today())
    with pytest.raises(KeyError):
        gates.answer("no_such_gate", lambda **kw: [])


def test_the_catalogue_says_which_gates_are_answered():
    answered = dict((g.name, a) for g, a in gates.catalogue())
    assert answered["widget_released"] is True and answered["tooling_released"] is False
    assert answered["maintenance_in_order"] is True  # the calibration module answers it
