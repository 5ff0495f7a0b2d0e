"""What happened to the mail we sent about a ticket: delivery failures (bounces)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q
from django.utils import timezone

from tickets import changes
from tickets.models import Channel, Contact, Ticket, TicketEvent, history

from .common import lock_ticket, record_event, refresh_from


def record_bounce(
    *, ticket: Ticket, addresses: Sequence[str], message_id: str, channel: Channel
) -> Ticket:
    """Mail about `ticket` could not be delivered to `addresses`: the ticket's history says
    so, and the ticket's client's contacts at those addresses are flagged as bouncing
    (until they write to us again)."""
    addresses = sorted({address.strip().lower() for address in addresses if address.strip()})
    with changes.atomic():
        locked = lock_ticket(ticket)
        now = timezone.now()
        if addresses:
            same_address = Q()
            for address in addresses:
                same_address |= Q(email__iexact=address)
            Contact.objects.filter(same_address, client_id=locked.client_id).update(bounced_at=now)
        locked.updated_at = now
        locked.save(update_fields=["updated_at"])
        record_event(
            locked,
            TicketEvent.Kind.EMAIL_BOUNCED,
            actor=None,
            channel=channel,
            new=history.bounce_value(addresses=addresses, message_id=message_id),
            at=now,
        )
    refresh_from(ticket, locked)
    return ticket
