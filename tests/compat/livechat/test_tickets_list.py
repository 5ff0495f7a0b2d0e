"""GET /compat/livechat/tickets: 25 a page, every parameter of document 000, combined."""

import pytest

from tests import factories
from tickets import services
from tickets.models import Channel, Source, Ticket
from tickets.statuses import FixedStatus

from .conftest import BASE, body
from .histories import at, conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def department(db):
    return factories.CategoryFactory(name="Support")


def listed_ids(livechat, query: str = "") -> list[int]:
    response = livechat.get(f"{BASE}/tickets{'?' + query if query else ''}")
    assert response.status_code == 200, response.content
    return [int(ticket["id"]) for ticket in body(response)["tickets"]]


def ticket_at(minutes: float, **fields) -> Ticket:
    """A ticket created and last modified at `minutes` after T0."""
    fields.setdefault("department", factories.CategoryFactory())
    return factories.TicketFactory(created_at=at(minutes), updated_at=at(minutes), **fields)


class TestPages:
    def test_25_a_page_newest_change_first(self, livechat):
        tickets = [ticket_at(minutes) for minutes in range(30)]

        first = body(livechat.get(f"{BASE}/tickets"))
        second = body(livechat.get(f"{BASE}/tickets?page=2"))

        assert (first["pages"], first["total"]) == (2, 30)
        assert [int(t["id"]) for t in first["tickets"]] == [t.pk for t in tickets[::-1][:25]]
        assert [int(t["id"]) for t in second["tickets"]] == [t.pk for t in tickets[4::-1]]
        assert body(livechat.get(f"{BASE}/tickets?page=3"))["tickets"] == []

    def test_no_ticket(self, livechat):
        assert body(livechat.get(f"{BASE}/tickets")) == {"pages": 1, "total": 0, "tickets": []}

    def test_order_asc(self, livechat):
        old, new = ticket_at(1), ticket_at(2)
        same_time = ticket_at(2)

        assert listed_ids(livechat, "order=asc") == [old.pk, new.pk, same_time.pk]
        assert listed_ids(livechat, "order=desc") == [same_time.pk, new.pk, old.pk]

    @pytest.mark.parametrize(
        "query",
        [
            "page=0",
            "page=x",
            "order=newest",
            "status=closed",
            "assigned=2",
            "tagged=yes",
            "source=email",
            "group=-1",
            "group=x",
            "date_from=2026-13-01",
            "date_to=yesterday",
            "date_from=2026-03-05&date_to=2026-03-01",
            "assignee=nobody@example.com",
            "group=999",
            "query=" + "x" * 201,
            "requester[mail]=a%00b",
        ],
    )
    def test_a_bad_value_is_a_400_naming_the_parameter(self, livechat, query):
        response = livechat.get(f"{BASE}/tickets?{query}")

        assert response.status_code == 400
        name = query.split("=")[0]
        assert body(response)["error"].startswith(f"{name}:")


class TestFastPath:
    """A fixed number of queries, whatever the page holds."""

    def make(self, count, department, agent, other_agent):
        team = factories.TeamFactory()
        for index in range(count):
            conversation(
                department=department,
                agent=agent,
                other_agent=other_agent,
                team=team,
                mail=f"client{index}@shop{index}.example",
                start=index * 10,
            )

    @pytest.mark.parametrize("count", [1, 25])
    def test_a_page_in_a_fixed_number_of_queries(
        self, livechat, django_assert_num_queries, department, agent, other_agent, count
    ):
        self.make(count, department, agent, other_agent)

        # The key, the count, the page, the statuses, the tags, the replies, the history
        # and the agents they name.
        with django_assert_num_queries(8):
            response = livechat.get(f"{BASE}/tickets")
        assert len(body(response)["tickets"]) == count

    @pytest.mark.parametrize("count", [1, 25])
    def test_filtered_too(
        self, livechat, django_assert_num_queries, department, agent, other_agent, count
    ):
        self.make(count, department, agent, other_agent)

        # The status filter reads the statuses of the category once more.
        with django_assert_num_queries(9):
            response = livechat.get(f"{BASE}/tickets?status=open&tagged=1&assigned=1")
        assert len(body(response)["tickets"]) == count


