"""Malformed input found in the security review of issue 6: each answers without a server
error, on SQLite and on PostgreSQL (which refuses a NUL character in a query)."""

import pytest
from django.urls import reverse

from tests import factories
from tickets.models import ActiveState

pytestmark = pytest.mark.django_db


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


class TestDatesAtTheEndsOfTheCalendar:
    """A day's end is the next day's midnight, which the last date has not; in a time zone
    far from UTC the first date's midnight is before the first datetime."""

    def test_the_queue_until_the_last_date(self, signed_in, ticket):
        response = signed_in.get(reverse("queue"), {"created_before": "9999-12-31"})
        assert response.status_code == 200
        assert [row.pk for row in response.context["tickets"]] == [ticket.pk]

    def test_the_bulk_count_until_the_last_date(self, signed_in, ticket):
        response = signed_in.get(reverse("tickets_bulk_count"), {"created_before": "9999-12-31"})
        assert response.status_code == 200
        assert response.context["count"] == 1

    def test_the_activity_log_until_the_last_date(self, signed_in, ticket):
        factories.TicketEventFactory(ticket=ticket)
        response = signed_in.get(reverse("activity"), {"date_to": "9999-12-31"})
        assert response.status_code == 200
        assert len(response.context["events"]) == 1

    @pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
    def test_the_first_and_last_dates_far_from_utc(self, settings, signed_in, ticket, zone):
        settings.TIME_ZONE = zone
        factories.TicketEventFactory(ticket=ticket)
        for name, day in (("created_after", "0001-01-01"), ("created_before", "9999-12-31")):
            response = signed_in.get(reverse("queue"), {name: day})
            assert response.status_code == 200
            assert [row.pk for row in response.context["tickets"]] == [ticket.pk]
        for name, day in (("date_from", "0001-01-01"), ("date_to", "9999-12-31")):
            response = signed_in.get(reverse("activity"), {name: day})
            assert response.status_code == 200
            assert len(response.context["events"]) == 1
