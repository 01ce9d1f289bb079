"""Due items of the inspection module: open lots and inspections with a due date, owed by their
owner; receipts awaiting incoming inspection, owed by whoever keeps the IQC plan in use for
their part when they may inspect, else by the inspectors' head; and a schedule change proposed,
owed by the head of the lot's department who decides it, by the sooner of its two dates (through
the kernel's registry: My work, the Overview, alerts, the digest)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import (
    Case,
    DateField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Least

from qms.access import steward_codes
from qms.due_providers import QuerysetDueProvider, RecordDueProvider
from qms.models import Department, Role, User

from .models import GoodsReceipt, Inspection, InspectionPlan, ProductionLot, ScheduleChange
from .selectors import iqc_plans

MODULE = "Inspection"


def _awaiting_iqc():
    """Receipts neither accepted nor rejected, due ``INCOMING_INSPECTION_DAYS`` after they
    arrived, owed by whoever may record their inspection: the keeper of the IQC plan it follows
    (the plan for their supplier, else the plan for any supplier; the oldest if several) when
    they may (the quality manager, a department head, a member of the department that keeps
    inspections: quality control), else the head of that department, who gives it to an
    inspector; each with their department. A receipt of a part with no IQC plan in use has
    nobody to inspect it: the quality manager accepts it without inspection or rejects it, and
    it is not a due item."""
    plans = iqc_plans(OuterRef("part_number"), OuterRef("supplier_id")).order_by(
        F("supplier_id").asc(nulls_last=True), "pk"
    )
    inspectors = steward_codes(Inspection)
    may_inspect = Q(owner__is_active=True) & (
        Q(owner__role__in=(Role.QUALITY_MANAGER, Role.DEPARTMENT_HEAD))
        | Q(owner__department__code__in=inspectors)
    )
    head = Department.objects.filter(code__in=inspectors, head__is_active=True).order_by("pk")
    # Decided inside the plan's one row: a keeper who may not inspect hands it to the inspectors'
    # head (if there is one; no plan, no keeper: nobody's). The head's lookup is uncorrelated
    # (PostgreSQL reads it once per statement), so each receipt still reads its plan twice, as
    # before the hand-over: a Case over separate subqueries read it five times per receipt
    # (18 of My work's 20 ms of execution on the archive, as staff).
    acting = plans.annotate(
        acting_id=Case(
            When(may_inspect, then=F("owner_id")),
            default=Coalesce(Subquery(head.values("head_id")[:1]), F("owner_id")),
            output_field=InspectionPlan._meta.get_field("owner"),
        ),
        # The head's department, a key of the same type as the keeper's: the statement stays one
        # the registry can prepare.
        acting_department=Case(
            When(may_inspect, then=F("owner__department_id")),
            default=Coalesce(Subquery(head.values("head__department_id")[:1]), F("owner__department_id")),
            output_field=User._meta.get_field("department"),
        ),
    )
    return GoodsReceipt.objects.filter(status="received").annotate(
        iqc_owner_id=Subquery(acting.values("acting_id")[:1]),
        iqc_department=Subquery(acting.values("acting_department")[:1]),
        # date + integer is a date in PostgreSQL.
        iqc_due=ExpressionWrapper(
            F("received_on") + Value(settings.INCOMING_INSPECTION_DAYS), output_field=DateField()
        ),
    )


class IncomingInspectionDue(QuerysetDueProvider):
    """A receipt awaiting its incoming inspection, on the My work of whoever may inspect it."""

    def __init__(self) -> None:
        super().__init__(
            module=MODULE,
            kind="Incoming inspection",
            queryset=_awaiting_iqc,
            url_name="inspection:goodsreceipt_detail",
            key_prefix="inspection.iqc",
            owner_field="iqc_owner",
            due_field="iqc_due",
        )
        self.dept_f = "iqc_department"  # the owner's, read with the plan


def _proposed_changes():
    """Schedule changes waiting for a decision: by the sooner of the date planned and the one
    proposed (LEAST passes over a missing one)."""
    return ScheduleChange.objects.filter(status="proposed").annotate(
        decide_by=Least("old_date", "new_date"),
        asked=Concat(Value("Schedule change of lot "), "lot__lot_number", Value(" to decide")),
    )


PROVIDERS = [
    RecordDueProvider(ProductionLot, module=MODULE),
    RecordDueProvider(Inspection, module=MODULE),
    IncomingInspectionDue(),
    QuerysetDueProvider(
        module=MODULE,
        kind="Schedule change to decide",
        queryset=_proposed_changes,
        url_name="inspection:productionlot_detail",
        url_fields=("lot_id",),
        anchor=ScheduleChange.anchor,
        key_prefix="inspection.schedulechange",
        reference_field="lot__reference",
        title_field="asked",
        owner_field="lot__department__head",
        due_field="decide_by",
    ),
]
