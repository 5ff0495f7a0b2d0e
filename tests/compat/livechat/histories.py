"""Tickets with a history, made through the services at explicit times, for the tests of
/compat/livechat/tickets."""

import datetime

from mail.requesters import requester_for
from tickets import services
from tickets.models import Channel, Reply, TicketStatus
from tickets.statuses import FixedStatus

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def at(minutes: float) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


def unix(minutes: float) -> int:
    return int(at(minutes).timestamp())


def status(fixed: FixedStatus) -> TicketStatus:
    return TicketStatus.objects.get(pk=fixed)


def conversation(
    *, department, agent, other_agent, team=None, mail="mary.brown@shop.example", start=0
):
    """Mary mails in (start); `agent` assigns it to `other_agent` (+1) and writes a note
    (+2); `other_agent` replies (+3, the first response); Mary answers (+4); `other_agent`
    closes it (+5); `agent` reopens it (+6) and tags it (+7)."""
    mary = requester_for(mail, "Mary Brown")
    ticket = services.create_ticket(
        client=mary.client,
        department=department,
        subject="My new shoes are broken",
        message="Hello,\n\nMy new shoes are broken.",
        actor=None,
        channel=Channel.EMAIL,
        requester=mary,
        team=team,
        at=at(start),
    )
    services.assign(
        ticket=ticket, assignee=other_agent, actor=agent, channel=Channel.WEB, at=at(start + 1)
    )
    services.post_reply(
        ticket=ticket,
        text="Could you handle this one?",
        kind=Reply.Kind.NOTE,
        author=agent,
        channel=Channel.WEB,
        at=at(start + 2),
    )
    services.post_reply(
        ticket=ticket,
        text="New shoes are on their way.",
        author=other_agent,
        channel=Channel.WEB,
        at=at(start + 3),
    )
    services.post_reply(
        ticket=ticket,
        text="Thank you!",
        author=mary,
        channel=Channel.EMAIL,
        at=at(start + 4),
    )
    services.change_status(
        ticket=ticket,
        status=status(FixedStatus.CLOSED),
        actor=other_agent,
        channel=Channel.WEB,
        at=at(start + 5),
    )
    services.change_status(
        ticket=ticket,
        status=status(FixedStatus.OPEN),
        actor=agent,
        channel=Channel.WEB,
        at=at(start + 6),
    )
    services.set_tags(
        ticket=ticket,
        tags=["shoes", "Refund"],
        actor=agent,
        channel=Channel.WEB,
        at=at(start + 7),
    )
    ticket.refresh_from_db()
    return ticket
