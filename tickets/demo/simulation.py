"""The life of a demo ticket, simulated in Python, and the rows it leaves behind."""

from __future__ import annotations

import datetime
import json
import math
import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, overload

from tickets.demo.base_data import DAYS_OF_HISTORY, DEPARTMENT_WEIGHTS, DEPARTMENTS, Catalog
from tickets.models import (
    ActiveState,
    Channel,
    CustomField,
    Priority,
    Rating,
    Reply,
    Source,
    TaggedTicket,
    Ticket,
    TicketEvent,
    history,
)
from tickets.statuses import CATEGORIES, FixedStatus, StatusCategory

MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0

# Ticket text ----------------------------------------------------------------

SUBJECTS = {
    "Support": [
        "Cannot log in to my account", "Password reset email never arrives",
        "How do I add a new user?", "Two-factor codes are rejected", "Account locked",
        "Where can I change my email address?", "Notifications stopped working",
    ],
    "Technical": [
        "Export to CSV fails", "API returns 500 on ticket list", "Dashboard is very slow",
        "Webhook not firing", "Mobile app crashes on start", "Search gives no results",
        "Integration with our CRM stopped syncing", "Attachments fail to upload",
    ],
    "Billing": [
        "Invoice shows the wrong amount", "Request for a refund", "Update our billing address",
        "Charged twice this month", "VAT number missing on invoice", "Change of payment card",
    ],
    "Sales": [
        "Quote for 50 more seats", "Question about the Enterprise plan", "Discount for nonprofits?",
        "Upgrade from Team to Business", "Trial extension request",
    ],
    "Onboarding": [
        "Help with the initial setup", "Importing our old tickets", "Training session for our team",
        "Configuring single sign-on", "Setting up email forwarding",
    ],
}  # fmt: skip
MESSAGES = [
    "Since this morning {thing} does not work for several of our people.",
    "Could you please look into this? It is blocking our work on {thing}.",
    "We noticed this yesterday after the update; {thing} behaves differently now.",
    "Hello, we need some help with {thing}. Thanks in advance.",
    "This is the second time this happens with {thing}. Please advise.",
]
THINGS = ["the login page", "our account", "the invoices", "the API", "the reports", "the app"]
AGENT_REPLIES = [
    "Thanks for reaching out. Could you send us a screenshot of the error?",
    "We have found the cause and deployed a fix. Could you try again?",
    "I have updated your account settings; it should work now.",
    "Thanks for the details. Our engineers are looking into it and I will get back to you.",
    "I have corrected the invoice and sent you the new version by email.",
    "Please clear your browser cache and sign in again; that resolves it in most cases.",
    "I have escalated this to the product team and will keep you posted.",
    "Here is a link to our guide that walks through the steps.",
]
CLIENT_REPLIES = [
    "Thanks, but it still does not work for me.",
    "Here is the screenshot you asked for.",
    "That worked, thank you very much!",
    "Any news on this? We are still waiting.",
    "It works for me but not for my colleague.",
    "Thanks for the quick help.",
    "The problem is back since this morning.",
]
NOTES = [
    "Checked the logs: the requests time out on our side.",
    "Customer is on the Business plan; priority support applies.",
    "Same issue as last week, see the linked ticket.",
    "Waiting for engineering to confirm the fix.",
    "Called the customer, they will send more details.",
]
RATING_COMMENTS = {
    Rating.Value.GOOD: ["", "", "Quick and friendly, thanks!", "Great support.", "Solved fast."],
    Rating.Value.BAD: ["", "Took far too long.", "The problem is not really solved."],
}

# How tickets come in, how urgent they are, and how their lives go.
SOURCES = [(Source.WEB, 50), (Source.EMAIL, 38), (Source.API, 12)]
PRIORITIES = [(Priority.NORMAL, 70), (Priority.HIGH, 22), (Priority.URGENT, 8)]
FIRST_RESPONSE_MEDIAN = {
    Priority.NORMAL: 3 * HOUR,
    Priority.HIGH: HOUR,
    Priority.URGENT: 15 * MINUTE,
}
SPAM_RATE = 0.02
ASSIGNED_ON_ARRIVAL_RATE = 0.5
UNASSIGNED_RATE = 0.2  # of those not assigned on arrival
NEGLECTED_RATE = 0.03
CLOSED_WITHOUT_REPLY_RATE = 0.03
CLIENT_FOLLOW_UP_RATE = 0.45
ON_HOLD_RATE = 0.1
# Of the tickets put on hold, those still waiting (for the client, a part, a third party):
# without them the On hold view of the demo would always be empty.
STAYS_ON_HOLD_RATE = 0.5
NOTE_RATE = 0.15
CLOSE_RATE = 0.72
AGENT_BUSY_RATE = 0.1  # the client has replied and waits for the agent
REOPEN_RATE = 0.05
RATING_RATE = 0.33
GOOD_RATING_RATE = 0.85
ARCHIVE_AFTER = 30 * DAY
ARCHIVE_RATE = 0.35


