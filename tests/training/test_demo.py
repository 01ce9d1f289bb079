"""The demo company tells gap 4 of the story: heat treatment hangs on one person, who is away this
week, so the coverage alarm is on and names him; Emre Yilmaz at cell 4 still owes his training on
drawing DRW-40512 revision C; requalifications fall due; every department has a matrix."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from qms.due import registry
from qms.models import Department, User
from training.matrix import department_matrix
from training.models import CoverageAlarm, TrainingNeed

pytestmark = pytest.mark.django_db


def test_the_demo_tells_the_story():
    call_command("load_demo", "--if-empty")

    # Heat treatment hangs on one person, away this week: the alarm is on, for the production
    # manager, since his own furnace qualification lapsed, and it names the one person.
    (alarm,) = CoverageAlarm.objects.filter(status="open")
    assert alarm.competence.process.name == "Heat treatment"
    assert "only Oliver Zimmer is qualified" in alarm.title and "absent" in alarm.title
    head = User.objects.get(username="hbauer")
    assert alarm.owner == head and alarm.since < timezone.localdate()
    mine = [i for i in registry.for_user(head) if i.kind == "Coverage alarm"]
    assert mine and "Oliver Zimmer" in mine[0].title
    assert not CoverageAlarm.objects.filter(status="cleared").exists()

    # The machinist at cell 4 owes his training on drawing DRW-40512 revision C; the others who
    # work to it were trained on it.
    need = TrainingNeed.objects.get(person__username="eyilmaz", revision__document__number="DRW-40512")
    assert need.status == "open" and need.revision.label == "C" and need.kind == "revision"
    assert "revision C effective" in need.title
    others = TrainingNeed.objects.filter(revision__document__number="DRW-40512", status="open")
    assert list(others.values_list("person__username", flat=True)) == ["eyilmaz"]

    # A few requalifications fall due (one already lapsed), and every department has a matrix.
    soon = TrainingNeed.objects.filter(kind="requalification", status="open")
    assert soon.count() >= 3 and soon.filter(due_date__lt=timezone.localdate()).exists()
    for department in Department.objects.all():
        matrix = department_matrix(department)
        assert matrix.rows and matrix.columns, department
