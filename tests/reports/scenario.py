"""Realistic report data, built through the ticket services at controlled times."""

from __future__ import annotations

import datetime

from freezegun import freeze_time

from tests import factories
from tickets import services
from tickets.models import Channel, Rating, Reply, TicketStatus
from tickets.statuses import FixedStatus


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0, month: int = 1):
    return datetime.datetime(2026, month, day, hour, minute, second, tzinfo=datetime.UTC)


class Helpdesk:
    """Shortcuts for creating and working tickets at given instants."""

    def __init__(self, department=None, client=None) -> None:
        self.department = department or factories.CategoryFactory(name="Support")
        self.client = client or factories.ClientFactory(name="Acme Inc")
        self.contact = factories.ContactFactory(client=self.client)
        self.agent = factories.AgentFactory(first_name="Ann", last_name="Able")

    def ticket(self, when, *, channel=Channel.WEB, assignee=None, tags=(), **kwargs):
        with freeze_time(when):
            return services.create_ticket(
                client=kwargs.pop("client", self.client),
                department=kwargs.pop("department", self.department),
                subject="Cannot log in",
                message="I get an error",
                actor=self.agent,
                channel=channel,
                assignee=assignee,
                tags=tags,
                **kwargs,
            )

    def reply(self, ticket, when, *, author=None, kind=Reply.Kind.REPLY):
        with freeze_time(when):
            return services.post_reply(
                ticket=ticket,
                text="Hello",
                kind=kind,
                author=author or self.agent,
                channel=Channel.WEB,
            )

    def client_reply(self, ticket, when):
        return self.reply(ticket, when, author=self.contact)

    def note(self, ticket, when):
        return self.reply(ticket, when, kind=Reply.Kind.NOTE)

    def close(self, ticket, when):
        with freeze_time(when):
            closed = TicketStatus.objects.get(pk=FixedStatus.CLOSED)
            return services.change_status(
                ticket=ticket, status=closed, actor=self.agent, channel=Channel.WEB
            )

    def reopen(self, ticket, when):
        with freeze_time(when):
            opened = TicketStatus.objects.get(pk=FixedStatus.OPEN)
            return services.change_status(
                ticket=ticket, status=opened, actor=self.agent, channel=Channel.WEB
            )

    def rate(self, ticket, when, value):
        with freeze_time(when):
            return services.rate_ticket(
                ticket=ticket, value=value, contact=self.contact, channel=Channel.WEB
            )


class JanuaryScenario:
    """Three UTC days, 2026-01-10 to 2026-01-12, with tickets on and around the edges.

    First responses in hours on the 10th: F 1 (created the day before), A 1,
    B 2, C 4, D 10. A is closed on the 10th, reopened by the client's reply on
    the 11th and closed for good on the 12th; B is closed on the 11th.
    """

    def __init__(self) -> None:
        desk = self.desk = Helpdesk()
        self.agent = desk.agent
        self.other_agent = factories.AgentFactory(first_name="Bob", last_name="Baker")
        good, bad = Rating.Value.GOOD, Rating.Value.BAD

        self.f = desk.ticket(at(9, 23), assignee=self.agent)
        self.a = desk.ticket(at(10, 8), assignee=self.agent, tags=["billing"])
        self.b = desk.ticket(at(10, 8), assignee=self.other_agent, tags=["login"])
        self.c = desk.ticket(at(10, 8), channel=Channel.EMAIL, assignee=self.other_agent)
        self.d = desk.ticket(at(10, 8), channel=Channel.EMAIL, assignee=self.agent)
        self.e = desk.ticket(at(10, 9), channel=Channel.API)
        self.g = desk.ticket(at(12, 10))
        self.h = desk.ticket(at(12, 23, 59, 59), channel=Channel.API)
        self.outside = desk.ticket(at(13))

        desk.reply(self.f, at(10))  # first response exactly on the 10th's first instant
        desk.reply(self.a, at(10, 9))
        desk.note(self.b, at(10, 8, 30))  # a note is not a response
        desk.reply(self.b, at(10, 10))
        desk.client_reply(self.c, at(10, 9))  # nor is the client's own reply
        desk.reply(self.c, at(10, 12))
        desk.reply(self.d, at(10, 18))
        desk.note(self.e, at(10, 10))  # E is never answered
        desk.reply(self.g, at(12, 23, 59, 59))
        desk.reply(self.h, at(13))  # answered after the range

        desk.close(self.a, at(10, 12))
        desk.client_reply(self.a, at(11, 8))  # reopens A: its first close no longer counts
        desk.close(self.b, at(11, 8))
        desk.close(self.a, at(12, 8))

        desk.rate(self.c, at(10, 20), good)
        desk.rate(self.b, at(11, 9), bad)
        desk.rate(self.a, at(12, 9), good)
        desk.rate(self.d, at(13, 9), good)  # after the range
