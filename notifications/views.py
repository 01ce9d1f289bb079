"""The deliveries log: what the product emailed to whom, when, and what the mail server said.
Administrators and quality managers only (auditors included in "only": the log holds other
people's mail)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, ListView

from qms.models import Role
from qms.views import QMSView, WriteView

from .delivery import delivery_retry_now, kind_labels
from .models import Delivery

ALLOWED_ROLES = (Role.ADMINISTRATOR, Role.QUALITY_MANAGER)


def may_see_deliveries(user) -> bool:
    return user.is_authenticated and user.role in ALLOWED_ROLES


class DeliveryListView(QMSView, ListView):
    model = Delivery
    template_name = "notifications/delivery_list.html"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_see_deliveries(request.user):
            raise PermissionDenied("Only administrators and quality managers see the email log.")
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        qs = Delivery.objects.select_related("recipient").defer("body_text", "body_html")
        params = self.request.GET
        if params.get("status") in Delivery.Status.values:
            qs = qs.filter(status=params["status"])
        if params.get("kind") in kind_labels():
            qs = qs.filter(kind=params["kind"])
        # PostgreSQL refuses a NUL byte in a query: a search box may be sent anything.
        q = params.get("q", "").replace("\x00", "").strip()
        if q:
            qs = qs.filter(Q(to_email__icontains=q) | Q(subject__icontains=q) | Q(key__icontains=q))
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        ctx.update(
            statuses=Delivery.Status.choices,
            kinds=list(kind_labels().items()),
            current={k: self.request.GET.get(k, "") for k in ("status", "kind", "q")},
            querystring=params.urlencode(),
        )
        return ctx


class _DeliveryObjectMixin:
    """A single delivery: someone who may not see the log gets a 404, as for any record outside
    one's scope."""

    model = Delivery

    def get_delivery(self) -> Delivery:
        if not may_see_deliveries(self.request.user):
            raise Http404("No such delivery.")
        return get_object_or_404(Delivery.objects.select_related("recipient"), pk=self.kwargs["pk"])


class DeliveryDetailView(_DeliveryObjectMixin, QMSView, DetailView):
    template_name = "notifications/delivery_detail.html"

    def get_object(self, queryset=None):
        return self.get_delivery()


class DeliveryRetryView(_DeliveryObjectMixin, WriteView):
    """Try a refused delivery again now (after the mail server or address was fixed)."""

    http_method_names = ["post"]

    def post(self, request, pk):
        delivery = self.get_delivery()
        if delivery_retry_now(delivery=delivery):
            from .tasks import flush_deliveries

            transaction.on_commit(flush_deliveries.delay)
            messages.success(request, f"{delivery.subject}: queued to be sent again.")
        else:
            messages.error(
                request, "Only a failed delivery can be retried; this one is " + delivery.status + "."
            )
        return redirect("notifications:delivery_detail", pk=delivery.pk)
