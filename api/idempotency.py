"""``Idempotency-Key``: an ERP that retries a POST (a timeout, a lost reply) creates one record,
not two.

The key is stored with the user, a hash of the request and the reply, in the same transaction as
the write. A retry with the same key and the same request gets the stored reply again (with
``Idempotent-Replayed: true``); the same key with a different request is refused (422), never
silently answered with another record. Two requests with the same key at the same moment: the
second waits on the unique index until the first commits, then replays its reply. A request that
failed (nothing written) stores nothing, so it may be retried with the same key. Keys are kept
for ``KEEP``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from .errors import ApiError
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
KEEP = dt.timedelta(hours=24)


def _request_hash(request) -> str:
    raw = json.dumps([request.method, request.path, request.data], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _replay(found: IdempotencyKey, digest: str) -> Response:
    if found.request_hash != digest:
        raise ApiError(
            f"This {HEADER} was already used for a different request: use a new key for a new record.",
            status=422,
            code="idempotency_key_reused",
            fields={HEADER: ["Used before with a different request."]},
        )
    response = Response(found.response, status=found.status_code)
    response["Idempotent-Replayed"] = "true"
    if found.location:
        response["Location"] = found.location
    return response


def once(request, write) -> Response:
    """Run ``write()`` (which returns the reply) at most once per key; without a key, just run it."""
    key = request.headers.get(HEADER, "")
    if not key:
        return write()
    if len(key) > 255 or not key.isprintable():
        raise ApiError(
            f"{HEADER}: at most 255 printable characters.",
            status=400,
            code="invalid",
            fields={HEADER: ["Invalid."]},
        )
    user, digest = request.user, _request_hash(request)
    IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a duplicate leaves the outer transaction usable
                row = IdempotencyKey.objects.create(user=user, key=key, request_hash=digest)
        except IntegrityError:
            # Taken: by a finished request, or one that just committed after we waited for it.
            return _replay(IdempotencyKey.objects.get(user=user, key=key), digest)
        response = write()
        if response.status_code >= 400:
            transaction.set_rollback(True)  # nothing was written: the key stays free for a retry
            return response
        row.status_code, row.response = (
            response.status_code,
            json.loads(json.dumps(response.data, default=str)),
        )
        row.location = response.get("Location", "")
        row.save(update_fields=["status_code", "response", "location"])
        return response
