from qms.services import record_create

from .models import Nonconformity


def load(company) -> None:
    record_create(
        model=Nonconformity,
        by=company.heads["QC"],
        title="Bore diameter out of tolerance on shipped lot 24-1187",
        source=Nonconformity.Source.CUSTOMER,
        severity=Nonconformity.Severity.MAJOR,
        description="Customer rejected 62% of lot 24-1187: Ø12 H7 bore measured 12.021–12.030 mm.",
        owner=company.heads["QC"],
        department=company.departments["QC"],
        due_date=company.days(-5),
    )
