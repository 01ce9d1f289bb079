"""Outgoing webhooks: the kernel's events forwarded to other systems (an ERP, an MES).

1. *Claim*: every event reaches ``webhooks_claim`` (a kernel observer, after the publishing
   transaction committed). For each active webhook subscribed to it, the event is read through
   the scope of the webhook's user (``qms.access.restrict``, as the screens do): an event about a
   record that user may not see is not delivered at all, and a payload names only records they may
   see. The body is built once and kept; one row per webhook and event occurrence (a unique
   constraint, ``INSERT … ON CONFLICT DO NOTHING``), so an observer run twice owes nothing twice.
2. *Send* (``webhook_sender.py``, by the Celery worker): taken with a conditional UPDATE and a
   lease, POSTed with a signature, recorded as delivered or failed with a back-off.

The signature (``X-QMS-Signature: t=<unix time>,v1=<hex>``) is HMAC-SHA256 with the webhook's
secret over ``"<t>." + body``, as Stripe signs: the receiver checks it and that ``t`` is recent,
so a captured request cannot be replayed later. ``X-QMS-Event-Id`` is the same on every attempt.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
from urllib.parse import urlsplit

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import NoReverseMatch
from django.utils import timezone

from qms import access, events, history
from qms.events import EventType, Occurrence
from qms.models import ChildRecord, Record, Role, User
from qms.selectors import hide_references

from . import conf
from .models import WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-QMS-Signature"
EVENT_ID_HEADER = "X-QMS-Event-Id"
EVENT_HEADER = "X-QMS-Event"
TOLERANCE_SECONDS = 300  # how old a signature's timestamp a receiver should accept
TRANSITION = "record.transition"  # names its record in the payload (model, pk)


# --- signing --------------------------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = TOLERANCE_SECONDS, now=None) -> bool:
    """What a receiver does (the README shows the same in a few lines): the header's timestamp is
    recent and one of its ``v1`` signatures matches, compared in constant time."""
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    stamps = [v for k, v in parts if k.strip() == "t"]
    sigs = [v for k, v in parts if k.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].isdigit() or not sigs:
        return False
    timestamp = int(stamps[0])
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, s.strip()) for s in sigs)


# --- where a webhook may point ---------------------------------------------------------------------


def address_refused(url: str) -> str | None:
    """Why the QMS will not POST to ``url``, or None. Only http(s); never a link-local, multicast
    or unspecified address (a cloud's metadata service lives at 169.254.169.254); private and
    loopback addresses only while WEBHOOK_ALLOW_PRIVATE (on by default: an on-premises ERP)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "Only http:// and https:// addresses can receive webhooks."
    if not parts.hostname:
        return "Give the receiver's host name, e.g. https://erp.example.com/qms-events."
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "The port is not a number between 1 and 65535."
    if parts.username or parts.password:
        return "Leave user name and password out of the address: the signature authenticates the QMS."
    try:
        found = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        return f"No address found for {parts.hostname} from the QMS server."
    for text in sorted(found):
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if getattr(address, "ipv4_mapped", None):  # ::ffff:169.254.169.254 is 169.254.169.254
            address = address.ipv4_mapped
        if address.is_link_local or address.is_multicast or address.is_unspecified or address.is_reserved:
            return f"{parts.hostname} is at {address}, an address webhooks are never sent to."
        if (address.is_private or address.is_loopback) and not conf.webhook_allow_private():
            return (
                f"{parts.hostname} is at {address}, inside a private network: "
                "WEBHOOK_ALLOW_PRIVATE is off on this installation."
            )
    return None


# --- which events, and what a payload may say ---------------------------------------------------------


def subscribable() -> list[EventType]:
    """Every declared event whose payload names its records (so it can be read through a user's
    scope): a module's event is offered the day it is declared, with nothing to change here."""
    return [e for e, _ in events.catalogue() if e.records or e.name == TRANSITION]


def _named(occurrence: Occurrence) -> list[tuple[str, type, object]]:
    """The payload's records: (key, model, id), the one the event is about first."""
    payload = occurrence.payload
    if occurrence.name == TRANSITION:
        labels = {"pk": payload.get("model", "")}
    else:
        event = events.declared(occurrence.name)
        labels = event.records if event else {}
    found = []
    for key, label in labels.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        if issubclass(model, Record | ChildRecord):
            found.append((key, model, payload.get(key)))
    return found


def describe(obj, user: User) -> dict:
    """A record as the webhook's user sees it on its page: reference, title, status, department,
    owner, due date and its address in the QMS."""
    out: dict = {"model": obj._meta.label_lower, "id": obj.pk, "name": str(obj)}
    if isinstance(obj, Record):
        out.update(
            reference=obj.reference,
            title=obj.title,
            department=obj.department.code if obj.department_id else None,
            owner=obj.owner.get_username() if obj.owner_id else None,
            due_date=obj.due_date.isoformat() if obj.due_date else None,
        )
    else:
        out["record"] = obj.root.reference
    status_field = getattr(type(obj), "status_field", "status")
    workflow = getattr(type(obj), "workflow", None)
    if workflow is not None and hasattr(obj, status_field):
        status = getattr(obj, status_field)
        out.update(status=status, status_label=workflow.label(status))
    if hasattr(obj, "get_absolute_url"):
        # A row without a page of its own (NoReverseMatch) is still described, without an address.
        with contextlib.suppress(NoReverseMatch):
            out["url"] = conf.base_url() + obj.get_absolute_url()
    return out


def payload_for(occurrence: Occurrence, user: User) -> dict | None:
    """The body ``user``'s webhook gets for this event, or None when the record it is about is
    outside their scope. Other records the payload names are left out (their id null) when the
    user may not see them; free text is shown as on their screens (references they may not see
    left out and counted)."""
    named = _named(occurrence)
    present = [(k, m, pk) for k, m, pk in named if pk is not None]
    if not present:
        return None
    record_keys = {k for k, _, _ in named}
    data, records = {}, {}
    for index, (key, model, pk) in enumerate(present):
        obj = access.restrict(model._default_manager.filter(pk=pk), user).first()
        if obj is None and index == 0:
            return None  # the record the event is about is outside the user's scope
        data[key] = obj.pk if obj is not None else None
        if obj is not None:
            records[key] = describe(obj, user)
    for key in record_keys - set(data):
        data[key] = None
    texts = [v for k, v in occurrence.payload.items() if k not in record_keys and isinstance(v, str)]
    shown = hide_references(texts, user)
    for key, value in occurrence.payload.items():
        if key not in record_keys:
            data[key] = shown.get(value, value) if isinstance(value, str) else value
    return {
        "id": str(occurrence.id),
        "event": occurrence.name,
        "created": occurrence.at.isoformat(),
        "data": data,
        "records": records,
    }


def _body(payload: dict) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def webhooks_claim(occurrence: Occurrence) -> list[int]:
    """Observer of every event: owe it to each active webhook subscribed to it whose user may see
    it, once, and queue the sends for when this commits."""
    if not any(e.name == occurrence.name for e in subscribable()):
        return []
    # Asked after every write of every record, so one statement written out (the same query
    # through the ORM took five times as long to build and read: a fifth of creating a record),
    # which finds nothing where no webhook listens; the endpoints only if some do.
    with connection.cursor() as cursor:
        table = WebhookEndpoint._meta.db_table
        cursor.execute(
            f"SELECT id FROM {table} WHERE active AND events @> ARRAY[%s]::varchar[]",  # noqa: S608 - our table
            [occurrence.name],
        )
        listening = [pk for (pk,) in cursor.fetchall()]
    if not listening:
        return []
    rows = []
    for endpoint in WebhookEndpoint.objects.filter(pk__in=listening).select_related("run_as"):
        user = endpoint.run_as
        if not user.is_active or user.access_expired:
            log.warning("webhook %s: its user %s may not sign in; told nothing", endpoint.pk, user)
            continue
        payload = payload_for(occurrence, user)
        if payload is None:
            continue
        rows.append(
            WebhookDelivery(
                endpoint=endpoint, event_id=occurrence.id, event=occurrence.name, body=_body(payload)
            )
        )
    if not rows:
        return []
    from .tasks import send_webhook

    with transaction.atomic():  # the observer runs outside a transaction: its writes, together
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        ids = list(
            WebhookDelivery.objects.filter(
                event_id=occurrence.id, status=WebhookDelivery.Status.PENDING
            ).values_list("pk", flat=True)
        )
        for pk in ids:
            transaction.on_commit(lambda pk=pk: send_webhook.delay(pk))
    return ids


# --- the administrator's writes --------------------------------------------------------------------


def _require_admin(by: User) -> None:
    if by.role != Role.ADMINISTRATOR:
        raise PermissionDenied("Only the administrator keeps webhooks.")


def _check(endpoint: WebhookEndpoint) -> None:
    problem = address_refused(endpoint.url)
    if problem:
        raise ValidationError({"url": problem})
    known = {e.name for e in subscribable()}
    unknown = sorted(set(endpoint.events) - known)
    if unknown:
        raise ValidationError({"events": f"No such event: {', '.join(unknown)}."})
    if not endpoint.events:
        raise ValidationError({"events": "Choose at least one event."})


@transaction.atomic
def webhook_create(*, by: User, name: str, url: str, events: list[str], run_as: User, active: bool = True):
    """A new webhook with a new secret, returned once to be shown once."""
    _require_admin(by)
    endpoint = WebhookEndpoint(
        name=name, url=url, events=sorted(set(events)), run_as=run_as, active=active, created_by=by
    )
    _check(endpoint)
    endpoint.secret, endpoint.secret_set_at = new_secret(), timezone.now()
    history.save(endpoint, by=by, reason="Webhook added", validate=True)
    return endpoint


@transaction.atomic
def webhook_update(*, endpoint: WebhookEndpoint, by: User, **fields) -> WebhookEndpoint:
    _require_admin(by)
    for name, value in fields.items():
        setattr(endpoint, name, sorted(set(value)) if name == "events" else value)
    _check(endpoint)
    history.save(endpoint, by=by, reason="Webhook changed", validate=True)
    return endpoint


@transaction.atomic
def webhook_rotate_secret(*, endpoint: WebhookEndpoint, by: User) -> str:
    """A new secret at once (the old one stops signing): shown once, like the first."""
    _require_admin(by)
    endpoint.secret, endpoint.secret_set_at = new_secret(), timezone.now()
    history.save(endpoint, by=by, reason="New secret made")
    return endpoint.secret
