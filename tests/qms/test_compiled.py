"""An expression compiled once (``qms.compiled.once``) writes what Django writes for it, reads the
same rows wherever the query puts it (a filter, a subquery with its aliases relabelled), is
compiled again for new arguments, and refuses what it cannot keep: a join, a subquery within a
subquery. A correlated subquery keeps aliases of its own, so it reads what Django's reads however
deep the query that uses it is put."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Case, CharField, Exists, F, OuterRef, Subquery, Value, When

from calibration.models import Calibration, Instrument
from calibration.models.instruments import standing_case
from calibration.views.registers import _on_time, _result
from capa.models import Capa, Nonconformity
from capa.views.registers import age_to_close
from qms.compiled import count_of, once
from reviews.models import ReviewAction
from reviews.views.actions import on_time_case
from suppliers.models import SupplierCertificate
from suppliers.views.suppliers import validity_case
from tests.calibration.factories import calibrate, instrument
from tests.factories import DepartmentFactory
from training.models import TrainingFile

DAY = dt.date(2026, 12, 4)

# Every CASE the registers compile once: (model, its builder, the builder's arguments).
USES = [
    (Instrument, standing_case, (DAY,)),
    (Calibration, _on_time, ()),
    (Calibration, _result, ()),
    (SupplierCertificate, validity_case, (DAY,)),
    (ReviewAction, on_time_case, (DAY,)),
    (Nonconformity, age_to_close, ()),
    (Capa, age_to_close, ()),
]


@pytest.mark.parametrize(("model", "build", "args"), USES, ids=lambda u: getattr(u, "__name__", ""))
def test_a_register_column_writes_the_sql_django_writes(model, build, args):
    written = model.objects.annotate(x=once(model, build, *args)).values("x").query.sql_with_params()
    django = model.objects.annotate(x=build(*args)).values("x").query.sql_with_params()
    assert written == django


@pytest.mark.django_db
def test_the_standing_reads_the_same_rows_in_a_filter_and_in_a_subquery():
    department = DepartmentFactory()
    today = dt.date.today()
    gauges = {
        "in_service": instrument(department),
        "overdue": instrument(department),
        "due_soon": instrument(department),
        "quarantined": instrument(department),
    }
    for gauge in gauges.values():
        calibrate(gauge, on=today - dt.timedelta(days=10))
    Instrument.objects.filter(pk=gauges["overdue"].pk).update(due_date=today - dt.timedelta(days=1))
    Instrument.objects.filter(pk=gauges["due_soon"].pk).update(due_date=today + dt.timedelta(days=3))
    Instrument.objects.filter(pk=gauges["quarantined"].pk).update(status="quarantined")

    standing = dict(Instrument.objects.with_standing(today).values_list("tag", "standing"))
    assert standing == {gauge.tag: name for name, gauge in gauges.items()}
    assert list(Instrument.objects.with_standing(today).filter(standing="overdue")) == [gauges["overdue"]]
    # In a subquery the instrument table is aliased anew: its columns must follow.
    late = Instrument.objects.with_standing(today).filter(pk=OuterRef("instrument_id"), standing="overdue")
    calibrations = Calibration.objects.filter(Exists(late))
    assert list(calibrations.values_list("instrument__tag", flat=True)) == [gauges["overdue"].tag]
    others = Instrument.objects.exclude(
        pk__in=Instrument.objects.with_standing(today).filter(standing="overdue").values("pk")
    )
    assert set(others) == set(gauges.values()) - {gauges["overdue"]}


def test_new_arguments_are_compiled_anew():
    tomorrow = DAY + dt.timedelta(days=1)
    assert DAY in once(Instrument, standing_case, DAY).constants
    assert tomorrow in once(Instrument, standing_case, tomorrow).constants
    assert DAY not in once(Instrument, standing_case, tomorrow).constants


def _joined():
    return Case(When(owner__username="x", then=Value("x")), default=Value(""), output_field=CharField())


def _subquery():
    later = Instrument.objects.filter(pk__gt=OuterRef("pk"))
    return Case(When(Exists(later), then=Value("x")), default=Value(""), output_field=CharField())


def _column():
    return F("title")


def _nested():
    """Three deep: an instrument's later instruments of the departments of later instruments."""
    departments = Instrument.objects.filter(pk__gt=OuterRef("pk")).values("department")
    middle = Instrument.objects.filter(pk__gt=OuterRef("pk"), department__in=Subquery(departments))
    later = Instrument.objects.filter(
        pk__gt=OuterRef("pk"), department__in=Subquery(middle.values("department"))
    )
    return Case(When(Exists(later), then=Value("x")), default=Value(""), output_field=CharField())


@pytest.mark.parametrize("build", [_joined, _nested])
def test_what_reads_beyond_the_models_own_columns_or_nests_subqueries_is_refused(build):
    with pytest.raises(
        Exception, match="own columns|Joined field references are not permitted|within a subquery"
    ):
        once(Instrument, build)


def _two_deep():
    """How many later instruments share a department with a later instrument: a subquery within
    a subquery, each correlated to the row of the query around it."""
    shared = Instrument.objects.filter(pk__gt=OuterRef("pk"), department=OuterRef("department")).values("pk")
    return count_of(Instrument.objects.filter(Exists(shared)), "pk__gt")


