"""Reads the CAPA module's pages assemble: the NCR page, the CAPA page, the 8D report and the
analysis counts. Every read takes the user and goes through ``qms.access``: a CAPA's rows are
read within the user's scope of the CAPA, and the NCRs it deals with only as far as the user may
see them (an action owner from another department reads the CAPA, not its NCRs)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone

from qms import access
from qms.filters import OPEN
from qms.models import User
from qms.selectors import links_of
from qms.uploads import WEB_IMAGES

from .filters import UNCLASSIFIED
from .models import (
    Action,
    Capa,
    CauseCategory,
    ContainmentAction,
    Discipline,
    EffectivenessCheck,
    FishboneCause,
    Nonconformity,
    Source,
    Why,
    analysis_frozen,
    plan_frozen,
)

AGING_BUCKETS = [
    (0, 30, "0–30 days"),
    (31, 60, "31–60"),
    (61, 90, "61–90"),
    (91, 180, "91–180"),
    (181, None, "over 180"),
]


def _rows(model, capa: Capa, user: User) -> QuerySet:
    """The rows of one kind inside ``capa``, as the user may see them; each row's ``capa`` is
    ``capa`` itself (read through the relation), so asking a row about its CAPA reads nothing."""
    related = getattr(capa, model._meta.get_field("capa").remote_field.get_accessor_name())
    return access.restrict(related.all(), user)


def ncr_page(user: User, ncr: Nonconformity) -> dict[str, Any]:
    """What the NCR page shows besides the record and its photos (``photos``): the CAPAs raised
    for it."""
    return {"capas": access.restrict(ncr.capas.all(), user).select_related("owner")}


def photos(attachments) -> list:
    """The photos of the nonconforming part among a record's attachments, shown on the NCR
    itself; other files (a TIFF, a PDF) stay in the attachments tab. Browsers show these inline."""
    return [a for a in attachments if a.mime_type in WEB_IMAGES]


def _fishbone(causes: list[FishboneCause]) -> list[tuple[str, str, list[FishboneCause]]]:
    return [
        (value, label, [c for c in causes if c.category == value]) for value, label in CauseCategory.choices
    ]


def _with_signatures(checks: list[EffectivenessCheck]) -> None:
    """Each check's electronic signatures, valid or void (``check.signature_rows``), in one query."""
    from django.contrib.contenttypes.models import ContentType

    from qms.models import Signature
    from qms.services.signatures import content_hash

    found: dict[int, list] = {}
    if checks:
        ct = ContentType.objects.get_for_model(EffectivenessCheck)
        signatures = Signature.objects.filter(content_type=ct, object_id__in=[c.pk for c in checks])
        for signature in signatures.order_by("signed_at", "pk"):
            found.setdefault(signature.object_id, []).append(signature)
    for check in checks:
        now = content_hash(check)
        check.signature_rows = [(s, s.is_valid_for(now)) for s in found.get(check.pk, [])]


def capa_page(user: User, capa: Capa) -> dict[str, Any]:
    """What the CAPA page shows besides the record: its NCRs, containment, analysis, actions and
    effectiveness checks, and which of them this user may change."""
    changer = access.can_change(user, capa) and not capa.is_closed and not user.is_auditor
    actions = list(_rows(Action, capa, user).select_related("owner"))
    containment = list(_rows(ContainmentAction, capa, user).select_related("owner"))
    for row in [*actions, *containment]:
        # The person a row is assigned to reports on it from outside the CAPA too.
        row.editable = changer or (not user.is_auditor and not capa.is_closed and row.assignee_id == user.pk)
    checks = list(
        _rows(EffectivenessCheck, capa, user).select_related("planned_by", "verifier", "verified_by")
    )
    _with_signatures(checks)
    causes = list(_rows(FishboneCause, capa, user))
    disciplines = {d.discipline: d for d in _rows(Discipline, capa, user)}
    return {
        "changer": changer,
        "analysis_removable": changer and capa.analysis_is_draft,
        "ncrs": access.restrict(capa.nonconformities.all(), user),
        "actions": actions,
        "containment": containment,
        "whys": list(_rows(Why, capa, user)),
        "fishbone": _fishbone(causes),
        "has_causes": bool(causes),
        "disciplines": [(value, label, disciplines.get(value)) for value, label in Discipline.D.choices],
        "checks": checks,
        "pending_check": next((c for c in checks if c.result == EffectivenessCheck.Result.PENDING), None),
        "is_owner": user.pk == capa.owner_id,
        # Why no action may be added now (in verification), for whoever would otherwise add one.
        "actions_frozen": plan_frozen(capa) if changer else None,
        "analysis_frozen": analysis_frozen(capa) if changer else None,
        "today": timezone.localdate(),
        # Which sections of the page are open: those of the stage the CAPA is in (an auditor
        # reads the whole record: every section open).
        "stage": {
            "containment": user.is_auditor or capa.status in ("open", "containment"),
            "analysis": user.is_auditor or capa.status == "investigation",
            "actions": user.is_auditor or capa.status == "actions",
            "effectiveness": user.is_auditor or capa.status in ("verification", "closed"),
            "disciplines_written": bool(disciplines),
        },
    }


