"""Agencies' standing queries, delivered to their webhooks through the outbox and Celery.

The beat task queues each due subscription once (an outbox row); the worker delivering it locks the subscription,
takes the next page of matching links after its cursor — in the owner's scope at delivery time, only links recorded
before the settle horizon — POSTs it signed (``GS-Signature: sha256=<hex HMAC of the body>``), and moves the cursor
only on a 2xx, in the same transaction. So a page is never skipped, and never sent again once acknowledged (the
Oliot and FasTnT trackers' most asked-for fix: periodic re-sends of the same events, and events lost when captures
commit out of record-time order). Failures back off exponentially; after ``GREENSHIELD_EPCIS_MAX_FAILURES`` in a
row the subscription stops (DEAD, in the admin) until resumed.
"""
from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
import logging
import secrets
import socket
import uuid
from urllib.parse import urlsplit

import orjson
import requests
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.common.outbox import outbox_handler, outbox_put
from apps.common.permissions import ensure_may
from greenshield.capabilities import Capability
from greenshield.errors import ValidationFailed

from . import presenters
from .models import Subscription, SubscriptionStatus
from .selectors import PARAMETERS, Cursor, EventQuery, event_page

log = logging.getLogger(__name__)
DELIVER_TOPIC = "epcis.subscription.deliver"
SIGNATURE_HEADER = "GS-Signature"
MAX_BACKOFF_SECONDS = 3600.0
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# -- the destination ----------------------------------------------------------------------------------------

def _public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return ip.is_global and not ip.is_multicast


def dest_check(url) -> str:
    """A webhook URL, refused unless it is https to a public address (``invalid_dest``). Outside production
    (``GREENSHIELD_EPCIS_ALLOW_LOCAL_WEBHOOKS``) http://127.0.0.1 (a local receiver) and non-public https hosts are
    allowed. Every address the host resolves to is checked (SSRF: no internal services, no metadata endpoint)."""
    if not isinstance(url, str) or len(url) > 500:
        raise ValidationFailed("dest must be a URL of at most 500 characters.", code="invalid_dest", attr="dest")
    parts = urlsplit(url)
    local_allowed = settings.GREENSHIELD_EPCIS_ALLOW_LOCAL_WEBHOOKS
    local_http = local_allowed and parts.scheme == "http" and parts.hostname in LOOPBACK_NAMES
    if not (parts.scheme == "https" or local_http) or not parts.hostname:
        raise ValidationFailed("dest must be an https:// URL (http:// only to this machine, outside production).",
                               code="invalid_dest", attr="dest")
    if parts.username or parts.password:
        raise ValidationFailed("dest must not carry credentials.", code="invalid_dest", attr="dest")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationFailed("dest has an invalid port.", code="invalid_dest", attr="dest") from None
    if local_allowed:
        return url
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        raise ValidationFailed("dest's host does not resolve.", code="invalid_dest", attr="dest") from None
    if not all(_public_address(a.split("%", 1)[0]) for a in addresses):
        raise ValidationFailed("dest must be a public address (not loopback, private or link-local).",
                               code="invalid_dest", attr="dest")
    return url


# -- managing subscriptions ---------------------------------------------------------------------------------

def _clean_query(query) -> dict:
    if not isinstance(query, dict):
        raise ValidationFailed("query must be an object of EPCIS query parameters.", code="invalid", attr="query")
    unknown = sorted(set(query) - set(PARAMETERS))
    if unknown:
        raise ValidationFailed(f"Unknown query parameter {unknown[0]}; known: {', '.join(PARAMETERS)}.",
                               code="invalid", attr=f"query.{unknown[0]}")
    try:
        return EventQuery.parse(query).as_params()
    except ValidationFailed as exc:
        raise ValidationFailed(exc.detail, code=exc.code, attr=f"query.{exc.attr}") from None


@transaction.atomic
def subscription_create(*, actor, query, dest, initial_record_time: datetime.datetime | None = None,
                        request=None) -> tuple[Subscription, str]:
    """A standing query of ``actor`` (a regulator or an operator); returns it and its secret (shown once).
    Delivers links recorded from ``initial_record_time`` on (default: now)."""
    ensure_may(actor, Capability.MANAGE_SUBSCRIPTIONS)
    params = _clean_query(query)
    dest = dest_check(dest)
    secret = secrets.token_urlsafe(32)
    subscription = Subscription(owner=actor, query=params, dest=dest, secret=secret,
                                cursor_recorded_at=initial_record_time or timezone.now())
    subscription.save()
    audit_record(actor=actor, action="epcis.subscription.create", target=subscription,
                 target_repr=f"subscription to {urlsplit(dest).hostname}", request=request,
                 data={"query": params, "dest_host": urlsplit(dest).hostname})
    return subscription, secret


@transaction.atomic
def subscription_delete(*, actor, subscription: Subscription, request=None) -> None:
    ensure_may(actor, Capability.MANAGE_SUBSCRIPTIONS)
    audit_record(actor=actor, action="epcis.subscription.delete", target=subscription,
                 target_repr=f"subscription to {urlsplit(subscription.dest).hostname}", request=request,
                 data={"delivered_events": subscription.delivered_events})
    subscription.delete()


@transaction.atomic
def subscription_resume(*, actor, subscription: Subscription, request=None) -> Subscription:
    """Back to delivering after a dead letter (or now, after a backoff), from where its cursor stands."""
    ensure_may(actor, Capability.MANAGE_SUBSCRIPTIONS)
    locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
    before = locked.status
    locked.status, locked.failures, locked.next_attempt_at = SubscriptionStatus.ACTIVE, 0, timezone.now()
    locked.save(update_fields=["status", "failures", "next_attempt_at"])
    audit_record(actor=actor, action="epcis.subscription.resume", target=locked,
                 target_repr=f"subscription to {urlsplit(locked.dest).hostname}", request=request,
                 data={"status_before": before})
    return locked