# Tickets --------------------------------------------------------------------


@dataclass
class Batch:
    """Rows for a batch of tickets, as tuples in the column order of TABLES.

    JSON columns hold JSON text, written as is by COPY. Replies are numbered
    0, 1, 2... within the batch while it is generated; `assign_reply_ids` swaps
    in the real ids, in the rows and in the history events that point at them,
    once the batch knows how many it needs.
    """

    tickets: list[tuple] = field(default_factory=list)
    replies: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    ratings: list[tuple] = field(default_factory=list)
    tags: list[tuple] = field(default_factory=list)
    cc: list[tuple] = field(default_factory=list)
    reply_events: list[tuple[int, int]] = field(default_factory=list)  # event index, reply

    def new_reply_id(self) -> int:
        return len(self.replies)

    def assign_reply_ids(self, ids: list[int]) -> None:
        self.replies = [(ids[row[0]], *row[1:]) for row in self.replies]
        new_value = TABLE_COLUMNS["events"].index("new_value")
        for position, reply in self.reply_events:
            row = list(self.events[position])
            row[new_value] = f'{{"reply_id": {ids[reply]}}}'
            self.events[position] = tuple(row)


CcThrough = Ticket.cc.through
# model, Batch attribute, the columns of each row (attnames); parents first.
TABLES = [
    (
        Ticket,
        "tickets",
        (
            "id", "subject", "message", "status_id", "priority", "source", "active_state",
            "department_id", "client_id", "project_id", "creator_id", "requester_id",
            "assignee_id", "team_id", "due_at", "is_spam", "custom_fields", "created_at",
            "updated_at", "status_changed_at", "first_response_at", "resolved_at",
            "replies_count", "last_reply_at", "waiting_since",
        ),
    ),
    (
        Reply,
        "replies",
        ("id", "ticket_id", "kind", "text", "author_agent_id", "author_contact_id", "source",
         "created_at"),
    ),
    (
        TicketEvent,
        "events",
        ("ticket_id", "kind", "actor_id", "actor_contact_id", "channel", "field", "old_value",
         "new_value", "created_at"),
    ),
    (Rating, "ratings", ("ticket_id", "value", "comment", "contact_id", "agent_id", "created_at")),
    (TaggedTicket, "tags", ("content_object_id", "tag_id")),
    (CcThrough, "cc", ("ticket_id", "contact_id")),
]  # fmt: skip
TABLE_COLUMNS = {attribute: columns for _, attribute, columns in TABLES}


class LifeStops(Exception):
    """The ticket stays as it is now: its life has reached the present, or it waits."""


def _cumulative(weights: Sequence[float]) -> list[float]:
    return list(accumulate(weights))


