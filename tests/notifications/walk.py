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
