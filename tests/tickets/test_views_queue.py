"""The ticket queue: filters, sort, pagination, built-in views and their counts."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from tests import factories
from tickets.models import ActiveState, Priority, Ticket
from tickets.statuses import FixedStatus
from tickets.views.queue import PAGE_SIZE, VIEWS

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _no_cached_counts():
    """The views' counts are cached for a few seconds; each test starts without them."""
    cache.clear()
    yield
    cache.clear()


def shown(response) -> list[int]:
    return [ticket.pk for ticket in response.context["tickets"]]


# The "All tickets" view: every active ticket (the bare address shows the agent's own).
ALL = {"active_state": "active"}


def queue(http, **params):
    response = http.get(reverse("queue"), params)
    assert response.status_code == 200
    return response


class TestQueuePage:
    def test_shows_the_columns_of_each_ticket(self, signed_in, agent):
        ticket = factories.TicketFactory(
            subject="Printer <b>on fire</b>",
            assignee=agent,
            priority=Priority.URGENT,
            status_id=FixedStatus.CUSTOMER_REPLIED,
            tags=["hardware"],
            replies_count=3,
        )
        html = queue(signed_in).content.decode()
        assert f'href="{reverse("ticket", args=[ticket.pk])}"' in html
        assert "Printer &lt;b&gt;on fire&lt;/b&gt;" in html  # escaped
        assert f'title="{ticket.client.name}">{ticket.client.name}<' in html  # no requester
        assert 'class="badge status-5"' in html
        assert "priority-urgent" in html
        assert agent.get_full_name() in html

    def test_default_is_active_not_spam_newest_update_first(self, signed_in):
        with freeze_time(T0):
            older = factories.TicketFactory(updated_at=T0 - datetime.timedelta(days=2))
            newer = factories.TicketFactory(updated_at=T0 - datetime.timedelta(days=1))
            factories.TicketFactory(active_state=ActiveState.ARCHIVED)
            factories.TicketFactory(is_spam=True)
        assert shown(queue(signed_in, **ALL)) == [newer.pk, older.pk]

    def test_default_is_my_open_work(self, signed_in, agent, other_agent):
        mine = factories.TicketFactory(assignee=agent)
        factories.TicketFactory(assignee=agent, status_id=FixedStatus.CLOSED)
        factories.TicketFactory(assignee=other_agent)
        factories.TicketFactory()
        response = queue(signed_in)
        assert shown(response) == [mine.pk]
        assert response.context["current_view"] == "mine"
        # A sort or a page alone keeps to it; any filter chooses for itself.
        assert shown(queue(signed_in, sort="-id")) == [mine.pk]
        assert len(shown(queue(signed_in, **ALL))) == 4
        assert queue(signed_in, **ALL).context["current_view"] == "all"

    def test_empty_queue(self, signed_in):
        html = queue(signed_in).content.decode()
        assert "No open tickets are assigned to you." in html
        html = queue(signed_in, **ALL).content.decode()
        assert "No tickets match these filters." in html