class TicketSimulator:
    """Lives through one ticket at a time and appends its rows to a Batch.

    Times are seconds since the epoch while simulating, and UTC datetimes in
    the rows. Each step happens later than the previous one; a step that would
    happen after `now` ends the ticket's life where it is.
    """

    def __init__(self, catalog: Catalog, rng: random.Random, now: datetime.datetime):
        self.catalog = catalog
        self.rng = rng
        self.now = now.timestamp()
        self.client_weights = _cumulative(
            [1 / (rank + 1) ** 0.8 for rank in range(len(catalog.clients))]
        )
        self.department_weights = _cumulative(DEPARTMENT_WEIGHTS)
        self.source_weights = _cumulative([weight for _, weight in SOURCES])
        self.priority_weights = _cumulative([weight for _, weight in PRIORITIES])
        self.teams_by_department = {
            name: [team for team in catalog.teams if name in team[2]] for name in DEPARTMENTS
        }

    def _pick(self, items: list, cumulative_weights: list[float]):
        return items[bisect(cumulative_weights, self.rng.random() * cumulative_weights[-1])]

    def delay(self, median: float, spread: float = 1.0, minimum: float = MINUTE) -> float:
        """A log-normally distributed delay: mostly near the median, sometimes much longer."""
        return max(minimum, median * math.exp(self.rng.gauss(0.0, spread)))

    def add_ticket(self, batch: Batch, ticket_id: int) -> None:
        rng = self.rng
        catalog = self.catalog
        agents = catalog.agents
        statuses = catalog.statuses
        department_id, department = self._pick(catalog.departments, self.department_weights)
        client = self._pick(catalog.clients, self.client_weights)
        requester_id = rng.choice(client.contact_ids)
        project_id = (
            rng.choice(client.project_ids) if client.project_ids and rng.random() < 0.4 else None
        )
        source = self._pick(SOURCES, self.source_weights)[0]
        priority = self._pick(PRIORITIES, self.priority_weights)[0]
        team_id, members, _ = rng.choice(self.teams_by_department[department])
        assignee = rng.choice(members)
        creator_id = (
            agents[rng.choice(members)]["id"]
            if source == Source.WEB and rng.random() < 0.2
            else None
        )
        subject = rng.choice(SUBJECTS[department])
        message = rng.choice(MESSAGES).format(thing=rng.choice(THINGS))
        is_spam = rng.random() < SPAM_RATE
        if is_spam:
            subject, message, project_id = "Cheap watches and pills", "Click here for a deal!", None

        # Work-hour arrival: uniform over the history, with a nudge towards daytime.
        created = self.now - rng.random() * DAYS_OF_HISTORY * DAY
        created -= (created % DAY - 14 * HOUR) * 0.3  # pull towards 14:00 UTC
        created = min(created, self.now - rng.random() * HOUR)

        life = TicketLife(self, batch, ticket_id, created)
        life.event(
            created,
            TicketEvent.Kind.CREATED,
            actor_id=creator_id,
            channel=source,
            new=json.dumps(
                history.created_value(
                    subject=subject, status=json.loads(statuses[FixedStatus.OPEN])
                )
            ),
        )
        assignee_id = team = None
        active_state = ActiveState.ACTIVE
        try:
            if is_spam:
                life.at = life.later(self.delay(30 * MINUTE))
                life.event(life.at, TicketEvent.Kind.SPAM_MARKED, actor_id=agents[assignee]["id"])
            else:
                team = team_id if rng.random() < 0.9 else None
                if rng.random() < ASSIGNED_ON_ARRIVAL_RATE:  # by a routing rule: no event
                    assignee_id = agents[assignee]["id"]
                elif rng.random() > UNASSIGNED_RATE:  # an agent picks it up
                    life.at = life.later(self.delay(10 * MINUTE, minimum=10))
                    assignee_id = agents[assignee]["id"]
                    life.event(
                        life.at,
                        TicketEvent.Kind.ASSIGNED,
                        actor_id=assignee_id,
                        old=None,
                        new=agents[assignee]["label"],
                    )
                responder = assignee if assignee_id else rng.choice(members)
                active_state = life.conversation(responder, priority, requester_id, source)
        except LifeStops:
            pass

        due_at = None
        if not is_spam and rng.random() < 0.15:
            due = created + self.delay(3 * DAY, 0.5)
            due_at = _utc(due) if due <= self.now else None  # nothing in the future
        tag_ids = rng.sample(catalog.tag_ids, rng.choice((0, 1, 1, 2, 2, 3))) if not is_spam else []
        batch.tags += [(ticket_id, tag_id) for tag_id in sorted(tag_ids)]
        if len(client.contact_ids) > 1 and rng.random() < 0.1:
            cc_id = rng.choice([c for c in client.contact_ids if c != requester_id])
            batch.cc.append((ticket_id, cc_id))
        custom = {}
        if not is_spam and rng.random() < 0.5:
            custom = self._custom_values(created)

        if life.resolved is not None and assignee_id and rng.random() < RATING_RATE:
            life.rate(assignee_id, requester_id)

        batch.tickets.append(
            (
                ticket_id, subject, message, life.status, int(priority), str(source),
                str(active_state), department_id, client.id, project_id, creator_id,
                requester_id, assignee_id, team, due_at, is_spam, json.dumps(custom), _utc(created),
                _utc(life.updated), _utc(life.status_changed), _utc(life.first_response),
                _utc(life.resolved), life.replies_count, _utc(life.last_reply),
                _utc(life.waiting_since()),
            )
        )  # fmt: skip

    def _custom_values(self, created: float) -> dict[str, Any]:
        rng = self.rng
        values: dict[str, Any] = {}
        for definition in self.catalog.custom_fields:
            if rng.random() < 0.5:
                continue
            match definition.type:
                case CustomField.Type.TEXT:
                    values[definition.key] = f"ORD-{rng.randrange(10000, 99999)}"
                case CustomField.Type.NUMBER:
                    values[definition.key] = rng.choice((5, 10, 25, 50, 100, 250))
                case CustomField.Type.DATE:
                    values[definition.key] = (
                        _utc(created + rng.randrange(30, 365) * DAY).date().isoformat()
                    )
                case CustomField.Type.CHOICE:
                    values[definition.key] = rng.choice(definition.choices)
                case CustomField.Type.CHECKBOX:
                    values[definition.key] = rng.random() < 0.2
        return values


