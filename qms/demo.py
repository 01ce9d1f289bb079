"""The demo company: a 120-person precision machining and assembly shop, as in DOMAIN.md."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

from django.db import models
from django.utils import timezone

from .models import Department, Role, User

DEMO_PASSWORD = "demo1234"

DEPARTMENTS = [
    ("Production", "PROD", "hbauer", "Hannah", "Bauer", "Production manager"),
    ("Procurement", "PROC", "mweber", "Markus", "Weber", "Purchasing manager"),
    ("Quality Control", "QC", "sklein", "Sofia", "Klein", "QC supervisor"),
    ("Warehouse", "WH", "tfischer", "Tobias", "Fischer", "Warehouse lead"),
    ("Sales", "SALES", "lwagner", "Laura", "Wagner", "Sales manager"),
    ("Maintenance", "MAINT", "jschulz", "Jonas", "Schulz", "Maintenance lead"),
    ("Calibration", "CAL", "pbecker", "Paul", "Becker", "Metrology lead"),
    ("Engineering", "ENG", "ahoffmann", "Anna", "Hoffmann", "Engineering manager"),
    ("Training & HR", "HR", "ckoch", "Clara", "Koch", "HR manager"),
]

STAFF = [
    ("ozimmer", "Oliver", "Zimmer", "PROD", "CNC machinist, cell 3"),
    ("eyilmaz", "Emre", "Yilmaz", "PROD", "CNC machinist, cell 4"),
    ("kmaier", "Katrin", "Maier", "QC", "Quality inspector (IPQC)"),
    ("dlang", "David", "Lang", "QC", "Quality inspector (IQC)"),
    ("nroth", "Nina", "Roth", "ENG", "Process engineer"),
    ("fwolf", "Felix", "Wolf", "WH", "Goods-in clerk"),
]


@dataclass
class DemoCompany:
    """What module demo loaders receive: the people and departments, by short keys."""

    departments: dict[str, Department] = field(default_factory=dict)
    heads: dict[str, User] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    quality_manager: User | None = None
    top_management: User | None = None
    admin: User | None = None
    auditor: User | None = None
    today: dt.date = field(default_factory=timezone.localdate)
    # What a module does once every module's records are in (``load_demo`` runs them last): a
    # management review held then freezes figures that count them all.
    afterwards: list[Callable[[], None]] = field(default_factory=list)

    def days(self, n: int) -> dt.date:
        return self.today + dt.timedelta(days=n)

    def on(self, n: int, at: dt.time = dt.time(9, 0)):
        """``with company.on(-240):`` what is done inside happened 240 days ago (``happened_on``)."""
        return happened_on(self.days(n), at)


@contextmanager
def happened_on(day: dt.date, at: dt.time = dt.time(9, 0)) -> Iterator[None]:
    """Everything done inside happened on ``day`` (from ``at``, company time): records, their
    history rows, signatures, uploads and due dates are stamped with the story's own dates, not
    with the day the demo was loaded. The clock ticks a second a call, so the order holds.
    Demo loaders only: it patches ``django.utils.timezone.now``."""
    start = timezone.make_aware(dt.datetime.combine(day, at))
    ticks = itertools.count()
    with mock.patch(
        "django.utils.timezone.now", side_effect=lambda: start + dt.timedelta(seconds=next(ticks))
    ):
        yield


def backdate(obj: models.Model, **fields) -> None:
    """Give a row the demo made today the story's earlier ``fields`` (a lot released 27 days ago),
    in its history rows too: each row that held the value set today holds the story's value, so
    the History tab does not show it jumping back under the next person's change ("Released at:
    6 Dec → 9 Nov" beside "Shipped"). Demo loaders only."""
    model = type(obj)
    before = model._base_manager.filter(pk=obj.pk).values(*fields).get()
    model._base_manager.filter(pk=obj.pk).update(**fields)
    if hasattr(model, "history"):
        for name, value in fields.items():
            model.history.filter(id=obj.pk, **{name: before[name]}).update(**{name: value})
    obj.refresh_from_db(fields=list(fields))


def _user(username, first, last, role, department=None, title="", manager=None, **extra) -> User:
    user = User(
        username=username,
        first_name=first,
        last_name=last,
        email=f"{username}@demo-precision.example",
        role=role,
        department=department,
        job_title=title,
        manager=manager,
        is_staff=role == Role.ADMINISTRATOR,
        is_superuser=role == Role.ADMINISTRATOR,
        **extra,
    )
    user.set_password(DEMO_PASSWORD)
    user._change_reason = "Demo company"
    user.save()
    return user


def load_people() -> DemoCompany:
    company = DemoCompany()
    company.admin = _user("admin", "Ada", "Admin", Role.ADMINISTRATOR, title="IT and system administrator")
    company.top_management = _user(
        "mdirector", "Martin", "Richter", Role.TOP_MANAGEMENT, title="Managing director"
    )
    qm_dept = Department.objects.create(name="Quality Management", code="QM")
    company.departments["QM"] = qm_dept
    company.quality_manager = _user(
        "qm", "Eva", "Schneider", Role.QUALITY_MANAGER, qm_dept, "Quality manager"
    )
    qm_dept.head = company.quality_manager
    qm_dept.save()
    for name, code, username, first, last, title in DEPARTMENTS:
        dept = Department.objects.create(name=name, code=code)
        head = _user(
            username, first, last, Role.DEPARTMENT_HEAD, dept, title, manager=company.quality_manager
        )
        dept.head = head
        dept.save()
        company.departments[code] = dept
        company.heads[code] = head
        company.users[username] = head
    for username, first, last, code, title in STAFF:
        company.users[username] = _user(
            username, first, last, Role.STAFF, company.departments[code], title, manager=company.heads[code]
        )
    company.auditor = _user(
        "auditor",
        "Rita",
        "Brandt",
        Role.AUDITOR,
        title="External auditor, certification body",
        access_expires_on=company.days(60),
    )
    company.users["qm"] = company.quality_manager
    company.users["auditor"] = company.auditor
    return company


def logins() -> list[tuple[str, str, str]]:
    """(username, role, who) for the README and `make run`."""
    rows = [
        ("admin", "Administrator", "Ada Admin"),
        ("mdirector", "Top management", "Martin Richter, managing director"),
        ("qm", "Quality manager", "Eva Schneider"),
    ]
    rows += [(u, "Department head", f"{f} {la}, {t}") for _, _, u, f, la, t in DEPARTMENTS]
    rows += [(u, "Staff", f"{f} {la}, {t}") for u, f, la, _, t in STAFF]
    rows.append(("auditor", "Auditor (read-only, expires in 60 days)", "Rita Brandt, certification body"))
    return rows