class TestFilters:
    def test_status_by_id_and_open_closed(self, signed_in):
        open_ticket = factories.TicketFactory(status_id=FixedStatus.OPEN)
        on_hold = factories.TicketFactory(status_id=FixedStatus.ON_HOLD)
        closed = factories.TicketFactory(status_id=FixedStatus.CLOSED)
        assert shown(queue(signed_in, status="3")) == [on_hold.pk]
        assert set(shown(queue(signed_in, status="open"))) == {open_ticket.pk, on_hold.pk}
        assert shown(queue(signed_in, status="closed")) == [closed.pk]
        assert set(shown(queue(signed_in, status=["1", "2"]))) == {open_ticket.pk, closed.pk}

    def test_priority(self, signed_in):
        factories.TicketFactory(priority=Priority.NORMAL)
        urgent = factories.TicketFactory(priority=Priority.URGENT)
        assert shown(queue(signed_in, priority="urgent")) == [urgent.pk]

    def test_department_client_project_team(self, signed_in):
        project = factories.ProjectFactory()
        team = factories.TeamFactory()
        target = factories.TicketFactory(client=project.client, project=project, team=team)
        factories.TicketFactory()
        assert shown(queue(signed_in, department=target.department_id)) == [target.pk]
        assert shown(queue(signed_in, client=target.client_id)) == [target.pk]
        assert shown(queue(signed_in, client=project.client_id, project=project.pk)) == [target.pk]
        assert shown(queue(signed_in, project=project.pk)) == [target.pk]
        assert shown(queue(signed_in, team=team.pk)) == [target.pk]

    def test_assignee_me_unassigned_and_by_id(self, signed_in, agent, other_agent):
        mine = factories.TicketFactory(assignee=agent)
        theirs = factories.TicketFactory(assignee=other_agent)
        nobody = factories.TicketFactory()
        assert shown(queue(signed_in, assignee="me")) == [mine.pk]
        assert shown(queue(signed_in, assignee="unassigned")) == [nobody.pk]
        assert shown(queue(signed_in, assignee=other_agent.pk)) == [theirs.pk]

    def test_tags_match_any_of_them_case_insensitive(self, signed_in):
        both = factories.TicketFactory(tags=["billing", "VIP"])
        vip = factories.TicketFactory(tags=["vip"])
        factories.TicketFactory(tags=["other"])
        factories.TicketFactory()
        assert set(shown(queue(signed_in, tags="Billing, vip"))) == {both.pk, vip.pk}
        assert shown(queue(signed_in, tags="BILLING")) == [both.pk]

    def test_active_state(self, signed_in):
        active = factories.TicketFactory()
        archived = factories.TicketFactory(active_state=ActiveState.ARCHIVED)
        assert shown(queue(signed_in, active_state="archived")) == [archived.pk]
        assert set(shown(queue(signed_in, active_state="all"))) == {active.pk, archived.pk}

    def test_invalid_value_never_widens_to_archived_and_is_reported(self, signed_in):
        active = factories.TicketFactory()
        factories.TicketFactory(active_state=ActiveState.ARCHIVED)
        response = queue(signed_in, active_state="bogus", status="999", assignee="x")
        assert shown(response) == [active.pk]
        assert "This filter was ignored." in response.content.decode()

    def test_created_date_range_is_inclusive_whole_days(self, signed_in):
        before = factories.TicketFactory(
            created_at=datetime.datetime(2026, 3, 1, 23, 59, tzinfo=datetime.UTC)
        )
        first_day = factories.TicketFactory(
            created_at=datetime.datetime(2026, 3, 2, 0, 0, tzinfo=datetime.UTC)
        )
        last_day = factories.TicketFactory(
            created_at=datetime.datetime(2026, 3, 5, 23, 59, tzinfo=datetime.UTC)
        )
        factories.TicketFactory(created_at=datetime.datetime(2026, 3, 6, 0, 0, tzinfo=datetime.UTC))
        response = queue(signed_in, created_after="2026-03-02", created_before="2026-03-05")
        assert set(shown(response)) == {first_day.pk, last_day.pk}
        assert before.pk not in shown(queue(signed_in, created_after="2026-03-02"))

    def test_search_subject_message_and_replies(self, signed_in):
        by_subject = factories.TicketFactory(subject="Invoice missing")
        by_message = factories.TicketFactory(message="The invoice never arrived")
        by_reply = factories.TicketFactory(subject="Question")
        factories.ReplyFactory(ticket=by_reply, text="Resending the invoice now")
        factories.TicketFactory(subject="Password reset")
        assert set(shown(queue(signed_in, search="invoice"))) == {
            by_subject.pk,
            by_message.pk,
            by_reply.pk,
        }

    def test_filters_combine(self, signed_in, agent):
        target = factories.TicketFactory(assignee=agent, priority=Priority.HIGH, tags=["vip"])
        factories.TicketFactory(assignee=agent, priority=Priority.NORMAL, tags=["vip"])
        factories.TicketFactory(priority=Priority.HIGH, tags=["vip"])
        assert shown(queue(signed_in, assignee="me", priority="high", tags="vip")) == [target.pk]

    def test_filter_form_keeps_the_url_state(self, signed_in, agent):
        html = queue(signed_in, status="3", search="printer", assignee="me").content.decode()
        assert 'type="checkbox" name="status" value="3"' in html
        assert 'name="status" value="3" id="id_status_3" checked>' in html
        assert 'data-dropdown-chosen data-nothing="Any status">On Hold<' in html
        assert 'value="printer"' in html
        assert '<option value="me" selected>' in html

    def test_choices_are_escaped(self, signed_in):
        department = factories.CategoryFactory(name="<b>R&D</b>")
        html = queue(signed_in, department=department.pk).content.decode()
        assert (
            f'<option value="{department.pk}" selected>&lt;b&gt;R&amp;D&lt;/b&gt;</option>' in html
        )
        assert "<b>R&D</b>" not in html

    def test_more_filters_fold_unless_one_is_set(self, signed_in):
        assert '<details class="dropdown more-filters">' in queue(signed_in).content.decode()
        for params in ({"tags": "vip"}, {"active_state": "archived"}):
            html = queue(signed_in, **params).content.decode()
            assert '<details class="dropdown more-filters" open>' in html


