"""Sending webhooks, by the task worker (never inside a request).

`deliver_webhook` makes one attempt of one delivery. A 2xx answer is a success; anything
else (another status, a refused connection, a timeout, an address that is not allowed)
is a failed attempt, tried again after 1, 2, 4, ... minutes (at most an hour apart) for
24 hours after the first attempt, then the delivery fails. Each attempt writes its
outcome on the delivery: that is the log the admin shows.

A task backend that cannot run a task later (the immediate one of development) gets a
single attempt. An attempt first claims the delivery with one conditional UPDATE, so that
two runs of the same task (a retry queued twice, "Send again" clicked twice) send it once.
"""

from __future__ import annotations

import datetime
import http.client
import json
import logging
import time
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from . import sending, signing
from .addresses import UnsafeAddress, check_url
from .models import WebhookDelivery

logger = logging.getLogger("webhooks")

USER_AGENT = "Helpdesk-Webhooks/1"
RETRY_FOR = datetime.timedelta(hours=24)
FIRST_RETRY_DELAY = datetime.timedelta(minutes=1)
LONGEST_RETRY_DELAY = datetime.timedelta(hours=1)
# Past this many deliveries, one task queues the others from the worker, so that a bulk
# change does not spend its request queuing a task per ticket.
QUEUE_DIRECTLY = 20


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after the `attempts`-th failed attempt: 1, 2, 4, ... minutes, at most 1 hour."""
    return min(FIRST_RETRY_DELAY * 2 ** (attempts - 1), LONGEST_RETRY_DELAY)


def body_of(delivery: WebhookDelivery) -> bytes:
    """The bytes that are sent and signed."""
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()


@task
def deliver_webhook(delivery_id: int) -> str:
    """Make the next attempt of a delivery, if it is pending and due."""
    now = timezone.now()
    timeout = float(settings.WEBHOOKS_TIMEOUT)
    # Claimed: until a little past the timeout no other run takes it.
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, state=WebhookDelivery.State.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(next_attempt_at=now + datetime.timedelta(seconds=2 * timeout + 30))
    )
    if not claimed:
        return "not due (sent, failed, deleted or being sent)"
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if not delivery.endpoint.is_active:
        delivery.state = WebhookDelivery.State.FAILED
        delivery.next_attempt_at = None
        delivery.error = "The endpoint is turned off."
        delivery.save(update_fields=["state", "next_attempt_at", "error"])
        return "endpoint turned off"
    return _attempt(delivery, now, timeout)


@task
def queue_webhook_deliveries(delivery_ids: list[int]) -> str:
    """Queue one task per delivery (for a change that made many)."""
    for delivery_id in delivery_ids:
        deliver_webhook.enqueue(delivery_id)
    return f"{len(delivery_ids)} deliveries queued"


def queue(delivery_ids: Sequence[int]) -> None:
    """Queue the sending of these deliveries; called after the commit that made them. A
    failure to queue is logged, never raised: the change is committed, and the deliveries
    wait, pending, for `send_webhooks` (docs/webhooks.md)."""
    try:
        if len(delivery_ids) > QUEUE_DIRECTLY:
            queue_webhook_deliveries.enqueue(list(delivery_ids))
            return
        # One commit for them all, when the task backend is the database.
        with transaction.atomic():
            for delivery_id in delivery_ids:
                deliver_webhook.enqueue(delivery_id)
    except Exception:
        logger.exception("Could not queue webhook deliveries %s.", list(delivery_ids))


def queue_due() -> int:
    """Queue every pending delivery that is due (after a worker was down, say)."""
    ids = list(WebhookDelivery.objects.due().values_list("pk", flat=True)[:10_000])
    queue(ids)
    return len(ids)


def _attempt(delivery: WebhookDelivery, now: datetime.datetime, timeout: float) -> str:
    endpoint = delivery.endpoint
    body = body_of(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Helpdesk-Event": delivery.event,
        "Helpdesk-Delivery": str(delivery.delivery_id),
        "Helpdesk-Signature": signing.signature_header(endpoint.secret, int(now.timestamp()), body),
    }
    started = time.monotonic()
    response: sending.Response | None = None
    error = ""
    try:
        response = sending.post(check_url(endpoint.url), body, headers, timeout=timeout)
    except UnsafeAddress as refused:
        error = str(refused)
    except TimeoutError:
        error = f"No answer within {timeout:g} seconds."
    except (OSError, http.client.HTTPException) as failure:
        error = f"{type(failure).__name__}: {failure}".rstrip(": ")
    duration_ms = round((time.monotonic() - started) * 1000)
    succeeded = response is not None and 200 <= response.status < 300
    if response is not None and not succeeded:
        error = f"The endpoint answered {response.status}."
    _finish(
        delivery,
        now,
        response=response,
        duration_ms=duration_ms,
        error=error,
        succeeded=succeeded,
    )
    return delivery.state if delivery.state != "pending" else "retry queued"


def _finish(
    delivery: WebhookDelivery,
    now: datetime.datetime,
    *,
    response: sending.Response | None = None,
    duration_ms: int | None = None,
    error: str = "",
    succeeded: bool = False,
) -> None:
    """Write an attempt's outcome, and queue the next attempt or give up."""
    delivery.attempts += 1
    delivery.first_attempt_at = delivery.first_attempt_at or now
    delivery.last_attempt_at = now
    delivery.response_code = response.status if response is not None else None
    delivery.response_excerpt = response.excerpt if response is not None else ""
    delivery.duration_ms = duration_ms
    retry_at = now + retry_delay(delivery.attempts)
    can_defer = deliver_webhook.get_backend().supports_defer
    if succeeded:
        delivery.state = WebhookDelivery.State.SUCCEEDED
        delivery.next_attempt_at = None
    elif retry_at > delivery.first_attempt_at + RETRY_FOR or not can_defer:
        delivery.state = WebhookDelivery.State.FAILED
        delivery.next_attempt_at = None
        if not can_defer:
            error += " Not tried again: the task backend cannot run a task later."
        else:
            error += f" Given up after {delivery.attempts} attempts over 24 hours."
    else:
        delivery.next_attempt_at = retry_at
    delivery.error = error
    delivery.save(
        update_fields=[
            "attempts",
            "first_attempt_at",
            "last_attempt_at",
            "response_code",
            "response_excerpt",
            "duration_ms",
            "state",
            "next_attempt_at",
            "error",
        ]
    )
    if delivery.state == WebhookDelivery.State.PENDING:
        logger.warning(
            "Webhook delivery %s to %s failed (attempt %s): %s Trying again at %s.",
            delivery.pk,
            delivery.endpoint.url,
            delivery.attempts,
            error,
            retry_at,
        )
        try:
            deliver_webhook.using(run_after=retry_at).enqueue(delivery.pk)
        except Exception:
            # Still pending and due then: send_webhooks picks it up.
            logger.exception("Could not queue the next attempt of delivery %s.", delivery.pk)
    elif delivery.state == WebhookDelivery.State.FAILED:
        logger.error("Webhook delivery %s failed: %s", delivery.pk, error)
