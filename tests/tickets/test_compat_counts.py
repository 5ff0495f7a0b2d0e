"""TicketWorkloadCount (assignee, team, replies) and TicketTagCount (tags): kept exact by
PostgreSQL's triggers whatever writes the tickets or their tags, and read for totals."""

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import Coalesce
from taggit.models import Tag

from tests import factories
from tickets import counts, services
from tickets.models import (
    ActiveState,
    Channel,
    Reply,
    TaggedTicket,
    Ticket,
    TicketTagCount,
    TicketWorkloadCount,
)

pytestmark = pytest.mark.django_db

WORKLOAD = ["assignee_id", "team_id", "replies_count", "active_state", "is_spam"]
POSTGRESQL = connection.vendor == "postgresql"


def assert_counts_exact() -> None:
    """Both tables equal a GROUP BY over the tickets and their tags (PostgreSQL); other
    databases keep no such counts."""
    if not POSTGRESQL:
        assert counts.counted_total({"assignee_id": None}) is None
        assert counts.counted_total({counts.TAG_NAME: "billing"}) is None
        assert not TicketWorkloadCount.objects.exists()
        assert not TicketTagCount.objects.exists()
        return
    grouped = (
        Ticket.objects.order_by()
        .annotate(counted_assignee=Coalesce("assignee_id", 0), counted_team=Coalesce("team_id", 0))
        .values_list("counted_assignee", "counted_team", *WORKLOAD[2:])
        .annotate(n=Count("pk"))
    )
    kept = TicketWorkloadCount.objects.exclude(count=0).values_list(*WORKLOAD, "count")
    assert {row[:-1]: row[-1] for row in kept} == {row[:-1]: row[-1] for row in grouped}
    tagged = (
        TaggedTicket.objects.order_by()
        .values_list("tag_id", "content_object__active_state", "content_object__is_spam")
        .annotate(n=Count("pk"))
    )
    kept_tags = TicketTagCount.objects.exclude(count=0).values_list(
        "tag_id", "active_state", "is_spam", "count"
    )
    assert {row[:-1]: row[-1] for row in kept_tags} == {row[:-1]: row[-1] for row in tagged}


def test_assignments_teams_and_replies_are_counted(agent, other_agent):
    team = factories.TeamFactory()
    ticket = factories.TicketFactory(assignee=agent, team=team)
    factories.TicketFactory.create_batch(2)
    assert_counts_exact()
    services.post_reply(ticket=ticket, author=agent, text="On it.", channel=Channel.WEB)
    services.post_reply(ticket=ticket, author=agent, text="Still.", channel=Channel.WEB)
    assert_counts_exact()
    services.assign(ticket=ticket, assignee=other_agent, actor=agent, channel=Channel.WEB)
    services.archive(ticket=ticket, actor=agent, channel=Channel.WEB)
    services.mark_spam(ticket=ticket, is_spam=True, actor=agent, channel=Channel.WEB)
    assert_counts_exact()
    services.assign(ticket=ticket, assignee=None, actor=agent, channel=Channel.WEB)
    Ticket.objects.update(team=None)
    assert_counts_exact()
    Ticket.objects.filter(pk=ticket.pk).delete()
    assert_counts_exact()


def test_a_note_leaves_the_workload_alone(agent):
    ticket = factories.TicketFactory(assignee=agent)
    before = list(TicketWorkloadCount.objects.values_list("pk", "count"))
    services.post_reply(
        ticket=ticket, author=agent, text="Mine.", kind=Reply.Kind.NOTE, channel=Channel.WEB
    )
    assert list(TicketWorkloadCount.objects.values_list("pk", "count")) == before
    assert_counts_exact()


