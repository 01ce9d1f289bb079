"""A supplier's scorecard, the ranking of all suppliers, the tier policies, the evaluation's child
rows and the supplier search behind the picker."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.generic import TemplateView

from qms import access
from qms.views import QMSView
from qms.views.base import WriteView

from .. import selectors, services
from ..forms import TierPolicyForm
from ..models import (
    Supplier,
    Tier,
    TierPolicy,
)

# --- scorecard, ranking, tiers -----------------------------------------------------------------


class ScorecardView(QMSView, TemplateView):
    template_name = "suppliers/scorecard.html"
    model = Supplier

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        supplier = get_object_or_404(
            access.restrict(Supplier.objects.all(), self.request.user), pk=kwargs["pk"]
        )
        ctx.update(supplier=supplier, **selectors.scorecard(supplier, user=self.request.user))
        return ctx


class RankingView(QMSView, TemplateView):
    template_name = "suppliers/ranking.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        suppliers = access.restrict(
            Supplier.objects.filter(status__in=("approved", "conditional")), self.request.user
        )
        tier = self.request.GET.get("tier", "")
        if tier and tier not in Tier.values:
            raise Http404("No such tier.")
        if tier:
            suppliers = suppliers.filter(tier=tier)
        ctx.update(
            rows=selectors.ranking(list(suppliers.select_related("owner"))),
            has_receipts=bool(selectors.receipt_measures()),
            tiers=Tier.choices,
            tier=tier,
        )
        return ctx


class TierPolicyListView(QMSView, TemplateView):
    template_name = "suppliers/tiers.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        counts = {
            row["tier"]: row["n"]
            for row in Supplier.objects.exclude(status="disqualified").values("tier").annotate(n=Count("pk"))
        }
        ctx.update(
            policies=[(p, counts.get(p.tier, 0)) for p in TierPolicy.objects.all()],
            may_edit=self.request.user.is_quality_manager,
        )
        return ctx


class TierPolicyUpdateView(WriteView):
    """The quality manager sets what a tier requires; the history keeps what it required when."""

    template_name = "qms/form_page.html"
    model = TierPolicy

    def policy(self, tier: str) -> TierPolicy:
        if not self.request.user.is_quality_manager:
            raise PermissionDenied("Only the quality manager sets what the tiers require.")
        return get_object_or_404(TierPolicy, tier=tier)

    def page(self, form, policy, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "object": policy,
                "title": f"What a {policy.get_tier_display().lower()} supplier needs",
                "submit_label": "Save",
                "cancel_url": reverse("suppliers:tiers"),
            },
            status=status,
        )

    def get(self, request, tier):
        policy = self.policy(tier)
        return self.page(TierPolicyForm(instance=policy), policy)

    def post(self, request, tier):
        from qms import history

        policy = self.policy(tier)
        form = TierPolicyForm(request.POST, instance=policy)
        if not form.is_valid():
            messages.error(request, "Nothing was saved: see the message below.")
            return self.page(form, policy, status=400)
        history.save(form.save(commit=False), by=request.user, reason="Tier requirements changed")
        messages.success(request, f"{policy}: saved.")
        return redirect("suppliers:tiers")


def evaluation_add(*, supplier, by, evaluated_on, evaluator, note="", criteria=(), **rows):
    """The evaluation form's rows, as the service takes them."""
    return services.evaluation_record(
        supplier=supplier,
        by=by,
        evaluated_on=evaluated_on,
        evaluator=evaluator,
        note=note,
        criteria=list(criteria),
    )