class TestSortAndPages:
    def test_sort_by_each_column(self, signed_in):
        a = factories.TicketFactory(subject="Alpha", priority=Priority.URGENT, replies_count=1)
        b = factories.TicketFactory(subject="Bravo", priority=Priority.NORMAL, replies_count=5)
        assert shown(queue(signed_in, sort="subject", **ALL)) == [a.pk, b.pk]
        assert shown(queue(signed_in, sort="-subject", **ALL)) == [b.pk, a.pk]
        assert shown(queue(signed_in, sort="-priority", **ALL)) == [a.pk, b.pk]
        assert shown(queue(signed_in, sort="-replies", **ALL)) == [b.pk, a.pk]
        assert shown(queue(signed_in, sort="id", **ALL)) == [a.pk, b.pk]
        for key in ("client", "department", "status", "assignee", "created", "updated"):
            assert len(shown(queue(signed_in, sort=key, **ALL))) == 2

    def test_sort_by_time_waited_puts_tickets_waiting_for_nobody_last(self, signed_in):
        with freeze_time(T0):
            longest = factories.TicketFactory(waiting_since=T0 - datetime.timedelta(days=2))
            shorter = factories.TicketFactory(waiting_since=T0 - datetime.timedelta(hours=3))
            answered = factories.TicketFactory(waiting_since=None)
            html = queue(signed_in, sort="waiting", **ALL).content.decode()
        assert shown(queue(signed_in, sort="waiting", **ALL)) == [
            longest.pk,
            shorter.pk,
            answered.pk,
        ]
        assert shown(queue(signed_in, sort="-waiting", **ALL)) == [
            shorter.pk,
            longest.pk,
            answered.pk,
        ]
        assert ">2 d</span>" in html and ">3 h</span>" in html

    def test_header_links_toggle_and_keep_the_filters(self, signed_in):
        factories.TicketFactory()
        response = queue(signed_in, status="open", sort="subject")
        html = response.content.decode()
        assert 'aria-sort="ascending"' in html
        assert 'href="?status=open&amp;sort=-subject"' in html
        assert 'href="?status=open&amp;sort=-updated"' in html

    def test_unknown_sort_falls_back(self, signed_in):
        factories.TicketFactory()
        assert len(shown(queue(signed_in, sort="password", **ALL))) == 1

    def test_pagination(self, signed_in):
        with freeze_time(T0):
            tickets = [
                factories.TicketFactory(updated_at=T0 - datetime.timedelta(minutes=i))
                for i in range(PAGE_SIZE + 2)
            ]
        first = queue(signed_in, **ALL)
        assert shown(first) == [t.pk for t in tickets[:PAGE_SIZE]]
        assert first.context["has_next"]
        assert 'href="?active_state=active&amp;page=2"' in first.content.decode()
        second = queue(signed_in, page=2, **ALL)
        assert shown(second) == [t.pk for t in tickets[PAGE_SIZE:]]
        assert not second.context["has_next"]
        assert shown(queue(signed_in, page="x", **ALL)) == shown(first)
        assert shown(queue(signed_in, page=99, **ALL)) == []


