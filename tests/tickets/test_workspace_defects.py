"""The defects a new agent hit in the workspace (issue 17), checked on the server's side.
What a person sees of them is checked in Chromium in test_workspace_defects_browser.py."""

import datetime
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Min
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from helpdesk.middleware import BrowserTimeZoneMiddleware
from tests import factories
from tickets.models import Client, Rating, Ticket
from tickets.statuses import FixedStatus
from tickets.templatetags.helpdesk import when

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
NOW = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.UTC)


class TestQueuePastItsLastPage:
    def test_says_so_once_and_offers_the_first_page(self, signed_in):
        factories.TicketFactory()
        html = signed_in.get(reverse("queue"), {"page": "9999"}).content.decode()
        assert "No tickets on page 9999: it is past the last page." in html
        assert "No tickets match these filters." not in html
        assert "Clear all filters" not in html
        assert 'href="?">Go to the first page</a>' in html

    def test_a_filter_that_matches_nothing_says_so_once(self, signed_in):
        factories.TicketFactory()
        html = signed_in.get(reverse("queue"), {"search": "nothingmatches"}).content.decode()
        assert html.count("No tickets match these filters.") == 1
        assert "Clear all filters" in html


@pytest.mark.parametrize("path", ["/", "/clients/", "/activity/", "/reports/"])
def test_a_signed_in_non_agent_gets_403_on_every_page_reports_too(client, agent, path):
    client.force_login(agent)
    agent.is_staff = False  # no longer an agent
    agent.save(update_fields=["is_staff"])
    response = client.get(path)
    assert response.status_code == 403
    assert "Access refused" in response.content.decode()


class TestConfirmationsBesideTheControl:
    def test_a_reply_is_confirmed_in_the_reply_box(self, signed_in, ticket):
        response = signed_in.post(
            reverse("ticket_reply", args=[ticket.pk]),
            {"text": "On it", "kind": "reply", "status": FixedStatus.ON_HOLD},
            headers=HTMX,
        )
        html = response.content.decode()
        status = re.search(r'<div id="reply-status"[^>]*>(.*?)</div>', html, re.S)
        assert status is not None and 'role="status"' in status.group(0)
        assert "Reply sent. Status set to On Hold." in status.group(1)
        assert "data-reveal" in status.group(1)  # app.js scrolls it and the new reply into view
        top = re.search(r'<div class="messages" id="messages"[^>]*>(.*?)</div>', html, re.S)
        assert top is not None and top.group(1).strip() == ""

    def test_a_panel_change_is_confirmed_beside_its_field(self, signed_in, ticket):
        response = signed_in.post(
            reverse("ticket_status", args=[ticket.pk]),
            {"status": FixedStatus.CLOSED},
            headers=HTMX,
        )
        html = response.content.decode()
        beside = re.search(r'<div id="ticket_status-status"[^>]*>(.*?)</div>', html, re.S)
        assert beside is not None and "Status set to Closed." in beside.group(1)
        # The reply box's earlier confirmation is cleared, out of band.
        assert (
            '<div id="reply-status" class="local-status" role="status" hx-swap-oob="true"></div>'
            in html
        )

    def test_without_javascript_the_page_opens_on_the_new_reply(self, signed_in, ticket):
        response = signed_in.post(
            reverse("ticket_reply", args=[ticket.pk]), {"text": "On it", "kind": "reply"}
        )
        reply = ticket.replies.get()
        assert response.url.endswith(f"#reply-{reply.pk}")
        html = signed_in.get(response.url).content.decode()
        assert re.search(r'<div id="reply-status"[^>]*><p [^>]*>Reply sent\.</p></div>', html)


def test_a_refused_new_ticket_has_a_focusable_error_summary_with_a_heading(signed_in):
    response = signed_in.post(reverse("new_ticket"), {})
    assert response.status_code == 422
    html = response.content.decode()
    summary = re.search(r'<div class="error-summary"[^>]*>', html)
    assert summary is not None
    assert 'tabindex="-1"' in summary.group(0) and "data-focus-on-load" in summary.group(0)
    assert '<h2 id="error-summary-title">Please correct the' in html
    assert '<a href="#id_subject">Subject: This field is required.</a>' in html


def test_the_favicon_is_served_at_the_root_and_linked(client, signed_in):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"
    assert '<link rel="icon" href="/favicon.ico">' in signed_in.get("/").content.decode()


