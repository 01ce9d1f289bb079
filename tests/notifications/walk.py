"""Route-walker builder for the email log's per-delivery URLs."""

from notifications.models import Delivery
from tests.walker import builder


@builder("notifications.delivery")
def build_delivery(owner, department) -> dict:
    delivery = Delivery.objects.create(
        kind=Delivery.Kind.DIGEST,
        key=f"digest:{owner.pk}:walker",
        topic="walker",
        recipient=owner,
        to_email=owner.email,
        subject="QMS weekly digest: 1 overdue",
        body_text="text",
        body_html="<p>html</p>",
        message_id="<walker@testserver>",
        status=Delivery.Status.FAILED,
        error="451 try later",
    )
    return {"pk": delivery.pk}


@builder("notifications.webhookendpoint")
def build_webhook(owner, department) -> dict:
    """A webhook (the walker's owner's view of the company), with one failed delivery."""
    import uuid

    from notifications.models import WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(
        name="ERP",
        url="http://127.0.0.1:9/qms-events",
        events=["capa.ncr_raised"],
        run_as=owner,
        secret="whsec_walker",
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id=uuid.uuid4(),
        event="capa.ncr_raised",
        body='{"event":"capa.ncr_raised"}',
        status=WebhookDelivery.Status.FAILED,
        attempts=1,
        response_code=500,
        error="500 Internal Server Error",
    )
    return {"pk": endpoint.pk, "_delivery": delivery.pk}


@builder("notifications.webhookdelivery")
def build_webhook_delivery(owner, department) -> dict:
    return {"pk": build_webhook(owner, department)["_delivery"]}