def eight_d_report(user: User, capa: Capa) -> dict[str, Any]:
    """The 8D report of one CAPA, as the user may read it: the NCRs and linked records outside
    their scope are left out (their titles, parts and lots are not theirs to read), only counted."""
    actions = list(_rows(Action, capa, user).select_related("owner"))
    containment = list(_rows(ContainmentAction, capa, user).select_related("owner"))
    team = {capa.owner_id: capa.owner}
    for row in [*containment, *actions]:
        team.setdefault(row.owner_id, row.owner)
    causes = list(_rows(FishboneCause, capa, user))
    links, links_hidden = links_of(capa, user)  # what contributed: the supplier change, the gauge …
    return {
        "capa": capa,
        "links": links,
        "links_hidden": links_hidden,
        "ncrs": list(access.restrict(capa.nonconformities.all(), user)),
        "team": list(team.values()),
        "containment": containment,
        "whys": list(_rows(Why, capa, user)),
        "fishbone": [(label, items) for _value, label, items in _fishbone(causes)],
        "d": {d.discipline: d.text for d in _rows(Discipline, capa, user)},
        "actions": actions,
        "corrective": [a for a in actions if a.kind != Action.Kind.PREVENTIVE],
        "preventive": [a for a in actions if a.kind == Action.Kind.PREVENTIVE],
        "checks": list(
            _rows(EffectivenessCheck, capa, user).select_related("verifier", "verified_by", "planned_by")
        ),
    }


def analysis(user: User, start: dt.date, end: dt.date, *, department=None) -> dict[str, Any]:
    """The counts behind the analysis charts, of the records the user may see (of one department,
    given one): NCRs raised in the period by cause category and by source, and today's open CAPAs
    by age. Each count links to the register filtered as the count was taken."""
    ncrs = access.restrict(Nonconformity.objects.all(), user).filter(
        created_at__date__gte=start, created_at__date__lte=end
    )
    capas = access.restrict(Capa.objects.open(), user)
    narrowed = {}
    if department is not None:
        ncrs, capas = ncrs.filter(department=department), capas.filter(department=department)
        narrowed = {"department": getattr(department, "pk", department)}
    cause_labels, source_labels = dict(CauseCategory.choices), dict(Source.choices)
    # Each count opens the records behind it: the registers filtered as the count was taken.
    ncr_list = reverse("capa:nonconformity_list")
    period = {"reported_from": start.isoformat(), "reported_to": end.isoformat(), **narrowed}
    by_cause = [
        (
            cause_labels.get(row["cause_category"], "Not yet classified"),
            row["n"],
            f"{ncr_list}?{urlencode({'cause_category': row['cause_category'] or UNCLASSIFIED, **period})}",
        )
        for row in ncrs.values("cause_category").annotate(n=Count("pk")).order_by()
    ]
    by_source = [
        (
            source_labels.get(row["source"], row["source"]),
            row["n"],
            f"{ncr_list}?{urlencode({'source': row['source'], **period})}",
        )
        for row in ncrs.values("source").annotate(n=Count("pk")).order_by()
    ]
    today = timezone.localdate()
    opened = capas.values_list("created_at", flat=True)
    ages = [(today - timezone.localdate(created)).days for created in opened]
    capa_list = reverse("capa:capa_list")
    aging = []
    for low, high, label in AGING_BUCKETS:
        opened = {"status": OPEN, "opened_to": (today - dt.timedelta(days=low)).isoformat(), **narrowed}
        if high is not None:
            opened["opened_from"] = (today - dt.timedelta(days=high)).isoformat()
        count = sum(1 for a in ages if a >= low and (high is None or a <= high))
        aging.append((label, count, f"{capa_list}?{urlencode(opened)}"))
    return {"by_cause": by_cause, "by_source": by_source, "aging": aging, "open_capas": len(ages)}
