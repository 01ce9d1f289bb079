"""SCARs: raised from a supplier NCR (or on their own), sent by email to the supplier's quality
contact through the one delivery ledger (HTML and text, sent by the worker, never twice), answered
with an 8D that purchasing or quality records, then accepted, or rejected with a reason and sent
back with a new response date."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from notifications import conf as mail_conf
from notifications.delivery import Draft, deliveries_queue
from qms.models import User
from qms.services import record_create, record_transition
from qms.workflow import TransitionError

from ..models import Scar

RESPONSE_DAYS = 14
NOT_THROUGH_FORM = "Use this step's form on the SCAR's page."


def _recipient_problem(fields: dict) -> dict[str, str]:
    contact, send_to = fields.get("contact"), (fields.get("send_to") or "").strip()
    supplier = fields.get("supplier")
    if contact is not None and supplier is not None and contact.supplier_id != supplier.pk:
        return {"contact": f"{contact.name} is not a contact of {supplier}."}
    if send_to:
        try:
            validate_email(send_to)
        except ValidationError:
            return {"send_to": f"“{send_to}” is not an email address."}
    return {}


@transaction.atomic
def scar_create(*, by: User, **fields: Any) -> Scar:
    """Draft a SCAR to a supplier; the response is due two weeks after it is sent unless said."""
    errors = _recipient_problem(fields)
    if errors:
        raise ValidationError(errors)
    if not fields.get("title"):
        fields["title"] = f"SCAR to {fields['supplier']}"
    return record_create(model=Scar, by=by, reason="SCAR drafted", **fields)


def _mail(scar: Scar, *, note: str = "") -> Draft:
    context = {"scar": scar, "note": note, "base_url": mail_conf.base_url()}
    subject = render_to_string("suppliers/email/scar_subject.txt", context)
    subject = re.sub(r"\s+", " ", subject).strip()
    return Draft(
        kind="scar",
        # One email per sending: the first, and one after each rejected answer.
        key=f"scar:{scar.pk}:{scar.rejections}",
        topic=scar.reference,
        recipient_id=None,
        to_email=scar.recipient,
        subject=subject,
        body_text=render_to_string("suppliers/email/scar_body.txt", context),
        body_html=render_to_string("suppliers/email/scar_body.html", context),
        # The supplier's answer goes to whoever reads it, not to the no-reply sender.
        reply_to=scar.owner.email,
    )


def _queue_mail(scar: Scar, *, note: str = "") -> None:
    """Claim the email in the delivery ledger with the step, and have the worker send it once the
    step commits (a rolled-back step sends nothing; a rerun never sends twice)."""
    deliveries_queue(drafts=[_mail(scar, note=note)], about=f"SCAR {scar.reference}")


@transaction.atomic
def scar_send(*, scar: Scar, by: User, due_date: dt.date | None = None, note: str = "") -> Scar:
    """Send the SCAR to the supplier with the date their 8D answer is due."""
    if not scar.recipient:
        raise ValidationError({"due_date": "Choose a contact with an email address, or give one, first."})
    due = due_date or timezone.localdate() + dt.timedelta(days=RESPONSE_DAYS)
    if due <= timezone.localdate():
        raise ValidationError({"due_date": "The supplier needs a response date in the future."})
    return record_transition(
        record=scar, name="send", by=by, reason=f"Sent to {scar.recipient}", due=due, note=note
    )


@Scar.workflow.on("send")
def _sent(scar: Scar, *, due: dt.date | None = None, note: str = "", **kwargs) -> None:
    if due is None:
        raise TransitionError(NOT_THROUGH_FORM)
    scar.due_date, scar.sent_at = due, timezone.now()
    _queue_mail(scar, note=note)


@transaction.atomic
def scar_answer(
    *,
    scar: Scar,
    by: User,
    answered_on: dt.date,
    containment: str,
    root_cause: str,
    corrective_action: str,
    preventive_action: str = "",
) -> Scar:
    """Record the supplier's 8D answer (as they sent it), on the day it came."""
    if answered_on > timezone.localdate():
        raise ValidationError({"answered_on": "The answer is dated in the future: give the day it came."})
    if scar.sent_at and answered_on < timezone.localtime(scar.sent_at).date():
        raise ValidationError({"answered_on": "The answer cannot come before the SCAR was sent."})
    return record_transition(
        record=scar,
        name="answer",
        by=by,
        reason="8D answer recorded",
        answer={
            "answered_on": answered_on,
            "containment": containment.strip(),
            "root_cause": root_cause.strip(),
            "corrective_action": corrective_action.strip(),
            "preventive_action": (preventive_action or "").strip(),
        },
    )


@Scar.workflow.on("answer")
def _answered(scar: Scar, *, answer: dict | None = None, **kwargs) -> None:
    if not answer:
        raise TransitionError(NOT_THROUGH_FORM)
    for name, value in answer.items():
        setattr(scar, name, value)
    # Responsiveness counts the first answer against the date it was due.
    if scar.rejections == 0:
        scar.answered_late = bool(scar.due_date and answer["answered_on"] > scar.due_date)


@Scar.workflow.on("accept")
def _accepted(scar: Scar, *, by: User, reason: str = "", **kwargs) -> None:
    scar.decided_by, scar.decision_note = by, reason


@transaction.atomic
def scar_reject(*, scar: Scar, by: User, reason: str, due_date: dt.date) -> Scar:
    """Reject the supplier's answer, saying why, and send the SCAR back with a new response date."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the answer is not accepted: the supplier reads it."})
    if due_date <= timezone.localdate():
        raise ValidationError({"due_date": "The supplier needs a new response date in the future."})
    return record_transition(record=scar, name="reject", by=by, reason=reason.strip(), due=due_date)


@Scar.workflow.on("reject")
def _rejected(scar: Scar, *, by: User, reason: str = "", due: dt.date | None = None, **kwargs) -> None:
    if due is None:
        raise TransitionError(NOT_THROUGH_FORM)
    scar.rejections += 1
    scar.decided_by, scar.decision_note = by, reason
    scar.due_date, scar.sent_at = due, timezone.now()
    _queue_mail(scar, note=f"Your answer was not accepted: {reason}")
