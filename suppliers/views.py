"""The supplier module's pages: the kernel's record views declared for suppliers, change
notifications and SCARs (their own services behind create and edit), the certificate register,
a supplier's scorecard, the ranking of all suppliers and the tier policies."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, CharField, Count, Q, Value, When
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from qms import access, search
from qms.filters import FilterSet, RecordFilter, date_range
from qms.views import QMSView, RecordCreateView, RecordDetailView, RecordListView, RecordUpdateView
from qms.views.base import WriteView

from . import selectors, services
from .forms import TierPolicyForm
from .models import (
    CertificateKind,
    Scar,
    Supplier,
    SupplierCertificate,
    SupplierChange,
    Tier,
    TierPolicy,
)
from .models.changes import ChangeKind


def step_may(name: str):
    """``may`` of a form that performs the workflow step ``name``: offered where the step is, to
    those the step allows."""

    def may(user, obj) -> bool:
        step = type(obj).workflow.get(name)
        return obj.status in step.sources and bool(access.relations(user, obj) & step.allowed)

    may.__name__ = f"may_{name}"
    return may


# --- suppliers ---------------------------------------------------------------------------------


class SupplierFilter(RecordFilter):
    tier = django_filters.ChoiceFilter(choices=Tier.choices, empty_label="Any tier")
    calibration_lab = django_filters.BooleanFilter(label="Calibration laboratory")
    # What the KPIs of 8.4 count on a day: suppliers in use lacking a required certificate, or
    # whose evaluation was due before it; ``supplier`` narrows to one (a scorecard's figure).
    lacking_on = django_filters.DateFilter(label="Lacking a required certificate on", method="filter_lacking")
    evaluation_overdue_on = django_filters.DateFilter(
        label="Evaluation overdue on", method="filter_evaluation_overdue"
    )
    supplier = django_filters.NumberFilter(field_name="pk", widget=forms.HiddenInput)

    def filter_lacking(self, queryset, name, value):
        return queryset.filter(pk__in=selectors.lacking_required([value])[value])

    def filter_evaluation_overdue(self, queryset, name, value):
        return queryset.filter(status__in=selectors.IN_USE, due_date__lt=value)

    class Meta:
        model = Supplier
        fields: list[str] = []


class SupplierListView(RecordListView):
    filterset_class = SupplierFilter
    title = "Approved supplier list"
    columns = [
        ("reference", "Reference"),
        ("name", "Supplier"),
        ("get_tier_display", "Tier"),
        ("status", "Status"),
        ("commodities", "Supplies"),
        ("due_date", "Next evaluation"),
        ("owner", "Kept by"),
    ]
    select_related = ("owner", "department")
    search_fields = ("reference", "name", "commodities", "processes", "part_numbers", "vat_number")


class SupplierCreateView(RecordCreateView):
    def create(self, form):
        return services.supplier_create(by=self.request.user, **form.record_fields())


class SupplierUpdateView(RecordUpdateView):
    def update(self, form):
        fields = {name: form.cleaned_data[name] for name in form.record_fields()}
        supplier = Supplier.objects.get(pk=form.instance.pk)
        return services.supplier_update(
            supplier=supplier, by=self.request.user, reason=form.cleaned_data.get("reason", ""), **fields
        )


class SupplierDetailView(RecordDetailView):
    def extra_context_for(self, record, forms) -> dict:
        policy = selectors.policy_for(record.tier)
        required = selectors.required_kinds(record, policy)
        today = timezone.localdate()
        changes = list(record.changes.order_by("-received_on", "-pk")[:20])
        return {
            "policy": policy,
            "required": [(kind, dict(CertificateKind.choices)[kind]) for kind in required],
            "missing": selectors.missing_certificates(record),
            "open_changes": [c for c in changes if c.is_open],
            "changes": changes,
            "scars": list(record.scars.order_by("-created_at")[:20]),
            "today": today,
            "renew_from": today + timezone.timedelta(days=60),
            "can_raise_change": access.can_create(self.request.user, SupplierChange),
            "can_raise_scar": access.can_create(self.request.user, Scar) and record.status != "prospective",
        }


# --- certificates ------------------------------------------------------------------------------


class CertificateFilter(FilterSet):
    kind = django_filters.ChoiceFilter(choices=CertificateKind.choices, empty_label="Any kind")
    expiring = django_filters.ChoiceFilter(
        label="Expiry",
        choices=[("expired", "Expired"), ("60", "Expiring within 60 days")],
        method="filter_expiring",
        empty_label="Any expiry",
    )
    status = django_filters.ChoiceFilter(
        choices=SupplierCertificate.workflow.choices, empty_label="Current or withdrawn"
    )

    class Meta:
        model = SupplierCertificate
        fields: list[str] = []

    def filter_expiring(self, queryset, name, value):
        today = timezone.localdate()
        if value == "expired":
            return queryset.filter(expires_on__lt=today)
        return queryset.filter(expires_on__gte=today, expires_on__lte=today + timezone.timedelta(days=60))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            field.widget.attrs["class"] = "form-select"


# A certificate's standing as the register shows it: "Current" is what the row says, "Expired" what
# its date says (the supplier's page already marked it; the register said "Current").
VALIDITY = {"current": "Current", "expired": "Expired", "withdrawn": "Withdrawn"}


class CertificateListView(RecordListView):
    model = SupplierCertificate
    filterset_class = CertificateFilter
    title = "Supplier certificates"
    creatable = False
    columns = [
        ("supplier__name", "Supplier"),
        ("get_kind_display", "Certificate"),
        ("number", "Number"),
        ("issuer", "Issued by"),
        ("issued_on", "Issued"),
        ("expires_on", "Expires"),
        ("validity", "Status"),
    ]
    labels = {"validity": VALIDITY}
    select_related = ("supplier",)
    search_fields = ("supplier__name", "number", "issuer")
    ordering = ("expires_on", "pk")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(
                validity=Case(
                    When(status="withdrawn", then=Value("withdrawn")),
                    When(expires_on__lt=timezone.localdate(), then=Value("expired")),
                    default=Value("current"),
                    output_field=CharField(),
                )
            )
        )


# --- change notifications ----------------------------------------------------------------------


class ChangeFilter(RecordFilter):
    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.order_by("name"), empty_label="Any supplier"
    )
    kind = django_filters.ChoiceFilter(choices=ChangeKind.choices, empty_label="Any kind of change")
    open_on = django_filters.DateFilter(label="Open on", method="filter_open_on")

    def filter_open_on(self, queryset, name, value):
        """The changes open on the day ``value`` (what the KPI "Supplier changes open" counts)."""
        return queryset.filter(selectors.changes_open_on(value))

    class Meta:
        model = SupplierChange
        fields: list[str] = []


class ChangeListView(RecordListView):
    filterset_class = ChangeFilter
    title = "Supplier change notifications"
    columns = [
        ("reference", "Reference"),
        ("supplier__name", "Supplier"),
        ("title", "Change"),
        ("get_kind_display", "What changes"),
        ("received_on", "Notified or found"),
        ("status", "Status"),
        ("due_date", "Evaluate by"),
    ]
    select_related = ("supplier", "owner", "department")
    search_fields = ("reference", "title", "supplier__name", "affected_parts")


class ChangeCreateView(RecordCreateView):
    def get_initial(self):
        initial = super().get_initial()
        supplier = self.request.GET.get("supplier", "")
        if supplier.isdigit() and len(supplier) < 12:
            initial["supplier"] = int(supplier)
        initial.setdefault("received_on", timezone.localdate())
        return initial

    def create(self, form):
        return services.change_create(by=self.request.user, **form.record_fields())


class ChangeUpdateView(RecordUpdateView):
    pass


class ChangeDetailView(RecordDetailView):
    def extra_context_for(self, record, forms) -> dict:
        return {"supplier": record.supplier}


# --- SCARs -------------------------------------------------------------------------------------


class ScarFilter(RecordFilter):
    supplier = django_filters.ModelChoiceFilter(
        queryset=Supplier.objects.order_by("name"), empty_label="Any supplier"
    )
    due_from, due_to = date_range("due_date", "Answer due")
    late_on = django_filters.DateFilter(label="Late as of", method="filter_late_on")

    def filter_late_on(self, queryset, name, value):
        """The SCARs late as of the day ``value`` (``scars_late_on``: what the KPI "SCARs answered
        late or overdue" counts as of today)."""
        return queryset.filter(selectors.scars_late_on(value))

    class Meta:
        model = Scar
        fields: list[str] = []


class ScarListView(RecordListView):
    filterset_class = ScarFilter
    title = "SCARs"
    columns = [
        ("reference", "Reference"),
        ("supplier__name", "Supplier"),
        ("title", "Title"),
        ("status", "Status"),
        ("due_date", "Answer due"),
        ("owner", "Owner"),
    ]
    select_related = ("supplier", "owner", "department")
    search_fields = ("reference", "title", "supplier__name")


class ScarCreateView(RecordCreateView):
    def get_initial(self):
        initial = super().get_initial()
        supplier = self.request.GET.get("supplier", "")
        if supplier.isdigit() and len(supplier) < 12:
            initial["supplier"] = int(supplier)
        return initial

    def create(self, form):
        return services.scar_create(by=self.request.user, **form.record_fields())


class ScarUpdateView(RecordUpdateView):
    pass


class ScarDetailView(RecordDetailView):
    pass


def scar_prefill(ncr) -> dict:
    """A SCAR raised from an NCR: the supplier the NCR names (a link), its quality contact, the
    nonconformity in the NCR's words."""
    found = selectors.suppliers_of(ncr)
    initial = {
        "title": f"SCAR: {ncr.title}"[:200],
        "problem": "\n".join(
            line
            for line in (
                f"{ncr.reference}: {ncr.title}",
                f"Part: {ncr.part}" if ncr.part else "",
                f"Lot / delivery: {ncr.lot}" if ncr.lot else "",
                f"Quantity affected: {ncr.quantity_affected}" if ncr.quantity_affected else "",
                ncr.description,
            )
            if line
        ),
    }
    if found:
        supplier = found[0]
        initial["supplier"] = supplier.pk
        contact = supplier.contacts.filter(quality_contact=True).exclude(email="").first()
        if contact is not None:
            initial["contact"] = contact.pk
    return initial


# --- scorecard, ranking, tiers -----------------------------------------------------------------


class ScorecardView(QMSView, TemplateView):
    template_name = "suppliers/scorecard.html"
    model = Supplier

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        supplier = get_object_or_404(
            access.restrict(Supplier.objects.all(), self.request.user), pk=kwargs["pk"]
        )
        ctx.update(supplier=supplier, **selectors.scorecard(supplier))
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


class SupplierSearchView(QMSView):
    """The supplier picker's search (JSON, ``qms.widgets.PickerSource``): the suppliers whose name,
    reference or commodities hold every word typed, 20 at most, by name."""

    def get(self, request):
        text = request.GET.get("q", "").replace("\x00", "").strip()[:50]
        found = []
        if text:
            q = Q()
            for word in text.split():  # each word in any of the fields, as the register's search box
                q &= search.contains(Supplier, word, ("name", "reference", "commodities"))
            scope = access.restrict(Supplier.objects.all(), request.user)
            found = scope.filter(q).order_by("name", "pk")[:20]
        return JsonResponse({"results": [{"id": s.pk, "label": str(s)} for s in found]})