@pytest.mark.django_db
def test_a_subquery_within_a_subquery_reads_the_rows_djangos_reads_wherever_it_is_put():
    """Both levels keep aliases of their own (a machine's postponements, counted plan by plan)."""
    first, second = DepartmentFactory(), DepartmentFactory()
    gauges = [instrument(d) for d in (first, second, first, second, first)]
    written = once(Instrument, _two_deep)
    assert "U0" not in written.template and "V0" not in written.template
    django = dict(Instrument.objects.annotate(x=_two_deep()).values_list("pk", "x"))
    assert dict(Instrument.objects.annotate(x=written).values_list("pk", "x")) == django
    # After the first come four; two of them (the second and third) share a department with one
    # later still.
    assert [django[g.pk] for g in gauges] == [2, 1, 0, 0, 0]
    inner = Instrument.objects.annotate(x=once(Instrument, _two_deep)).filter(x__gte=1).values("pk")
    nested = Instrument.objects.filter(pk__in=inner).annotate(x=once(Instrument, _two_deep))
    assert dict(nested.values_list("pk", "x")) == {g.pk: django[g.pk] for g in gauges[:2]}


@pytest.mark.django_db
def test_a_correlated_subquery_reads_the_rows_djangos_reads_wherever_it_is_put():
    """Its tables keep aliases of their own: in a query that is itself a subquery (whose tables
    Django calls U0, U1 …) it still reads the outer row it is correlated to."""
    department = DepartmentFactory()
    gauges = [instrument(department) for _ in range(4)]
    written = once(Instrument, _subquery)
    assert "U0" not in written.template and "{0}" in written.template
    for annotated in (Instrument.objects.annotate(x=written), Instrument.objects.annotate(x=_subquery())):
        assert dict(annotated.values_list("pk", "x")) == {
            g.pk: ("" if g is gauges[-1] else "x") for g in gauges
        }
    inner = Instrument.objects.annotate(x=written).filter(x="x").values("pk")
    django = Instrument.objects.annotate(x=_subquery()).filter(x="x").values("pk")
    nested = Instrument.objects.filter(pk__in=inner).annotate(x=written).values_list("pk", "x")
    assert sorted(nested) == sorted(
        Instrument.objects.filter(pk__in=django).annotate(x=_subquery()).values_list("pk", "x")
    )
    assert sorted(pk for pk, _ in nested) == sorted(g.pk for g in gauges[:-1])


@pytest.mark.django_db
def test_the_registers_subqueries_read_what_django_reads(client_for, quality_manager, head, dept):
    """The training files' roles held and open needs, the CAPAs' open actions, the documents'
    current label and open acknowledgments, the job roles' competences and holders, the machines'
    next maintenance and approved postponements."""
    from calibration import services as calibration_services
    from calibration.models import Machine
    from calibration.views.machines import next_maintenance, postponed
    from capa.models import Action
    from capa.views.registers import open_actions
    from documents.models import Document
    from documents.selectors import current_label, open_acknowledgments
    from qms.services import transition
    from tests.calibration import factories as calibration
    from tests.capa.factories import CapaFactory
    from tests.documents.factories import DocumentFactory, approver, issue
    from tests.training import factories as training
    from training import services as training_services
    from training.models import JobRole
    from training.views.catalogue import competences_needed, people_holding
    from training.views.files import open_needs, roles_held

    capa = CapaFactory(owner=head, department=dept)
    Action.objects.create(
        capa=capa, number=1, title="Fix the jig", owner=head, due_date=DAY, kind="corrective"
    )
    machining = training.competence(dept)
    role = training.job_role(dept, title="Setter", needs=[(machining, 2)])
    setter = training.file_of(training.person(dept))
    training_services.job_role_take(file=setter, by=head, job_role=role, since=DAY)
    training.file_of(training.person(dept))  # a file of no role and no need
    manual = DocumentFactory(owner=head, department=dept, distribution_people=[head])
    issue(manual, approver(), label="2")
    DocumentFactory(owner=head, department=dept)  # a draft only: no label, nothing to acknowledge
    press = calibration.machine(dept)
    plan = calibration.plan(press, next_due=DAY)
    calibration.plan(calibration.machine(dept), next_due=DAY)  # a plan never postponed
    postponement = calibration_services.postponement_request(
        plan=plan, by=head, new_due=DAY + dt.timedelta(days=3), reason="Parts late"
    )
    transition(obj=postponement, name="approve", by=quality_manager)
    calibration.machine(dept)  # a machine of no plan
    for model, build in (
        (Machine, next_maintenance),
        (Machine, postponed),
        (Capa, open_actions),
        (TrainingFile, roles_held),
        (TrainingFile, open_needs),
        (Document, current_label),
        (Document, open_acknowledgments),
        (JobRole, competences_needed),
        (JobRole, people_holding),
    ):
        mine = model.objects.annotate(x=once(model, build)).order_by("pk").values_list("pk", "x")
        assert list(mine) == list(model.objects.annotate(x=build()).order_by("pk").values_list("pk", "x"))
    assert Capa.objects.annotate(x=once(Capa, open_actions)).get().x == 1
    files = TrainingFile.objects.annotate(
        held=once(TrainingFile, roles_held), open=once(TrainingFile, open_needs)
    )
    assert sorted(files.values_list("held", "open")) == [("", 0), ("Setter", 1)]
    documents = Document.objects.annotate(
        label=once(Document, current_label), acks=once(Document, open_acknowledgments)
    ).order_by("pk")
    assert list(documents.values_list("label", "acks")) == [("2", 1), (None, 0)]
    roles = JobRole.objects.annotate(
        needed=once(JobRole, competences_needed), holding=once(JobRole, people_holding)
    )
    assert list(roles.values_list("needed", "holding")) == [(1, 1)]


def test_a_plain_column_is_its_own_slot():
    sql, params = Instrument.objects.annotate(x=once(Instrument, _column)).values("x").query.sql_with_params()
    assert sql == Instrument.objects.annotate(x=F("title")).values("x").query.sql_with_params()[0]
    assert params == ()
