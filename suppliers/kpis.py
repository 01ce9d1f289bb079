"""KPIs of the supplier module (ISO 9001 8.4, performance of external providers), each as of the
last day of the period:

- Suppliers with an expired required certificate (approved or conditional suppliers).
- Overdue supplier evaluations (suppliers in use whose next evaluation was due before then).
- SCARs due in the period that were late: answered after their date, or still unanswered past
  it (per supplier; counted in the month they were due, once known to be late).
- Supplier changes open (not yet approved or rejected; per supplier).

The receipt figures (ppm, lots rejected, on time) are the inspection module's measures.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from qms import kpis

from .models import Scar, Supplier, SupplierChange
from .selectors import IN_USE, changes_open_on, lacking_required, scars_late_on


def _pk(subject) -> int:
    """A subject is a supplier or its id."""
    return getattr(subject, "pk", subject)


def expired_certificates_values(periods, subject=None) -> list[int]:
    """KPI: suppliers in use lacking a valid required certificate on each period's last day (up
    to today), read once for every period (``lacking_required``)."""
    suppliers = _of(Supplier.objects.all(), subject, "pk")
    lacking = lacking_required([p.judged_on() for p in periods], suppliers)
    return [len(lacking[p.judged_on()]) for p in periods]


def _of(queryset, subject, field: str = "supplier_id"):
    return queryset.filter(**{field: _pk(subject)}) if subject is not None else queryset


def overdue_evaluations_values(periods, subject=None) -> list[int]:
    """KPI: suppliers in use whose next evaluation was due before the period's last day."""
    found = _of(Supplier.objects.filter(status__in=IN_USE), subject, "pk")
    return kpis.at_each(found, periods, lambda p: Q(due_date__lt=p.judged_on()))


def scars_late_values(periods, subject=None) -> list[int]:
    """KPI: SCARs due in the period that were late as of today (``scars_late_on``): answered after
    their date, or still unanswered past it. Each late SCAR counts once, in the month it was due:
    one due on the 31st and answered in the next month is its due month's."""
    late = scars_late_on(timezone.localdate())
    return kpis.at_each(
        _of(Scar.objects.all(), subject), periods, lambda p: Q(due_date__range=(p.start, p.end)) & late
    )


def changes_open_values(periods, subject=None) -> list[int]:
    """KPI: supplier changes open on the period's last day (up to today)."""
    found = _of(SupplierChange.objects.all(), subject)
    return kpis.at_each(found, periods, lambda p: changes_open_on(p.judged_on()))


def _one(values):
    def value(period: kpis.Period, subject=None):
        return values([period], subject=subject)[0]

    value.__doc__ = values.__doc__
    return value


expired_certificates = _one(expired_certificates_values)
overdue_evaluations = _one(overdue_evaluations_values)
scars_late = _one(scars_late_values)
changes_open = _one(changes_open_values)


def _suppliers_on(name: str):
    """The supplier list as of the period's last day (up to today) by its filter ``name``, and
    only the measure's supplier when it has one."""

    def url(period: kpis.Period, subject=None) -> str:
        query = {name: period.judged_on(), **({"supplier": _pk(subject)} if subject is not None else {})}
        return reverse("suppliers:supplier_list") + "?" + urlencode(query)

    return url


def changes_open_url(period: kpis.Period, subject=None) -> str:
    """The supplier changes the count counted: open on the period's last day (up to today)."""
    query = {"open_on": period.judged_on(), **({"supplier": _pk(subject)} if subject is not None else {})}
    return reverse("suppliers:supplierchange_list") + "?" + urlencode(query)


def scars_late_url(period: kpis.Period, subject=None) -> str:
    """The SCARs the count counted: due in the period and late as of today."""
    query = {"due_from": period.start, "due_to": period.end, "late_on": timezone.localdate()}
    if subject is not None:
        query["supplier"] = _pk(subject)
    return reverse("suppliers:scar_list") + "?" + urlencode(query)


MEASURES = [
    kpis.Measure(
        "suppliers.expired_certificates",
        "Suppliers with an expired required certificate",
        "count",
        expired_certificates,
        values=expired_certificates_values,
        better="lower",
        subject="supplier",
        clause="8.4",
        url=_suppliers_on("lacking_on"),
    ),
    kpis.Measure(
        "suppliers.overdue_evaluations",
        "Overdue supplier evaluations",
        "count",
        overdue_evaluations,
        values=overdue_evaluations_values,
        better="lower",
        subject="supplier",
        clause="8.4",
        url=_suppliers_on("evaluation_overdue_on"),
    ),
    kpis.Measure(
        "suppliers.scars_late",
        "SCARs answered late or overdue",
        "count",
        scars_late,
        values=scars_late_values,
        better="lower",
        subject="supplier",
        clause="8.4",
        url=scars_late_url,
    ),
    kpis.Measure(
        "suppliers.changes_open",
        "Supplier changes open",
        "count",
        changes_open,
        values=changes_open_values,
        better="lower",
        subject="supplier",
        clause="8.4",
        url=changes_open_url,
    ),
]