class TicketLife:
    """One ticket's conversation and status changes, kept as services.post_reply and
    services.change_status would keep them."""

    def __init__(self, sim: TicketSimulator, batch: Batch, ticket_id: int, created: float):
        self.sim = sim
        self.rng = sim.rng
        self.batch = batch
        self.ticket_id = ticket_id
        self.at = created
        self.created = created
        self.status: int = FixedStatus.OPEN
        self.updated = created
        self.status_changed: float | None = None
        self.first_response: float | None = None
        self.resolved: float | None = None
        self.replies_count = 0
        self.last_reply: float | None = None

    def waiting_since(self) -> float | None:
        """When the client started waiting for us, as the services keep it: since the
        ticket entered its status, if that status is of the category open."""
        if CATEGORIES[FixedStatus(self.status)] != StatusCategory.OPEN:
            return None
        return self.status_changed if self.status_changed is not None else self.created

    def later(self, delay: float) -> float:
        at = self.at + delay
        if at > self.sim.now:
            raise LifeStops
        return at

    def event(
        self,
        at,
        kind,
        *,
        actor_id=None,
        contact_id=None,
        channel=Channel.WEB,
        old=None,
        new=None,
        reply_id=None,
    ):
        if reply_id is not None:  # the id is known later: see Batch.assign_reply_ids
            self.batch.reply_events.append((len(self.batch.events), reply_id))
        self.batch.events.append(
            (self.ticket_id, str(kind), actor_id, contact_id, str(channel), "", old, new, _utc(at))
        )
        if kind != TicketEvent.Kind.CREATED:
            self.updated = max(self.updated, at)  # a rating may come before later changes

    def set_status(
        self, status: int, *, actor_id=None, contact_id=None, channel=Channel.WEB
    ) -> None:
        if status == self.status:
            return
        statuses = self.sim.catalog.statuses
        self.event(
            self.at,
            TicketEvent.Kind.STATUS_CHANGED,
            actor_id=actor_id,
            contact_id=contact_id,
            channel=channel,
            old=statuses[self.status],
            new=statuses[status],
        )
        closing = status == FixedStatus.CLOSED
        if closing and self.status != FixedStatus.CLOSED:
            self.resolved = self.at
        elif not closing:
            self.resolved = None
        self.status = status
        self.status_changed = self.at

    def agent_reply(self, username: str, *, note: bool = False) -> None:
        agent_id = self.sim.catalog.agents[username]["id"]
        channel = Channel.API if self.rng.random() < 0.1 else Channel.WEB
        reply_id = self.batch.new_reply_id()
        kind = Reply.Kind.NOTE if note else Reply.Kind.REPLY
        text = self.rng.choice(NOTES if note else AGENT_REPLIES)
        self.batch.replies.append(
            (reply_id, self.ticket_id, str(kind), text, agent_id, None, str(channel), _utc(self.at))
        )
        if not note:
            self.replies_count += 1
            self.last_reply = self.at
            if self.first_response is None:
                self.first_response = self.at
            self.set_status(FixedStatus.ANSWERED, actor_id=agent_id, channel=channel)
        self.event(
            self.at,
            TicketEvent.Kind.NOTE_ADDED if note else TicketEvent.Kind.REPLY_ADDED,
            actor_id=agent_id,
            channel=channel,
            reply_id=reply_id,
        )

    def client_reply(self, contact_id: int, source: str) -> None:
        channel = Channel.EMAIL if source == Source.EMAIL else Channel.WEB
        reply_id = self.batch.new_reply_id()
        text = self.rng.choice(CLIENT_REPLIES)
        self.batch.replies.append(
            (reply_id, self.ticket_id, "reply", text, None, contact_id, str(channel), _utc(self.at))
        )
        self.replies_count += 1
        self.last_reply = self.at
        self.set_status(FixedStatus.CUSTOMER_REPLIED, contact_id=contact_id, channel=channel)
        self.event(
            self.at,
            TicketEvent.Kind.REPLY_ADDED,
            contact_id=contact_id,
            channel=channel,
            reply_id=reply_id,
        )

    def close(self, username: str) -> None:
        self.set_status(FixedStatus.CLOSED, actor_id=self.sim.catalog.agents[username]["id"])

    def conversation(
        self, agent: str, priority: Priority, contact_id: int, source: str
    ) -> ActiveState:
        """First response, back and forth, closing, maybe reopening and archiving.

        Returns the active state the ticket ends in.
        """
        rng, sim = self.rng, self.sim
        if rng.random() < NEGLECTED_RATE:
            return ActiveState.ACTIVE
        if rng.random() < CLOSED_WITHOUT_REPLY_RATE:  # duplicates and the like
            self.at = self.later(sim.delay(HOUR))
            self.close(agent)
        else:
            if rng.random() < NOTE_RATE:
                self.at = self.later(sim.delay(20 * MINUTE))
                self.agent_reply(agent, note=True)
            self.at = self.later(sim.delay(FIRST_RESPONSE_MEDIAN[priority], 1.2))
            self.agent_reply(agent)
            self.back_and_forth(agent, contact_id, source, CLIENT_FOLLOW_UP_RATE)
            if rng.random() > CLOSE_RATE:
                return ActiveState.ACTIVE
            self.at = self.later(sim.delay(DAY, 1.3, minimum=10 * MINUTE))
            self.close(agent)
            if rng.random() < REOPEN_RATE:
                self.at = self.later(sim.delay(2 * DAY, 0.7))
                self.client_reply(contact_id, source)
                self.at = self.later(sim.delay(2 * HOUR))
                self.agent_reply(agent)
                self.at = self.later(sim.delay(DAY, minimum=10 * MINUTE))
                self.close(agent)
        if rng.random() < ARCHIVE_RATE:
            self.at = self.later(ARCHIVE_AFTER + sim.delay(3 * DAY, 0.5))
            self.event(self.at, TicketEvent.Kind.ARCHIVED, channel=Channel.SYSTEM)
            return ActiveState.ARCHIVED
        return ActiveState.ACTIVE

    def back_and_forth(
        self, agent: str, contact_id: int, source: str, follow_up_rate: float
    ) -> None:
        rng, sim = self.rng, self.sim
        while rng.random() < follow_up_rate:
            self.at = self.later(sim.delay(6 * HOUR, 1.2))
            self.client_reply(contact_id, source)
            if rng.random() < AGENT_BUSY_RATE:
                raise LifeStops
            if rng.random() < NOTE_RATE:
                self.at = self.later(sim.delay(30 * MINUTE))
                self.agent_reply(agent, note=True)
            self.at = self.later(sim.delay(2 * HOUR, 1.2))
            self.agent_reply(agent)
            if rng.random() < ON_HOLD_RATE:
                self.at = self.later(sim.delay(10 * MINUTE))
                self.set_status(FixedStatus.ON_HOLD, actor_id=sim.catalog.agents[agent]["id"])
                if rng.random() < STAYS_ON_HOLD_RATE:
                    raise LifeStops
                self.at = self.later(sim.delay(3 * DAY, 0.5))
                self.agent_reply(agent)
            follow_up_rate *= 0.7

    def rate(self, agent_id: int, contact_id: int) -> None:
        """The client rates the closed ticket; like services.rate_ticket, it moves updated_at."""
        rng = self.rng
        assert self.resolved is not None  # only a closed ticket is rated
        at = self.resolved + self.sim.delay(3 * HOUR)
        if at > self.sim.now:
            return
        value = Rating.Value.GOOD if rng.random() < GOOD_RATING_RATE else Rating.Value.BAD
        comment = rng.choice(RATING_COMMENTS[value])
        self.batch.ratings.append(
            (self.ticket_id, str(value), comment, contact_id, agent_id, _utc(at))
        )
        self.event(
            at,
            TicketEvent.Kind.RATED,
            contact_id=contact_id,
            new=json.dumps(history.rating_value(value=value, comment=comment)),
        )


@overload
def _utc(timestamp: float) -> datetime.datetime: ...
@overload
def _utc(timestamp: float | None) -> datetime.datetime | None: ...
def _utc(timestamp: float | None) -> datetime.datetime | None:
    if timestamp is None:
        return None
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC)
