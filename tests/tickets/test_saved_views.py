"""Saved views: save the queue's filters under a name, list them with counts, edit, delete."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests import factories
from tickets.counts import saved_view_key
from tickets.models import Priority, SavedView
from tickets.statuses import FixedStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cached_counts():
    cache.clear()
    yield
    cache.clear()


def create(http, **data):
    return http.post(reverse("saved_view_create"), data)


def edit_url(view) -> str:
    return reverse("saved_view_edit", args=[view.pk])


def delete_url(view) -> str:
    return reverse("saved_view_delete", args=[view.pk])


def saved_counts(http, query: str = "") -> dict[str, int | None]:
    response = http.get(reverse("queue_counts") + ("?" + query if query else ""))
    assert response.status_code == 200
    rows = response.context["my_views"] + response.context["shared_views"]
    return {view.name: count for view, count, _ in rows}


class TestCreate:
    def test_saves_the_filters_and_opens_the_view(self, signed_in, agent):
        response = create(signed_in, name="Urgent open", query="status=open&priority=urgent")
        view = SavedView.objects.get()
        assert (view.name, view.owner, view.is_shared) == ("Urgent open", agent, False)
        assert view.query == "status=open&priority=urgent"
        assert response.status_code == 302
        assert response["Location"] == reverse("queue") + "?status=open&priority=urgent"
        page = signed_in.get(response["Location"]).content.decode()
        assert "View “Urgent open” saved." in page

    def test_shared(self, signed_in):
        create(signed_in, name="Team", query="status=open", is_shared="on")
        assert SavedView.objects.get().is_shared is True

    def test_unknown_parameters_page_and_defaults_are_dropped(self, signed_in):
        create(
            signed_in,
            name="Cleaned",
            query="bogus=1&page=3&priority=high&status=open&search=&active_state=active"
            "&sort=-updated&tags=vip",
        )
        # The filters' own order, whatever the URL's.
        assert SavedView.objects.get().query == "status=open&priority=high&tags=vip"

    def test_empty_filters_save_the_default_queue(self, signed_in):
        response = create(signed_in, name="Everything", query="")
        assert SavedView.objects.get().query == ""
        assert response["Location"] == reverse("queue")

    @pytest.mark.parametrize("name", ["", "   "])
    def test_empty_name_is_refused(self, signed_in, name):
        response = create(signed_in, name=name, query="status=open")
        assert response.status_code == 422
        assert "Give the view a name." in response.content.decode()
        assert not SavedView.objects.exists()

    def test_duplicate_name_is_refused_with_a_message(self, signed_in, agent):
        factories.SavedViewFactory(owner=agent, name="Mine")
        response = create(signed_in, name="Mine", query="status=open")
        assert response.status_code == 422
        html = response.content.decode()
        assert "You already have a view with this name." in html
        # What the agent typed is kept, filters included.
        assert 'value="Mine"' in html and 'value="status=open"' in html
        assert SavedView.objects.count() == 1

    def test_a_colleague_may_use_the_same_name(self, signed_in, other_agent):
        factories.SavedViewFactory(owner=other_agent, name="Mine", is_shared=True)
        assert create(signed_in, name="Mine", query="").status_code == 302
        assert SavedView.objects.count() == 2

    def test_too_long_filters_are_refused(self, signed_in):
        response = create(signed_in, name="Long", query="search=" + "x" * 2100)
        assert response.status_code == 422
        assert "too long to save" in response.content.decode()

    def test_get_shows_the_form_and_saves_nothing(self, signed_in):
        response = signed_in.get(reverse("saved_view_create"), {"query": "status=1"})
        assert response.status_code == 200
        assert 'action="/views/new/?query=status%3D1"' in response.content.decode()
        assert not SavedView.objects.exists()
        assert signed_in.put(reverse("saved_view_create")).status_code == 405

    def test_outsider_and_anonymous_are_refused(self, client, outsider):
        response = create(client, name="x", query="")
        assert response.status_code == 302 and "/login/" in response["Location"]
        client.force_login(outsider)
        assert create(client, name="x", query="").status_code == 403
        assert not SavedView.objects.exists()

    def test_the_queue_offers_to_save_its_current_filters(self, signed_in):
        html = signed_in.get(reverse("queue"), {"status": "open", "bogus": "1"}).content.decode()
        assert 'id="save-view-form"' in html
        assert (
            '<input type="hidden" name="query" value="status=open" form="save-view-form">' in html
        )


class TestSidebar:
    def test_lists_my_views_and_the_shared_ones_with_counts(self, signed_in, agent, other_agent):
        factories.TicketFactory(status_id=FixedStatus.OPEN, priority=Priority.URGENT)
        factories.TicketFactory(status_id=FixedStatus.OPEN, priority=Priority.NORMAL)
        factories.TicketFactory(status_id=FixedStatus.CLOSED, priority=Priority.URGENT)
        factories.SavedViewFactory(owner=agent, name="Urgent", query="priority=urgent")
        factories.SavedViewFactory(
            owner=other_agent, name="Their open", query="status=open", is_shared=True
        )
        factories.SavedViewFactory(owner=other_agent, name="Their secret", query="")
        response = signed_in.get(reverse("queue_counts"))
        html = response.content.decode()
        assert [view.name for view, _, _ in response.context["my_views"]] == ["Urgent"]
        assert [view.name for view, _, _ in response.context["shared_views"]] == ["Their open"]
        assert "Their secret" not in html
        assert saved_counts(signed_in) == {"Urgent": 2, "Their open": 2}
        assert "My views" in html and "Shared views" in html

    def test_no_saved_views_says_how_to_make_one(self, signed_in, agent):
        hint = "No saved views yet: filter the tickets, then use “Save view”."
        assert hint in signed_in.get(reverse("queue")).content.decode()
        factories.SavedViewFactory(owner=agent, name="Mine", query="")
        assert hint not in signed_in.get(reverse("queue")).content.decode()

    def test_a_shared_views_count_for_a_colleague(self, client, agent, other_agent):
        """ "Me" in a shared view is whoever looks at it."""
        factories.TicketFactory(assignee=agent)
        factories.TicketFactory(assignee=other_agent)
        factories.TicketFactory(assignee=other_agent)
        factories.SavedViewFactory(
            owner=agent, name="Assigned to me", query="assignee=me", is_shared=True
        )
        factories.SavedViewFactory(owner=agent, name="All", query="", is_shared=True)
        client.force_login(agent)
        assert saved_counts(client) == {"All": 3, "Assigned to me": 1}
        client.force_login(other_agent)
        assert saved_counts(client) == {"All": 3, "Assigned to me": 2}

    def test_the_queue_page_never_counts_saved_views(self, signed_in, agent):
        factories.SavedViewFactory(owner=agent, name="Open", query="status=open")
        # The built-in counts are cached, the saved view's are not: the sidebar fetches them.
        signed_in.get(reverse("queue_counts"))
        cache.delete(saved_view_key(SavedView.objects.get(), agent))
        html = signed_in.get(reverse("queue")).content.decode()
        assert 'hx-trigger="load"' in html
        assert "Open" in html and '<span class="sr-only"> counting</span>' in html
        # Once counted, the page shows the cached count and fetches nothing.
        signed_in.get(reverse("queue_counts"))
        html = signed_in.get(reverse("queue")).content.decode()
        assert 'hx-trigger="load"' not in html

    def test_counts_are_cached(self, signed_in, agent, django_assert_num_queries):
        factories.SavedViewFactory(owner=agent, name="Open", query="status=open")
        factories.TicketFactory()
        signed_in.get(reverse("queue_counts"))
        factories.TicketFactory()
        # session, user, the saved views: no count at all
        with django_assert_num_queries(3):
            assert saved_counts(signed_in) == {"Open": 1}

    def test_a_changed_view_is_counted_afresh(self, signed_in, agent):
        view = factories.SavedViewFactory(owner=agent, name="V", query="status=open")
        factories.TicketFactory(status_id=FixedStatus.CLOSED)
        assert saved_counts(signed_in) == {"V": 0}
        view.query = "status=closed"
        view.save()
        assert saved_counts(signed_in) == {"V": 1}

    def test_counts_request_query_count(self, signed_in, agent, django_assert_num_queries):
        """Each saved view costs one COUNT when not cached, never more."""
        for i in range(3):
            factories.SavedViewFactory(owner=agent, name=f"V{i}", query=f"priority=high&tags=t{i}")
        # session, user, the shared views' counts, starred count, saved views, filter
        # choices (statuses, agents), then one count per view
        with django_assert_num_queries(7 + 3):
            signed_in.get(reverse("queue_counts"))

    def test_the_current_view_is_highlighted(self, signed_in, agent):
        view = factories.SavedViewFactory(owner=agent, name="Urgent", query="priority=urgent")
        factories.SavedViewFactory(owner=agent, name="Other", query="priority=high")
        # The same filters in another order, with the page and the default sort.
        html = signed_in.get(
            reverse("queue_counts") + "?sort=-updated&page=2&priority=urgent&search="
        ).content.decode()
        assert f'aria-current="true" data-saved-view="{view.pk}"' in html
        assert html.count('aria-current="true"') == 1

    def test_opening_a_view_shows_its_tickets(self, signed_in, agent):
        urgent = factories.TicketFactory(priority=Priority.URGENT)
        factories.TicketFactory(priority=Priority.NORMAL)
        view = factories.SavedViewFactory(owner=agent, name="Urgent", query="priority=urgent")
        response = signed_in.get(reverse("queue") + "?" + view.query)
        assert [ticket.pk for ticket in response.context["tickets"]] == [urgent.pk]

    def test_edit_links_only_on_my_views(self, signed_in, agent, other_agent):
        mine = factories.SavedViewFactory(owner=agent, name="Mine")
        theirs = factories.SavedViewFactory(owner=other_agent, name="Theirs", is_shared=True)
        html = signed_in.get(reverse("queue_counts") + "?status=closed").content.decode()
        assert f'href="{edit_url(mine)}?current=status%3Dclosed"' in html
        assert edit_url(theirs) not in html


class TestEdit:
    def test_form_offers_to_replace_the_filters_with_the_current_ones(self, signed_in, agent):
        view = factories.SavedViewFactory(owner=agent, name="V", query="status=open")
        html = signed_in.get(edit_url(view), {"current": "status=closed&page=2"}).content.decode()
        assert 'value="V"' in html
        assert 'name="replace_query"' in html
        assert 'value="status=closed"' in html

    def test_no_replace_offer_when_the_filters_are_the_same(self, signed_in, agent):
        view = factories.SavedViewFactory(owner=agent, name="V", query="status=open")
        html = signed_in.get(edit_url(view), {"current": "status=open"}).content.decode()
        assert 'name="replace_query"' not in html

    def test_rename_and_share(self, signed_in, agent):
        view = factories.SavedViewFactory(owner=agent, name="V", query="status=open")
        response = signed_in.post(
            edit_url(view), {"name": "Renamed", "is_shared": "on", "query": "status=closed"}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("queue") + "?status=open"
        view.refresh_from_db()
        # Without "replace", the filters stay.
        assert (view.name, view.is_shared, view.query) == ("Renamed", True, "status=open")
        assert "View “Renamed” updated." in signed_in.get(response["Location"]).content.decode()

    def test_unshare(self, signed_in, agent):
        view = factories.SavedViewFactory(owner=agent, name="V", is_shared=True)
        signed_in.post(edit_url(view), {"name": "V", "query": ""})
        view.refresh_from_db()
        assert view.is_shared is False

    def test_replace_the_filters(self, signed_in, agent):
        view = factories.SavedViewFactory(owner=agent, name="V", query="status=open")
        signed_in.post(
            edit_url(view),
            {"name": "V", "replace_query": "on", "query": "status=closed&nope=1"},
        )
        view.refresh_from_db()
        assert view.query == "status=closed"

    def test_duplicate_and_empty_names(self, signed_in, agent):
        factories.SavedViewFactory(owner=agent, name="Taken")
        view = factories.SavedViewFactory(owner=agent, name="V")
        response = signed_in.post(edit_url(view), {"name": "Taken", "query": ""})
        assert response.status_code == 422
        assert "You already have a view with this name." in response.content.decode()
        response = signed_in.post(edit_url(view), {"name": "", "query": ""})
        assert response.status_code == 422
        assert "Give the view a name." in response.content.decode()
        view.refresh_from_db()
        assert view.name == "V"

    def test_keeping_its_own_name_is_fine(self, signed_in, agent):
        view = factories.SavedViewFactory(owner=agent, name="V")
        assert signed_in.post(edit_url(view), {"name": "V", "query": ""}).status_code == 302

    def test_colleague_sees_a_shared_view_but_gets_403(self, client, other_agent, agent):
        view = factories.SavedViewFactory(owner=agent, name="V", is_shared=True)
        client.force_login(other_agent)
        assert client.get(edit_url(view)).status_code == 403
        assert client.post(edit_url(view), {"name": "Hijacked", "query": ""}).status_code == 403
        view.refresh_from_db()
        assert view.name == "V"

    def test_colleague_gets_404_for_a_personal_view(self, client, other_agent, agent):
        view = factories.SavedViewFactory(owner=agent, name="V", is_shared=False)
        client.force_login(other_agent)
        assert client.get(edit_url(view)).status_code == 404
        assert client.post(edit_url(view), {"name": "X", "query": ""}).status_code == 404

    def test_missing_view_is_404(self, signed_in):
        assert signed_in.get(reverse("saved_view_edit", args=[999999])).status_code == 404

    def test_superuser_may_edit_anyones_view_which_keeps_its_owner(self, client, admin_user, agent):
        view = factories.SavedViewFactory(owner=agent, name="V")
        factories.SavedViewFactory(owner=admin_user, name="Admin's")
        client.force_login(admin_user)
        assert client.get(edit_url(view)).status_code == 200
        # The name check is the owner's: the superuser's own "Admin's" does not clash.
        client.post(edit_url(view), {"name": "Admin's", "query": ""})
        view.refresh_from_db()
        assert (view.name, view.owner) == ("Admin's", agent)

    def test_outsider_and_anonymous(self, client, outsider, agent):
        view = factories.SavedViewFactory(owner=agent, is_shared=True)
        response = client.get(edit_url(view))
        assert response.status_code == 302 and "/login/" in response["Location"]
        client.force_login(outsider)
        assert client.get(edit_url(view)).status_code == 403
        assert client.post(edit_url(view), {"name": "X", "query": ""}).status_code == 403


class TestDelete:
    def test_asks_first_then_deletes(self, signed_in, agent):
        view = factories.SavedViewFactory(owner=agent, name="Old", is_shared=True)
        html = signed_in.get(delete_url(view)).content.decode()
        assert "Delete the view “Old”?" in html
        assert "disappears from every agent's sidebar" in html
        assert SavedView.objects.filter(pk=view.pk).exists()
        response = signed_in.post(delete_url(view))
        assert response.status_code == 302 and response["Location"] == reverse("queue")
        assert not SavedView.objects.filter(pk=view.pk).exists()
        assert "View “Old” deleted." in signed_in.get(reverse("queue")).content.decode()

    def test_colleague_and_outsiders_cannot(self, client, agent, other_agent, outsider):
        shared = factories.SavedViewFactory(owner=agent, is_shared=True)
        personal = factories.SavedViewFactory(owner=agent)
        client.force_login(other_agent)
        assert client.post(delete_url(shared)).status_code == 403
        assert client.post(delete_url(personal)).status_code == 404
        client.force_login(outsider)
        assert client.post(delete_url(shared)).status_code == 403
        client.logout()
        assert client.post(delete_url(shared)).status_code == 302
        assert SavedView.objects.count() == 2

    def test_superuser_may_delete(self, client, admin_user, agent):
        view = factories.SavedViewFactory(owner=agent)
        client.force_login(admin_user)
        client.post(delete_url(view))
        assert not SavedView.objects.exists()


class TestAdmin:
    def test_admin_cleans_the_filters(self, client, admin_user, agent):
        client.force_login(admin_user)
        response = client.post(
            reverse("admin:tickets_savedview_add"),
            {"name": "From admin", "owner": agent.pk, "query": "x=1&status=open&page=2"},
        )
        assert response.status_code == 302
        view = SavedView.objects.get()
        assert (view.owner, view.query, view.is_shared) == (agent, "status=open", False)

    def test_admin_refuses_a_duplicate_name(self, client, admin_user, agent):
        factories.SavedViewFactory(owner=agent, name="Dup")
        client.force_login(admin_user)
        response = client.post(
            reverse("admin:tickets_savedview_add"), {"name": "Dup", "owner": agent.pk}
        )
        assert response.status_code == 200
        assert "You already have a view with this name." in response.content.decode()


class TestSlowCounts:
    def test_a_count_stopped_by_the_time_limit_shows_a_question_mark(
        self, signed_in, agent, monkeypatch
    ):
        """One slow view must not take the sidebar's other counts down with it."""
        from django.db import OperationalError
        from django.db.models import QuerySet

        factories.TicketFactory(priority=Priority.URGENT)
        factories.SavedViewFactory(owner=agent, name="Slow", query="search=printer")
        factories.SavedViewFactory(owner=agent, name="Fast", query="priority=urgent")
        count = QuerySet.count

        def timing_out(queryset):
            if "printer" in str(queryset.query):
                raise OperationalError("canceling statement due to statement timeout")
            return count(queryset)

        monkeypatch.setattr(QuerySet, "count", timing_out)
        response = signed_in.get(reverse("queue_counts"))
        assert response.status_code == 200
        assert saved_counts(signed_in) == {"Fast": 1, "Slow": -1}
        assert "too slow to count" in response.content.decode()
        # Remembered like a count: the queue page does not ask again at once.
        html = signed_in.get(reverse("queue")).content.decode()
        assert 'hx-trigger="load"' not in html