class TestDates:
    def test_one_exact_format_in_the_active_time_zone(self):
        moment = datetime.datetime(2026, 12, 7, 1, 29, tzinfo=datetime.UTC)
        with timezone.override("Europe/Paris"):
            html = when(moment)
        assert html == (
            '<time datetime="2026-12-07T02:29:00+01:00" title="7 Dec 2026 02:29 CET">'
            "7 Dec 2026 02:29</time>"
        )

    @pytest.mark.parametrize(
        ("ago", "text"),
        [
            (datetime.timedelta(seconds=20), "just now"),
            (datetime.timedelta(minutes=12), "12 min ago"),
            (datetime.timedelta(hours=3, minutes=40), "3 h ago"),
            (datetime.timedelta(days=2, hours=1), "2 d ago"),
            (datetime.timedelta(days=30), "7 Nov 2026"),
            (-datetime.timedelta(hours=5), "in 5 h"),
        ],
    )
    def test_relative_where_agents_scan_with_the_exact_time_on_hover(self, ago, text):
        moment = NOW - ago
        with freeze_time(NOW), timezone.override("UTC"):
            html = when(moment, "relative")
        exact = moment.strftime("%-d %b %Y %H:%M")
        assert html.endswith(f'title="{exact} UTC">{text}</time>')

    def test_days_and_empty_values(self):
        assert when(datetime.date(2026, 11, 8)) == (
            '<time datetime="2026-11-08" title="8 Nov 2026">8 Nov 2026</time>'
        )
        assert when(None) == "—"

    def test_the_workspace_writes_no_other_date_format(self):
        """Every date a page shows goes through the `when` filter."""
        templates = Path(settings.BASE_DIR) / "templates"
        offenders = [
            f"{path.relative_to(templates)}: {match}"
            for path in templates.rglob("*.html")
            if "emails" not in path.parts
            for match in re.findall(r"\|date:[^}]*", path.read_text())
        ]
        assert offenders == []

    def test_the_queue_says_how_long_ago(self, signed_in):
        with freeze_time(NOW - datetime.timedelta(hours=3)):
            factories.TicketFactory(subject="Three hours old")
        with freeze_time(NOW):
            html = signed_in.get(reverse("queue"), {"active_state": "active"}).content.decode()
        assert 'title="7 Dec 2026 09:00 UTC">3 h ago</time>' in html

    def test_a_refused_report_date_names_no_format_the_picker_does_not_show(self, signed_in):
        response = signed_in.get(reverse("reports:dashboard"), {"date_from": "2026-02-30"})
        assert response.status_code == 422
        assert "Enter a valid date." in response.content.decode()
        # The API, which takes text, still says which text.
        api = signed_in.get("/api/reports/tickets/new_tickets", {"date_from": "2026-02-30"})
        assert "YYYY-MM-DD" in api.content.decode()


def test_no_error_list_carries_the_alert_role_itself():
    """role="alert" on a <ul> takes away the list role its items need (axe: listitem)."""
    templates = Path(settings.BASE_DIR) / "templates"
    offenders = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if re.search(r"<ul[^>]*role=\"alert\"", path.read_text())
    ]
    assert offenders == []
    form = type("Form", (), {"non_field_errors": ["Not now."]})()
    html = render_to_string("includes/nonfield_errors.html", {"form": form})
    assert '<div role="alert"><ul class="errorlist nonfield"><li>Not now.</li></ul></div>' in html


