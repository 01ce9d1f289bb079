"""The NCR page and the CAPA page, and who is offered each form on them. The forms themselves are
declared in ``capa.urls``; the kernel posts them and shows a refusal beside the field."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from qms import access
from qms.views import RecordDetailView
from qms.views.actions import may_change
from qms.views.records import page_forms

from .. import selectors, services
from ..models import CHECK_JUDGED_STATUSES, Capa, EffectivenessCheck, Nonconformity, analysis_frozen


def may_disposition(user, ncr: Nonconformity) -> bool:
    step = ncr.workflow.get("disposition")
    return ncr.status in step.sources and bool(step.allowed & access.relations(user, ncr))


def may_analyse(user, capa: Capa) -> bool:
    """The root cause is recorded until the CAPA is in verification (``analysis_frozen``)."""
    return may_change(user, capa) and analysis_frozen(capa) is None


def may_verify(user, capa: Capa) -> bool:
    return may_change(user, capa) and capa.status == "actions"


def may_close(user, capa: Capa) -> bool:
    return may_change(user, capa) and capa.status == "verification"


def may_replan(user, check: EffectivenessCheck) -> bool:
    return (
        may_change(user, check)
        and check.result == EffectivenessCheck.Result.PENDING
        and check.capa.status == "verification"
    )


def may_judge(user, check: EffectivenessCheck) -> bool:
    """The verifier signs the check off even without other rights on the CAPA, and so may whoever
    may change the CAPA, once it is verified; never the CAPA owner nor the owner of one of its
    corrective or preventive actions (they are told why)."""
    capa = check.capa
    if check.result != EffectivenessCheck.Result.PENDING or capa.status not in CHECK_JUDGED_STATUSES:
        return False
    problem = services.verifier_problem(capa, user, signing=True)
    if problem:
        raise PermissionDenied(problem)
    return user.pk == check.verifier_id or access.can_change(user, capa)


def judged(check: EffectivenessCheck, data: dict) -> str:
    if data["result"] == EffectivenessCheck.Result.NOT_EFFECTIVE:
        return "Not effective: the CAPA is reopened for a new investigation."
    return "Effectiveness check signed off."


def closed(capa: Capa, data: dict) -> str:
    document = data.get("document")
    if document is not None:
        return f"CAPA closed; a change request was raised for {document.display_reference}."
    return "CAPA closed."


class NonconformityDetailView(RecordDetailView):
    def extra_context_for(self, record, forms) -> dict:
        return selectors.ncr_page(self.request.user, record)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # From the attachments the page's tab reads: one query for both.
        ctx["photos"] = selectors.photos(ctx["attachments"])
        return ctx


class CapaDetailView(RecordDetailView):
    def extra_context_for(self, record, forms) -> dict:
        context = selectors.capa_page(self.request.user, record)
        pending = context["pending_check"]
        # The forms of the pending effectiveness check (re-plan, sign off) are shown on the CAPA.
        context.update(
            page_forms(self.request, pending, forms)
            if pending is not None
            else {"plan_form": forms.get("plan_form"), "result_form": forms.get("result_form")}
        )
        context["pdf_url"] = reverse("capa:capa_8d", args=[record.pk])
        # A verifier who has since been given one of the actions is told why no sign-off form is
        # offered (the CAPA owner has a sentence of their own on the page).
        user = self.request.user
        context["verifier_not_independent"] = (
            services.verifier_problem(record, user, signing=True)
            if pending is not None and pending.verifier_id == user.pk and user.pk != record.owner_id
            else None
        )
        return context
