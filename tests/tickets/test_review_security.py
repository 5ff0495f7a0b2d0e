"""Malformed input found in the security review of issue 6: each answers without a server
error, on SQLite and on PostgreSQL (which refuses a NUL character in a query)."""

import pytest
from django.urls import reverse

from tests import factories
from tickets.models import ActiveState

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def tagged(ticket):
    factories.TaggedTicketFactory(content_object=ticket, tag=factories._tag("billing"))
    return ticket


class TestNulInTheTagFilter:
    """The tags filter splits its text into a list, so the form's no-NUL check never ran."""

    @pytest.mark.parametrize("tags", ["\x00", "billing\x00", "billing,\x00x"])
    def test_the_queue_ignores_it(self, signed_in, tagged, tags):
        response = signed_in.get(reverse("queue"), {"tags": tags})
        assert response.status_code == 200
        assert [ticket.pk for ticket in response.context["tickets"]] == [tagged.pk]
        assert "tags" in response.context["form"].errors

    def test_the_bulk_count_ignores_it(self, signed_in, tagged):
        response = signed_in.get(reverse("tickets_bulk_count"), {"tags": "\x00"})
        assert response.status_code == 200
        assert response.context["count"] == 1

    def test_a_saved_view_holding_it_still_counts(self, signed_in, agent, tagged):
        # Saved from the queue's query string, where it arrives percent-encoded.
        factories.SavedViewFactory(owner=agent, name="Broken", query="tags=%00", is_shared=True)
        response = signed_in.get(reverse("queue_counts"))
        assert response.status_code == 200
        rows = response.context["my_views"] + response.context["shared_views"]
        counts = {view.name: count for view, count, _ in rows}
        assert counts == {"Broken": 1}

    def test_a_bulk_action_over_all_matching_ignores_it(self, signed_in, tagged):
        response = signed_in.post(
            reverse("tickets_bulk"),
            {"action": "archive", "select_all": "1", "query": "tags=%00"},
        )
        assert response.status_code == 302
        tagged.refresh_from_db()
        assert tagged.active_state == ActiveState.ARCHIVED


class TestNulInTheCannedSearch:
    @pytest.fixture
    def refund(self, agent):
        return factories.CannedResponseFactory(owner=agent, title="Refund policy")

    def test_the_library_search_drops_it(self, signed_in, refund):
        response = signed_in.get(reverse("canned_list"), {"q": "Ref\x00und"})
        assert response.status_code == 200
        assert [row[0] for row in response.context["rows"]] == [refund]

    def test_the_picker_search_drops_it(self, signed_in, ticket, refund):
        response = signed_in.get(reverse("canned_picker", args=[ticket.pk]), {"q": "Ref\x00und"})
        assert response.status_code == 200
        assert response.context["responses"] == [refund]


class TestQueuePageNumber:
    def test_a_huge_page_number_is_an_empty_page(self, signed_in, ticket):
        response = signed_in.get(reverse("queue"), {"page": "9" * 30})
        assert response.status_code == 200
        assert response.context["tickets"] == []