# -- delivering ---------------------------------------------------------------------------------------------

def subscriptions_queue(*, now: datetime.datetime | None = None) -> int:
    """Queue every active subscription that is due and not queued yet (beat, every few seconds)."""
    now = now or timezone.now()
    queued = 0
    with transaction.atomic():
        due = (Subscription.objects.select_for_update(skip_locked=True)
               .filter(status=SubscriptionStatus.ACTIVE, next_attempt_at__lte=now, queued=False))
        for subscription in due:
            _queue(subscription)
            queued += 1
    return queued


def _queue(subscription: Subscription) -> None:
    subscription.queued = True
    subscription.save(update_fields=["queued"])
    outbox_put(DELIVER_TOPIC, {"subscription": str(subscription.pk)})


def settle_horizon(now: datetime.datetime) -> datetime.datetime:
    """Links recorded at or after this instant are not delivered yet: a link is recorded when its transaction
    starts its work and visible only when it commits, so a later-committing transaction could still add links
    before a cursor that has moved on. The horizon stays ``GREENSHIELD_EPCIS_SETTLE_SECONDS`` behind now and behind
    the start of the oldest transaction still open (PostgreSQL)."""
    settle = datetime.timedelta(seconds=settings.GREENSHIELD_EPCIS_SETTLE_SECONDS)
    horizon = now - settle
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND xact_start IS NOT NULL")
            oldest = cursor.fetchone()[0]
        if oldest is not None:
            horizon = min(horizon, oldest - settle)
    return horizon


def backoff(failures: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(settings.GREENSHIELD_EPCIS_RETRY_BASE_SECONDS * 2 ** (failures - 1),
                                          MAX_BACKOFF_SECONDS))


@outbox_handler(DELIVER_TOPIC)
def _deliver_handler(payload: dict) -> None:
    subscription_deliver(subscription_id=payload["subscription"])


@transaction.atomic
def subscription_deliver(*, subscription_id, now: datetime.datetime | None = None) -> int:
    """Deliver the next page of one subscription; the number of events the receiver acknowledged."""
    subscription = (Subscription.objects.select_for_update().select_related("owner")
                    .filter(pk=subscription_id).first())
    if subscription is None:
        return 0
    subscription.queued = False
    if subscription.status != SubscriptionStatus.ACTIVE:
        subscription.save(update_fields=["queued"])
        return 0
    now = now or timezone.now()
    cursor = Cursor(subscription.cursor_recorded_at or datetime.datetime.min.replace(tzinfo=datetime.UTC),
                    subscription.cursor_link_id)
    page, more = event_page(user=subscription.owner, query=EventQuery.parse(subscription.query),
                            per_page=settings.GREENSHIELD_EPCIS_PAGE_SIZE, cursor=cursor, until=settle_horizon(now))
    if not page:
        subscription.save(update_fields=["queued"])
        return 0
    document = presenters.query_document(presenters.events_of(page), subscription_id=str(subscription.pk))
    body = orjson.dumps(document)
    error = _post(subscription, body)
    fields = ["queued", "failures", "next_attempt_at", "last_error"]
    if error is None:
        last = page[-1]
        subscription.cursor_recorded_at, subscription.cursor_link_id = last.recorded_at, last.id
        subscription.delivered_events += len(page)
        subscription.failures, subscription.last_error, subscription.last_delivered_at = 0, "", now
        subscription.next_attempt_at = now
        fields += ["cursor_recorded_at", "cursor_link_id", "delivered_events", "last_delivered_at"]
    else:
        subscription.failures += 1
        subscription.last_error = error[:500]
        subscription.next_attempt_at = now + backoff(subscription.failures)
        if subscription.failures >= settings.GREENSHIELD_EPCIS_MAX_FAILURES:
            subscription.status = SubscriptionStatus.DEAD
            fields.append("status")
            log.warning("epcis: subscription %s stopped after %s failed deliveries", subscription.pk,
                        subscription.failures)
    subscription.save(update_fields=fields)
    if error is None and more is not None:
        _queue(subscription)  # more is waiting: deliver the next page right after this one commits
    return len(page) if error is None else 0


def _post(subscription: Subscription, body: bytes) -> str | None:
    """POST one page; None when the receiver acknowledged it (2xx), else what went wrong. The destination is
    checked again (its name may resolve elsewhere now) and redirects are not followed."""
    try:
        dest_check(subscription.dest)
    except ValidationFailed as exc:
        return f"refused destination: {exc.detail}"
    headers = {"Content-Type": "application/ld+json", SIGNATURE_HEADER: signature(subscription.secret, body),
               "GS-Subscription": str(subscription.pk), "GS-Delivery": str(uuid.uuid4())}
    try:
        # stream: the receiver's answer body is never read (it could be anything, of any size).
        with requests.post(subscription.dest, data=body, headers=headers, allow_redirects=False, stream=True,
                           timeout=settings.GREENSHIELD_EPCIS_WEBHOOK_TIMEOUT_SECONDS) as response:
            status_code = response.status_code
    except requests.RequestException as exc:
        return f"{type(exc).__name__}: could not deliver"
    if 200 <= status_code < 300:
        return None
    return f"HTTP {status_code} from the receiver"
