"""An expression compiled once (``qms.compiled.once``) writes what Django writes for it, reads the
same rows wherever the query puts it (a filter, a subquery with its aliases relabelled), is
compiled again for new arguments, and refuses what it cannot keep: a join or a subquery."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Case, CharField, Exists, F, OuterRef, Value, When

from calibration.models import Calibration, Instrument
from calibration.models.instruments import standing_case
from calibration.views.registers import _on_time, _result
from capa.models import Capa, Nonconformity
from capa.views.registers import age_to_close
from qms.compiled import once
from reviews.models import ReviewAction
from reviews.views.actions import on_time_case
from suppliers.models import SupplierCertificate
from suppliers.views.suppliers import validity_case
from tests.calibration.factories import calibrate, instrument
from tests.factories import DepartmentFactory

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


@pytest.mark.parametrize("build", [_joined, _subquery])
def test_what_reads_beyond_the_models_own_columns_is_refused(build):
    with pytest.raises(Exception, match="own columns|Joined field references are not permitted"):
        once(Instrument, build)


def test_a_plain_column_is_its_own_slot():
    sql, params = Instrument.objects.annotate(x=once(Instrument, _column)).values("x").query.sql_with_params()
    assert sql == Instrument.objects.annotate(x=F("title")).values("x").query.sql_with_params()[0]
    assert params == ()
