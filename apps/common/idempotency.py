"""``Idempotency-Key`` for command endpoints: a retry with the same key and body returns the first response;
the same key with another body gets 422 ``idempotency_key_reused``. Concurrent retries are serialised by the
unique (account, scope, key) row: the second waits for the first to commit, then replays it."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from rest_framework.response import Response

from greenshield.errors import Unprocessable, ValidationFailed

from .models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"


def request_fingerprint(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def idempotent(request, *, scope: str, handler: Callable[[], Response]) -> Response:
    """Run ``handler`` (which must do its writes in the current transaction) at most once per key."""
    key = request.META.get(HEADER, "").strip()
    if not key:
        return handler()
    if len(key) > 200:
        raise ValidationFailed("Idempotency-Key is at most 200 characters.", code="invalid", attr="Idempotency-Key")
    fingerprint = request_fingerprint(request.data)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(account=request.user, scope=scope, key=key,
                                                          request_hash=fingerprint)
            created = True
        except IntegrityError:
            record = IdempotencyRecord.objects.select_for_update().get(account=request.user, scope=scope, key=key)
            created = False
        if not created:
            if record.request_hash != fingerprint:
                raise Unprocessable("This Idempotency-Key was used with a different request body.",
                                    code="idempotency_key_reused")
            response = Response(record.response_body, status=record.response_status)
            response["Idempotent-Replayed"] = "true"
            return response
        response = handler()
        record.response_status = response.status_code
        record.response_body = response.data
        record.save(update_fields=["response_status", "response_body"])
        return response