def test_tags_are_counted_as_they_come_and_go(agent):
    ticket = factories.TicketFactory(tags=["billing", "export"])
    factories.TicketFactory(tags=["billing"])
    assert_counts_exact()
    services.set_tags(ticket=ticket, tags=["export", "login"], actor=agent, channel=Channel.WEB)
    assert_counts_exact()
    # The ticket's state and spam flag move its tags' counts.
    services.archive(ticket=ticket, actor=agent, channel=Channel.WEB)
    services.mark_spam(ticket=ticket, is_spam=True, actor=agent, channel=Channel.WEB)
    assert_counts_exact()
    services.restore(ticket=ticket, actor=agent, channel=Channel.WEB)
    assert_counts_exact()
    TaggedTicket.objects.filter(tag__name="login").update(tag=Tag.objects.get(name="billing"))
    assert_counts_exact()
    ticket.delete()
    Tag.objects.filter(name="billing").delete()
    assert_counts_exact()


def test_tags_written_before_their_ticket_are_counted_once():
    """The foreign keys are checked at commit: a ticket's tag row may come first."""
    tag = Tag.objects.create(name="early", slug="early")
    client, department = factories.ClientFactory(), factories.CategoryFactory()
    ticket_id = (Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 10
    with transaction.atomic():
        TaggedTicket.objects.create(tag=tag, content_object_id=ticket_id)
        Ticket.objects.create(pk=ticket_id, subject="s", message="m", client=client,
                              department=department)  # fmt: skip
    assert_counts_exact()
    filters = {counts.TAG_NAME: "EARLY"}
    assert counts.total(Ticket.objects.with_any_tag(["EARLY"]), filters) == 1


def test_a_rolled_back_change_is_not_counted(agent):
    ticket = factories.TicketFactory(tags=["billing"])
    with pytest.raises(RuntimeError), transaction.atomic():
        services.assign(ticket=ticket, assignee=agent, actor=agent, channel=Channel.WEB)
        services.archive(ticket=ticket, actor=agent, channel=Channel.WEB)
        raise RuntimeError
    assert_counts_exact()


@pytest.mark.parametrize(
    "filters",
    [
        {"assignee_id": None, "is_spam": False, "active_state": ActiveState.ACTIVE},
        {"assignee_id": "agent"},
        {"team_id": "team", "is_spam": False},
        {"replies_count__gt": 0, "is_spam": False, "active_state": ActiveState.ACTIVE},
        {"replies_count__lte": 1, "replies_count__gt": 0},
        {"replies_count": 0, "assignee_id": "agent", "team_id": "team"},
        {counts.TAG_NAME: "BILLING", "is_spam": False, "active_state": ActiveState.ACTIVE},
        {counts.TAG_NAME: "nothing"},
    ],
)
def test_the_total_matches_a_count(agent, filters):
    team = factories.TeamFactory()
    values = {"agent": agent.pk, "team": team.pk}
    filters = {name: values.get(value, value) for name, value in filters.items()}  # type: ignore[arg-type]
    answered = factories.TicketFactory(assignee=agent, team=team, tags=["billing"])
    services.post_reply(ticket=answered, author=agent, text="Done.", channel=Channel.WEB)
    factories.TicketFactory(assignee=agent, team=team)
    factories.TicketFactory(tags=["billing", "export"])
    factories.TicketFactory(is_spam=True, tags=["billing"])
    factories.TicketFactory(active_state=ActiveState.ARCHIVED)
    queryset = Ticket.objects.all()
    for name, value in filters.items():
        queryset = (
            queryset.with_any_tag([value])
            if name == counts.TAG_NAME
            else queryset.filter(**{name: value})
        )
    assert counts.total(queryset, filters) == queryset.count()
    if POSTGRESQL:
        assert counts.counted_total(filters) == queryset.count()


def test_a_tag_in_two_cases_on_one_ticket_is_counted_by_count():
    factories.TicketFactory(tags=["Billing", "billing"])
    factories.TicketFactory(tags=["billing"])
    assert counts.counted_total({counts.TAG_NAME: "billing"}) is None
    queryset = Ticket.objects.with_any_tag(["billing"])
    assert counts.total(queryset, {counts.TAG_NAME: "billing"}) == 2


def test_mixed_tables_are_counted_by_count(agent):
    factories.TicketFactory(assignee=agent, tags=["billing"])
    assert counts.counted_total({counts.TAG_NAME: "billing", "assignee_id": agent.pk}) is None
    assert counts.counted_total({"assignee_id": agent.pk, "status_id": 1}) is None