class TestViews:
    def test_counts_and_links_of_the_built_in_views(self, signed_in, agent, other_agent):
        factories.TicketFactory(assignee=agent)  # mine, open
        factories.TicketFactory(assignee=agent, status_id=FixedStatus.CLOSED)
        factories.TicketFactory(status_id=FixedStatus.ON_HOLD)  # unassigned, open
        factories.TicketFactory(assignee=other_agent, status_id=FixedStatus.CUSTOMER_REPLIED)
        factories.TicketFactory(active_state=ActiveState.ARCHIVED)
        factories.TicketFactory(is_spam=True)
        response = signed_in.get(reverse("queue_counts"))
        assert response.status_code == 200
        counts = {view.key: count for view, count in response.context["views"]}
        assert counts == {
            "all": 4,
            "mine": 1,
            "unassigned": 1,
            "open": 3,
            "on_hold": 1,
            "customer_replied": 1,
            "closed": 1,
            "archived": 1,
            "starred": 0,
            "spam": 1,
        }
        # Each view's link shows exactly the tickets it counts.
        for view in VIEWS:
            response = signed_in.get(reverse("queue") + "?" + view.query)
            assert len(shown(response)) == counts[view.key], view.key
            assert response.context["current_view"] == view.key

    def test_queue_page_shows_cached_counts_and_never_computes_them(self, signed_in, agent):
        factories.TicketFactory(assignee=agent)
        html = queue(signed_in).content.decode()
        # Nothing cached: the sidebar asks for the counts once the page has loaded.
        assert f'hx-get="{reverse("queue_counts")}?' in html
        assert '<span class="sr-only"> counting</span>' in html
        signed_in.get(reverse("queue_counts"))
        html = queue(signed_in).content.decode()
        assert 'hx-trigger="load"' not in html
        assert '<span class="count">1<span class="sr-only"> ticket</span></span>' in html

    def test_counts_fragment_marks_the_current_view(self, signed_in):
        response = signed_in.get(reverse("queue_counts") + "?status=closed")
        html = response.content.decode()
        assert "<html" not in html
        assert 'aria-current="true" data-view="closed"' in html

    def test_counts_query_count(self, signed_in, django_assert_num_queries):
        factories.TicketFactory()
        # session, user, every shared view's count by assignee, the agent's starred
        # tickets, the saved views (none here)
        with django_assert_num_queries(5):
            signed_in.get(reverse("queue_counts"))
        # Once cached, they serve every agent without counting again.
        with django_assert_num_queries(3):
            signed_in.get(reverse("queue_counts"))

    def test_cached_counts_serve_each_agent_their_own(self, client, agent, other_agent):
        factories.TicketFactory(assignee=agent)
        factories.TicketFactory(assignee=other_agent)
        factories.TicketFactory(assignee=other_agent)
        client.force_login(agent)
        mine = client.get(reverse("queue_counts")).context["views"][0]
        client.force_login(other_agent)
        theirs = client.get(reverse("queue_counts")).context["views"][0]
        assert (mine[0].key, mine[1]) == ("mine", 1)
        assert (theirs[0].key, theirs[1]) == ("mine", 2)

    def test_htmx_request_returns_only_the_results_and_views(self, signed_in):
        factories.TicketFactory(subject="Only one")
        response = signed_in.get(
            reverse("queue"), {"search": "one"}, headers={"HX-Request": "true"}
        )
        html = response.content.decode()
        assert "<html" not in html
        assert 'id="queue-results"' in html and 'hx-swap-oob="true"' in html
        assert 'id="queue-views"' in html
        assert "Only one" in html

    def test_history_restore_gets_the_whole_page(self, signed_in):
        response = signed_in.get(
            reverse("queue"),
            headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
        )
        assert "<html" in response.content.decode()


