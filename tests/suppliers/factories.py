"""Builders for supplier tests: everything through the services, so references, history and
signatures are what the product would produce."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from qms.models import Department, Role, User
from suppliers import services
from suppliers.models import Supplier, SupplierCertificate
from tests.factories import PASSWORD, UserFactory

_names = itertools.count(1)


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def quality() -> User:
    return User.objects.filter(role=Role.QUALITY_MANAGER).first() or UserFactory(
        role=Role.QUALITY_MANAGER, department=None
    )


def supplier(department: Department, *, owner: User | None = None, name: str = "", **fields) -> Supplier:
    by = quality()
    fields.setdefault("tier", "major")
    return services.supplier_create(
        by=by,
        name=name or f"Supplier {next(_names)} GmbH",
        owner=owner or by,
        department=department,
        **fields,
    )


def certificate(
    s: Supplier, kind: str = "iso9001", *, issued: int = -300, expires: int | None = 400
) -> SupplierCertificate:
    return services.certificate_add(
        by=quality(),
        supplier=s,
        kind=kind,
        number=f"C-{next(_names)}",
        issuer="TÜV",
        issued_on=days(issued),
        expires_on=days(expires) if expires is not None else None,
    )


def approved(department: Department, **fields) -> Supplier:
    s = supplier(department, **fields)
    certificate(s)
    if s.calibration_lab:
        certificate(s, "iso17025")
    return services.supplier_approve(supplier=s, by=quality(), password=PASSWORD)


def scar(supplier: Supplier, by: User, *, problem: str = "Rust on bars."):
    """A SCAR drafted by ``by`` to ``supplier``'s only contact."""
    return services.scar_create(
        by=by,
        supplier=supplier,
        contact=supplier.contacts.get(),
        problem=problem,
        owner=by,
        department=by.department,
    )