class TestSmall:
    def test_a_count_of_one_ticket_is_singular(self, signed_in, agent):
        ticket = factories.TicketFactory()
        factories.TicketStarFactory(ticket=ticket, agent=agent)
        html = signed_in.get(reverse("queue_counts")).content.decode()
        assert '<span class="count">1<span class="sr-only"> ticket</span></span>' in html
        assert '1<span class="sr-only"> tickets' not in html

    def test_no_requester_is_a_dash(self, signed_in):
        ticket = factories.TicketFactory(requester=None)
        html = signed_in.get(reverse("ticket", args=[ticket.pk])).content.decode()
        assert "<dt>Requester</dt><dd>—</dd>" in html

    def test_the_rating_score_is_a_percentage(self, signed_in, agent):
        for value in [Rating.Value.GOOD] * 16 + [Rating.Value.BAD]:
            solved = factories.TicketFactory(assignee=agent, status_id=FixedStatus.CLOSED)
            factories.RatingFactory(ticket=solved, value=value, agent=agent)
        response = signed_in.get(reverse("reports:dashboard"))
        tiles = {tile.label: tile for tile in response.context["tiles"]}
        assert (tiles["Rating score"].current, tiles["Rating score"].unit) == (94, "%")
        assert "<td>94%</td>" in response.content.decode()

    def test_the_report_time_zone_is_chosen_from_the_zones(self, signed_in):
        html = signed_in.get(reverse("reports:dashboard")).content.decode()
        assert '<select id="id_timezone" name="timezone"' in html
        assert "<option>Pacific/Auckland</option>" in html
        assert f"<option selected>{settings.TIME_ZONE}</option>" in html
        chosen = signed_in.get(reverse("reports:dashboard"), {"timezone": "Pacific/Auckland"})
        assert "<option selected>Pacific/Auckland</option>" in chosen.content.decode()
        refused = signed_in.get(reverse("reports:dashboard"), {"timezone": "Mars/Olympus"})
        assert refused.status_code == 422


class TestAdmin:
    def test_internal_tables_are_not_in_the_index_but_their_pages_open(self, admin_client):
        html = admin_client.get(reverse("admin:index")).content.decode()
        for model in [
            "ticketcount",
            "ticketworkloadcount",
            "tickettagcount",
            "ticketsearchdocument",
            "ticketpresence",
        ]:
            assert f"/admin/tickets/{model}/" not in html
            changelist = admin_client.get(reverse(f"admin:tickets_{model}_changelist"))
            assert changelist.status_code == 200
        assert "/admin/tickets/ticket/" in html

    def test_a_new_status_form_has_no_id_field(self, admin_client):
        html = admin_client.get(reverse("admin:tickets_ticketstatus_add")).content.decode()
        assert 'name="id"' not in html and "Leave empty to use the next free number" not in html
        # An existing status shows its number, read only.
        change = admin_client.get(reverse("admin:tickets_ticketstatus_change", args=[1]))
        assert 'name="id"' not in change.content.decode()
        assert "field-id" in change.content.decode()


def test_the_demo_has_on_hold_tickets_and_clients_older_than_their_tickets():
    with freeze_time(datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)):
        call_command(
            "seed_demo",
            "--tickets",
            "300",
            "--seed",
            "3",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert Ticket.objects.filter(status_id=FixedStatus.ON_HOLD).exists()
    clients = Client.objects.annotate(first=Min("tickets__created_at")).filter(first__isnull=False)
    assert clients.exists()
    for client in clients:
        assert client.created_at < client.first, client.name


class TestTheAgentsTimeZone:
    def test_pages_follow_the_browsers_time_zone(self, signed_in):
        with freeze_time(NOW - datetime.timedelta(hours=3)):
            factories.TicketFactory(subject="Three hours old")
        signed_in.cookies["tz"] = "Asia/Tokyo"
        with freeze_time(NOW):
            html = signed_in.get(reverse("queue"), {"active_state": "active"}).content.decode()
        assert 'title="7 Dec 2026 18:00 JST">3 h ago</time>' in html

    def test_an_unknown_zone_is_the_sites(self, signed_in):
        with freeze_time(NOW - datetime.timedelta(hours=3)):
            factories.TicketFactory(subject="Three hours old")
        signed_in.cookies["tz"] = "Mars/Olympus"
        with freeze_time(NOW):
            html = signed_in.get(reverse("queue"), {"active_state": "active"}).content.decode()
        assert 'title="7 Dec 2026 09:00 UTC">3 h ago</time>' in html

    @pytest.mark.parametrize(
        ("path", "zone"), [("/api/tickets", settings.TIME_ZONE), ("/", "Asia/Tokyo")]
    )
    def test_the_apis_keep_the_sites_zone(self, rf, path, zone):
        seen = []
        request = rf.get(path)
        request.COOKIES["tz"] = "Asia/Tokyo"
        BrowserTimeZoneMiddleware(lambda r: seen.append(timezone.get_current_timezone_name()))(
            request
        )
        assert seen == [zone]

    def test_the_reports_page_opens_in_the_agents_zone(self, signed_in):
        signed_in.cookies["tz"] = "Pacific/Auckland"
        html = signed_in.get(reverse("reports:dashboard")).content.decode()
        assert "<option selected>Pacific/Auckland</option>" in html
