import datetime as dt

import factory
from django.utils import timezone

from capa.models import Capa, Nonconformity
from tests.factories import RecordFactory


class NonconformityFactory(RecordFactory):
    class Meta:
        model = Nonconformity

    title = factory.Sequence(lambda n: f"Burr on part {n}")
    description = "Burr on the chamfer, 3 of 50 parts."
    source = Nonconformity.Source.INTERNAL
    severity = Nonconformity.Severity.MINOR


class CapaFactory(RecordFactory):
    class Meta:
        model = Capa

    title = factory.Sequence(lambda n: f"Bore oversize {n}")
    description = "Bore Ø12 H7 measured 12.021–12.030 mm on lot 24-1187."
    kind = Capa.Kind.CORRECTIVE
    source = Capa.Source.CUSTOMER
    severity = Capa.Severity.MAJOR
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=60))