class TestQueryCount:
    """The queue runs the same number of queries whatever the number of rows."""

    def make(self, count, agent):
        team = factories.TeamFactory()
        for i in range(count):
            project = factories.ProjectFactory()
            factories.TicketFactory(
                client=project.client,
                project=project,
                assignee=agent,
                team=team,
                requester=factories.ContactFactory(client=project.client),
                tags=[f"tag{i}", "common"],
            )

    @pytest.mark.parametrize(
        "params", [{}, {"search": "subject", "status": "open", "tags": "common"}]
    )
    def test_fixed(self, signed_in, agent, django_assert_num_queries, params):
        self.make(2, agent)
        with CaptureQueriesContext(connection) as small:
            response = signed_in.get(reverse("queue"), params)
        assert len(response.context["tickets"]) == 2
        self.make(28, agent)
        with django_assert_num_queries(len(small.captured_queries)):
            response = signed_in.get(reverse("queue"), params)
        assert len(response.context["tickets"]) == PAGE_SIZE

    def test_pinned(self, signed_in, agent, django_assert_num_queries):
        self.make(3, agent)
        # session, user, statuses, agents, rows, pinned tickets, saved views, stars of
        # the rows, departments, clients, teams, and the bulk action bar's teams and
        # departments, and the agent's permissions (own and their groups', for the bar's
        # Delete); no unread marks to read (tests/tickets/test_queue_rows.py pins those);
        # the bell's unread count
        with django_assert_num_queries(16):
            signed_in.get(reverse("queue"))


class TestSearchPage:
    """search_page gives the same page as Ticket.objects.search(), whichever plan it picks."""

    @pytest.fixture
    def tickets(self):
        with freeze_time(T0):
            made = []
            for i in range(12):
                ticket = factories.TicketFactory(
                    subject="Invoice wrong" if i % 3 == 0 else f"Other {i}",
                    updated_at=T0 - datetime.timedelta(minutes=i),
                )
                if i % 4 == 1:
                    factories.ReplyFactory(ticket=ticket, text="I resent the invoice")
                made.append(ticket)
        return made

    @pytest.mark.parametrize(
        ("walk_share", "list_cap"),
        [(1.0, 20_000), (0.0, 20_000), (1.0, 1)],
        ids=["list-matches", "walk-the-order", "list-overflows-to-walk"],
    )
    @pytest.mark.parametrize("sort", ["-updated", "subject", "-priority"])
    def test_same_rows_as_search(self, tickets, monkeypatch, walk_share, list_cap, sort):
        from tickets import filters, search

        monkeypatch.setattr(search, "WALK_SHARE", walk_share)
        monkeypatch.setattr(search, "LIST_CAP", list_cap)
        queryset = filters.order_tickets(Ticket.objects.not_spam(), sort)
        expected = list(queryset.search("invoice").values_list("pk", flat=True))
        assert len(expected) == 6
        for start, stop in [(0, 4), (2, 5), (4, 8), (0, 50)]:
            page = search.search_page(queryset, "invoice", start, stop)
            assert [t.pk for t in page] == expected[start:stop], (start, stop)

    def test_no_match_and_empty_text(self, tickets):
        from tickets import search

        queryset = Ticket.objects.order_by("-updated_at", "-id")
        assert search.search_page(queryset, "zebra", 0, 10) == []
        assert len(search.search_page(queryset, "  ", 0, 10)) == 10