class TestFilters:
    def test_status_by_category_and_spam(self, livechat, agent):
        open_ = ticket_at(1, status_id=FixedStatus.CUSTOMER_REPLIED)
        pending = ticket_at(2, status_id=FixedStatus.ON_HOLD)
        answered = ticket_at(3, status_id=FixedStatus.ANSWERED)
        solved = ticket_at(4, status_id=FixedStatus.CLOSED)
        spam = ticket_at(5, status_id=FixedStatus.OPEN, is_spam=True)

        assert listed_ids(livechat, "status=open") == [open_.pk]
        assert listed_ids(livechat, "status=pending") == [answered.pk, pending.pk]
        assert listed_ids(livechat, "status=solved") == [solved.pk]
        assert listed_ids(livechat, "status=spam") == [spam.pk]
        assert body(livechat.get(f"{BASE}/tickets?status=pending"))["total"] == 2

    def test_assigned_and_assignee(self, livechat, agent, other_agent):
        mine = ticket_at(1, assignee=agent)
        theirs = ticket_at(2, assignee=other_agent)
        nobodys = ticket_at(3)

        assert listed_ids(livechat, "assigned=0") == [nobodys.pk]
        assert listed_ids(livechat, "assigned=1") == [theirs.pk, mine.pk]
        assert listed_ids(livechat, f"assignee={agent.email.upper()}") == [mine.pk]
        assert listed_ids(livechat, f"assignee={other_agent.username}") == [theirs.pk]

    def test_assignee_a_former_agent(self, livechat, other_agent):
        other_agent.is_active = False
        other_agent.save()
        theirs = ticket_at(1, assignee=other_agent)

        assert listed_ids(livechat, f"assignee={other_agent.email}") == [theirs.pk]

    def test_group(self, livechat):
        team = factories.TeamFactory()
        in_team, without = ticket_at(1, team=team), ticket_at(2)

        assert listed_ids(livechat, f"group={team.pk}") == [in_team.pk]
        assert listed_ids(livechat, "group=0") == [without.pk]

    @pytest.mark.parametrize(
        ("source", "ours"),
        [
            ("mail", Source.EMAIL),
            ("agent-app-manual", Source.WEB),
            ("chat-window", Source.PORTAL),
            ("lc2", Source.API),
        ],
    )
    def test_source(self, livechat, source, ours):
        matching = ticket_at(1, source=ours)
        for other in Source:
            if other != ours:
                ticket_at(2, source=other)

        assert listed_ids(livechat, f"source={source}") == [matching.pk]

    def test_facebook_matches_nothing(self, livechat):
        for source in Source:
            ticket_at(1, source=source)

        assert listed_ids(livechat, "source=facebook") == []

    def test_requester_mail(self, livechat):
        mary = factories.ContactFactory(email="Mary@Shop.example")
        hers = ticket_at(1, client=mary.client, requester=mary)
        ticket_at(2, requester=factories.ContactFactory())

        assert listed_ids(livechat, "requester%5Bmail%5D=mary@shop.EXAMPLE") == [hers.pk]
        assert listed_ids(livechat, "requester[mail]=nobody@shop.example") == []

    def test_tag_and_tagged(self, livechat):
        sales = ticket_at(1, tags=["Sales"])
        support = ticket_at(2, tags=["support"])
        untagged = ticket_at(3)

        assert listed_ids(livechat, "tag=sales") == [sales.pk]
        assert listed_ids(livechat, "tag[]=sales&tag[]=support") == [support.pk, sales.pk]
        assert listed_ids(livechat, "tagged=1") == [support.pk, sales.pk]
        assert listed_ids(livechat, "tagged=0") == [untagged.pk]

    def test_query_searches_the_conversation(self, livechat, agent):
        refund = ticket_at(1, subject="Refund please")
        replied = ticket_at(2)
        factories.ReplyFactory(ticket=replied, text="The refund was sent", author_agent=agent)
        ticket_at(3, subject="Login")

        assert listed_ids(livechat, "query=refund") == [replied.pk, refund.pk]
        found = body(livechat.get(f"{BASE}/tickets?query=refund&order=asc"))
        assert found["total"] == 2
        assert [int(t["id"]) for t in found["tickets"]] == [refund.pk, replied.pk]
        assert listed_ids(livechat, "query=refund&page=2") == []

    def test_parameters_combine(self, livechat, agent):
        team = factories.TeamFactory()
        wanted = ticket_at(1, team=team, assignee=agent, tags=["vip"], source=Source.EMAIL)
        ticket_at(2, team=team, assignee=agent, tags=["vip"], source=Source.WEB)
        ticket_at(3, team=team, tags=["vip"], source=Source.EMAIL)
        ticket_at(4, assignee=agent, tags=["vip"], source=Source.EMAIL)

        query = f"group={team.pk}&assignee={agent.email}&tag=vip&source=mail&status=open"
        assert listed_ids(livechat, query) == [wanted.pk]
        assert body(livechat.get(f"{BASE}/tickets?{query}"))["total"] == 1


class TestDates:
    """Any activity on those days: the creation, a reply or note, a change."""

    @pytest.fixture
    def days(self, settings, department, agent):
        settings.TIME_ZONE = "UTC"
        created_on_2nd = ticket_at(0)  # 2026-03-02
        created_on_1st = ticket_at(-60 * 24, department=department)
        replied_on_3rd = ticket_at(-60 * 24 * 5)
        services.post_reply(
            ticket=replied_on_3rd,
            text="Any news?",
            author=agent,
            channel=Channel.WEB,
            at=at(60 * 24),
        )
        changed_on_4th = ticket_at(-60 * 24 * 5)
        services.set_tags(
            ticket=changed_on_4th, tags=["x"], actor=agent, channel=Channel.WEB, at=at(60 * 48)
        )
        # Changed again later: its reply on the 3rd is found in its history.
        services.set_tags(
            ticket=replied_on_3rd, tags=["y"], actor=agent, channel=Channel.WEB, at=at(60 * 96)
        )
        return created_on_1st, created_on_2nd, replied_on_3rd, changed_on_4th

    def test_from_and_to(self, livechat, days):
        first, second, third, fourth = days

        assert listed_ids(livechat, "date_from=2026-03-02&date_to=2026-03-02") == [second.pk]
        assert set(listed_ids(livechat, "date_from=2026-03-03&date_to=2026-03-04")) == {
            third.pk,
            fourth.pk,
        }
        assert listed_ids(livechat, "date_from=2026-03-03&date_to=2026-03-03") == [third.pk]
        assert set(listed_ids(livechat, "date_from=2026-03-04")) == {third.pk, fourth.pk}
        assert listed_ids(livechat, "date_from=2026-03-04&date_to=2026-03-04") == [fourth.pk]
        assert set(listed_ids(livechat, "date_to=2026-03-01")) == {first.pk, third.pk, fourth.pk}
        assert listed_ids(livechat, "date_from=2026-03-06") == [third.pk]
        assert listed_ids(livechat, "date_from=2026-03-07") == []
        # Created before the days and changed after them, with nothing on them.
        assert listed_ids(livechat, "date_from=2026-03-05&date_to=2026-03-05") == []
        total = body(livechat.get(f"{BASE}/tickets?date_from=2026-03-01&date_to=2026-03-02"))
        assert total["total"] == 2
