"""Route-walker builder for the CAPA: one CAPA with one of every row inside it. The kernel's child
and form-action views declare the row's model; the walker builds it through this, its record's
builder, and takes the row's URL keyword from what it returns."""

import datetime as dt

from django.utils import timezone

from capa import services
from capa.models import EffectivenessCheck
from qms import history
from tests.walker import builder


@builder("capa.capa")
def build_capa(owner, department) -> dict:
    from qms.models import Role, User
    from tests.capa.factories import NonconformityFactory

    ncr = NonconformityFactory(owner=owner, department=department)
    # Through the service, not the factory: it sets the CAPA's NCRs as users do.
    capa = services.capa_create(
        by=owner,
        nonconformities=[ncr],
        title="Walker CAPA",
        description="Walked by the route walker.",
        owner=owner,
        department=department,
        due_date=timezone.localdate() + dt.timedelta(days=30),
    )
    soon = timezone.localdate() + dt.timedelta(days=7)
    containment = services.containment_add(
        capa=capa, by=owner, description="Sort stock", owner=owner, due_date=soon
    )
    why = services.why_add(capa=capa, by=owner, answer="The tool wore out.")
    cause = services.cause_add(capa=capa, by=owner, category="machine", description="Worn boring bar")
    services.discipline_set(capa=capa, by=owner, discipline="D1", text="QC, production")
    action = services.action_add(
        capa=capa, by=owner, kind="corrective", title="Tool life limit", owner=owner, due_date=soon
    )
    verifier = User.objects.filter(role=Role.QUALITY_MANAGER).first() or owner
    # A pending check on a CAPA still open: its pages exist, though nobody may judge it yet.
    check = EffectivenessCheck(
        capa=capa,
        planned_date=soon + dt.timedelta(days=90),
        criteria="No rejects",
        planned_by=owner,
        verifier=verifier,
    )
    history.save(check, by=owner, reason="Planned for the route walk")
    return {
        "pk": capa.pk,
        "containment_pk": containment.pk,
        "why_pk": why.pk,
        "cause_pk": cause.pk,
        "action_pk": action.pk,
        "check_pk": check.pk,
        "_record": capa,
    }


@builder("capa.effectivenesscheck")
def build_check(owner, department) -> dict:
    """The register of effectiveness checks lists the checks of the CAPAs built: one each."""
    return build_capa(owner, department)
