import factory

from capa.models import Nonconformity
from tests.factories import RecordFactory


class NonconformityFactory(RecordFactory):
    class Meta:
        model = Nonconformity

    title = factory.Sequence(lambda n: f"Burr on part {n}")
    description = "Burr on the chamfer, 3 of 50 parts."
    source = Nonconformity.Source.INTERNAL
    severity = Nonconformity.Severity.MINOR
