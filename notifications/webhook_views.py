"""Webhooks: the administrator keeps them (URL, events, the user each runs as, its secret); the
quality office reads them and their delivery log, as it reads the Email log, and may send a
failed delivery again. Auditors do not: like the Email log, the log holds what left the system
for someone else."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.generic import ListView

from qms.models import Role
from qms.views import QMSView, WriteView
from qms.views.base import add_errors

from . import webhooks
from .forms import WebhookForm
from .models import WebhookDelivery, WebhookEndpoint
from .views import may_see_deliveries
from .webhook_sender import webhook_retry_now

SHOWN_ONCE = "qms_webhook_secret"  # session key: a new secret, shown on the next page only


def may_keep_webhooks(user) -> bool:
    return user.is_authenticated and user.role == Role.ADMINISTRATOR


class _SeeMixin:
    """Webhooks and their log: the quality office; anyone else gets a 403 on a list, a 404 on one."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_see_deliveries(request.user):
            if "pk" in kwargs:
                raise Http404("No such webhook.")
            raise PermissionDenied("Only administrators and quality managers see webhooks.")
        return super().dispatch(request, *args, **kwargs)


class _KeepMixin:
    """The administrator's writes: a 403 to the quality manager (who reads them), a 404 on one
    webhook to anyone who may not even see it."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not may_keep_webhooks(user):
            if "pk" in kwargs and not may_see_deliveries(user):
                raise Http404("No such webhook.")
            raise PermissionDenied("Only the administrator keeps webhooks.")
        return super().dispatch(request, *args, **kwargs)


class WebhookListView(_SeeMixin, QMSView, ListView):
    model = WebhookEndpoint
    template_name = "notifications/webhook_list.html"
    paginate_by = 100

    def get_queryset(self):
        return WebhookEndpoint.objects.select_related("run_as")

    def get_context_data(self, **kwargs):
        return super().get_context_data(may_keep=may_keep_webhooks(self.request.user), **kwargs)


class WebhookDetailView(_SeeMixin, QMSView):
    model = WebhookEndpoint

    def get(self, request, pk):
        endpoint = get_object_or_404(WebhookEndpoint.objects.select_related("run_as"), pk=pk)
        recent = endpoint.deliveries.order_by("-created_at", "-id")[:20]
        changes = endpoint.history.select_related("history_user").order_by("-history_date")[:20]
        return render(
            request,
            "notifications/webhook_detail.html",
            {
                "object": endpoint,
                "recent": recent,
                "changes": changes,
                "secret": request.session.pop(SHOWN_ONCE, {}).get(str(endpoint.pk)),
                "may_keep": may_keep_webhooks(request.user),
            },
        )


class WebhookFormView(_KeepMixin, WriteView):
    """New webhook, or a change to one. The URL is checked beside its field (scheme, address)."""

    model = WebhookEndpoint

    def instance(self) -> WebhookEndpoint:
        pk = self.kwargs.get("pk")
        return get_object_or_404(WebhookEndpoint, pk=pk) if pk else WebhookEndpoint()

    def page(self, form, status=200):
        instance = form.instance
        title = f"Edit webhook {instance}" if instance.pk else "New webhook"
        cancel = reverse("notifications:webhook_detail", args=[instance.pk]) if instance.pk else None
        return render(
            self.request,
            "qms/record_form.html",
            {"form": form, "title": title, "cancel_url": cancel or reverse("notifications:webhook_list")},
            status=status,
        )

    def get(self, request, pk=None):
        return self.page(WebhookForm(instance=self.instance()))

    def post(self, request, pk=None):
        instance = self.instance()
        form = WebhookForm(request.POST, instance=instance)
        if not form.is_valid():
            return self.page(form, status=400)
        fields = {k: form.cleaned_data[k] for k in ("name", "url", "events", "run_as", "active")}
        try:
            if instance.pk:
                endpoint = webhooks.webhook_update(endpoint=instance, by=request.user, **fields)
            else:
                endpoint = webhooks.webhook_create(by=request.user, **fields)
                request.session[SHOWN_ONCE] = {str(endpoint.pk): endpoint.secret}
        except ValidationError as exc:
            add_errors(form, exc)
            return self.page(form, status=400)
        messages.success(request, f"Webhook {endpoint} saved.")
        return redirect("notifications:webhook_detail", pk=endpoint.pk)


class WebhookSecretView(_KeepMixin, WriteView):
    """A new secret: the old one stops signing at once; the new one is shown once."""

    model = WebhookEndpoint

    http_method_names = ["post"]

    def post(self, request, pk):
        endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
        secret = webhooks.webhook_rotate_secret(endpoint=endpoint, by=request.user)
        request.session[SHOWN_ONCE] = {str(endpoint.pk): secret}
        messages.warning(request, "New secret made: the receiver must use it from now on.")
        return redirect("notifications:webhook_detail", pk=endpoint.pk)


class WebhookDeliveryListView(_SeeMixin, QMSView, ListView):
    model = WebhookDelivery
    template_name = "notifications/webhookdelivery_list.html"
    paginate_by = 50

    def get_queryset(self):
        qs = WebhookDelivery.objects.select_related("endpoint").defer("body")
        params = self.request.GET
        if params.get("status") in WebhookDelivery.Status.values:
            qs = qs.filter(status=params["status"])
        if params.get("event") in {e.name for e in webhooks.subscribable()}:
            qs = qs.filter(event=params["event"])
        if params.get("webhook", "").isdigit():
            qs = qs.filter(endpoint_id=int(params["webhook"]))
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        ctx.update(
            statuses=WebhookDelivery.Status.choices,
            event_names=[e.name for e in webhooks.subscribable()],
            endpoints=WebhookEndpoint.objects.only("pk", "name"),
            current={k: self.request.GET.get(k, "") for k in ("status", "event", "webhook")},
            querystring=params.urlencode(),
        )
        return ctx


class WebhookDeliveryDetailView(_SeeMixin, QMSView):
    model = WebhookDelivery

    def get(self, request, pk):
        delivery = get_object_or_404(WebhookDelivery.objects.select_related("endpoint"), pk=pk)
        try:
            pretty = json.dumps(json.loads(delivery.body), indent=2, sort_keys=True, ensure_ascii=False)
        except ValueError:
            pretty = delivery.body
        return render(
            request, "notifications/webhookdelivery_detail.html", {"object": delivery, "pretty": pretty}
        )


class WebhookDeliveryRetryView(_SeeMixin, WriteView):
    """Send a failed delivery again now (after the receiver was fixed), as the Email log does."""

    model = WebhookDelivery

    http_method_names = ["post"]

    def post(self, request, pk):
        delivery = get_object_or_404(WebhookDelivery.objects.select_related("endpoint"), pk=pk)
        if webhook_retry_now(delivery=delivery):
            from .tasks import send_webhook

            transaction.on_commit(lambda: send_webhook.delay(delivery.pk))
            messages.success(request, f"{delivery.event}: queued to be sent again.")
        elif not delivery.endpoint.active:
            messages.error(request, "The webhook is switched off: switch it on first.")
        else:
            messages.error(request, f"Only a failed delivery is sent again; this one is {delivery.status}.")
        return redirect("notifications:webhookdelivery_detail", pk=delivery.pk)
