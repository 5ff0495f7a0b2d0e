"""The Django admin: every page renders, and every ticket change goes through the services."""

import datetime
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time
from taggit.models import Tag

from tests import factories
from tickets import services
from tickets.models import (
    ActiveState,
    ApiKey,
    Category,
    Channel,
    CustomField,
    Notification,
    Priority,
    RatingRequest,
    Reply,
    TaggedTicket,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from tickets.statuses import FixedStatus

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


# Helpers ---------------------------------------------------------------------------


class FormReader(HTMLParser):
    """Reads the values a browser would submit from the first <form id=..._form>."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("id") or "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.data.setdefault(name, []).append(attrs.get("value") or "on")
                return
            self.data.setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select].append(attrs.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.data[self._textarea] = [self._text.removeprefix("\n")]
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text += data


def form_data(http, url: str, **changes) -> dict:
    """What the admin page at `url` would submit unchanged, with `changes` applied."""
    response = http.get(url)
    assert response.status_code == 200
    reader = FormReader()
    reader.feed(response.content.decode())
    data = {name: values if len(values) != 1 else values[0] for name, values in reader.data.items()}
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def change_url(ticket) -> str:
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def events(ticket, **filters):
    return list(
        ticket.events.filter(**filters).order_by("id").values_list("kind", "channel", "actor")
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def admin_user(db):
    return factories.AdminFactory(username="boss")


@pytest.fixture
def client_(admin_client):
    return admin_client


@pytest.fixture
def ticket(department, client_company):
    return factories.TicketFactory(
        department=department, client=client_company, created_at=T0, updated_at=T0
    )


# Every page ------------------------------------------------------------------------


def one_of_each() -> dict:
    ticket = factories.TicketFactory(tags=["billing"])
    agent = factories.AgentFactory()
    reply = factories.ReplyFactory(ticket=ticket)
    return {
        Category: ticket.department,
        factories.ClientFactory._meta.model: ticket.client,
        factories.ContactFactory._meta.model: factories.ContactFactory(client=ticket.client),
        factories.ProjectFactory._meta.model: factories.ProjectFactory(client=ticket.client),
        factories.TeamFactory._meta.model: factories.TeamFactory(members=[agent]),
        TicketStatus: TicketStatus.objects.get(pk=FixedStatus.OPEN),
        Ticket: ticket,
        TaggedTicket: TaggedTicket.objects.get(content_object=ticket),
        Tag: Tag.objects.get(name="billing"),
        factories.TicketStarFactory._meta.model: factories.TicketStarFactory(ticket=ticket),
        factories.TicketPinFactory._meta.model: factories.TicketPinFactory(ticket=ticket),
        CustomField: factories.CustomFieldFactory(),
        Reply: reply,
        TicketEvent: factories.TicketEventFactory(ticket=ticket),
        factories.RatingFactory._meta.model: factories.RatingFactory(ticket=ticket),
        RatingRequest: RatingRequest.objects.create(
            ticket=ticket, contact=factories.ContactFactory(client=ticket.client)
        ),
        ApiKey: factories.ApiKeyFactory(agent=agent),
        Notification: Notification.objects.create(
            recipient=agent, kind=Notification.Kind.MENTION, ticket=ticket, reply=reply
        ),
    }


def test_every_helpdesk_model_is_registered():
    from django.apps import apps

    from tickets.models import TicketHiddenSearchTerm, TicketSearchTerm

    composite_keys = {TicketSearchTerm, TicketHiddenSearchTerm}
    for model in apps.get_app_config("tickets").get_models():
        # The admin refuses models with a composite primary key.
        assert admin.site.is_registered(model) is (model not in composite_keys), model


# Written only by the services (or, for TaggedTicket, on the ticket page; for Notification,
# by tickets.inbox).
READ_ONLY_MODELS = {
    Notification,
    TicketEvent,
    factories.RatingFactory._meta.model,
    RatingRequest,
    TaggedTicket,
}


def test_every_changelist_change_and_add_page_renders(client_):
    objects = one_of_each()
    for model, obj in objects.items():
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        assert client_.get(reverse(f"{prefix}_changelist")).status_code == 200, model
        assert client_.get(reverse(f"{prefix}_change", args=[obj.pk])).status_code == 200, model
        expected_add = 403 if model in READ_ONLY_MODELS else 200
        assert client_.get(reverse(f"{prefix}_add")).status_code == expected_add, model


def test_site_header(client_):
    assert "Helpdesk administration" in client_.get(reverse("admin:index")).content.decode()


def view_only(agent):
    """`agent` in the Agent group, which an administrator left with only view_ticket of the
    ticket permissions: the admin follows the role's permissions."""
    group = Group.objects.get(name="Agent")
    group.permissions.remove(
        *Permission.objects.filter(codename__in=["add_ticket", "change_ticket", "delete_ticket"])
    )
    agent.groups.add(group)
    return agent


def test_staff_without_a_role_is_an_agent_in_the_admin(client, agent, ticket, department):
    client.force_login(agent)
    assert client.get(reverse("admin:tickets_ticket_changelist")).status_code == 200
    assert client.get(change_url(ticket)).status_code == 200
    # Deleting tickets is a Supervisor's, departments an Administrator's.
    assert client.get(reverse("admin:tickets_ticket_delete", args=[ticket.pk])).status_code == 403
    assert client.get(reverse("admin:tickets_category_add")).status_code == 403
    url = reverse("admin:tickets_category_change", args=[department.pk])
    assert client.post(url, {"name": "Renamed", "type": "ticket"}).status_code == 403
    department.refresh_from_db()
    assert department.name == "Support"


def test_a_role_without_permissions_is_refused(client, agent, ticket):
    group = Group.objects.get(name="Agent")
    group.permissions.clear()
    agent.groups.add(group)
    client.force_login(agent)
    assert client.get(reverse("admin:tickets_ticket_changelist")).status_code == 403
    assert client.get(change_url(ticket)).status_code == 403
    assert client.post(change_url(ticket), {"subject": "Mine now"}).status_code == 403
    ticket.refresh_from_db()
    assert ticket.subject != "Mine now"


def test_non_staff_user_is_sent_to_the_login(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("admin:tickets_ticket_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_staff_with_view_permission_sees_but_cannot_change(client, agent, ticket):
    client.force_login(view_only(agent))
    assert client.get(change_url(ticket)).status_code == 200
    assert client.post(change_url(ticket), {"subject": "Mine now"}).status_code == 403


# The ticket list --------------------------------------------------------------------


def make_tickets(count: int) -> None:
    for _ in range(count):
        team = factories.TeamFactory()
        factories.TicketFactory(
            assignee=factories.AgentFactory(),
            team=team,
            project=None,
            tags=["billing", f"tag-{team.pk}"],
        )


def changelist_queries(client_) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client_.get(reverse("admin:tickets_ticket_changelist"))
    assert response.status_code == 200
    return len(queries)


def test_ticket_changelist_query_count_does_not_grow(client_, django_assert_num_queries):
    make_tickets(2)
    with_two = changelist_queries(client_)
    make_tickets(18)
    with django_assert_num_queries(with_two):
        response = client_.get(reverse("admin:tickets_ticket_changelist"))
    assert len(response.context["cl"].result_list) == 20


def test_ticket_changelist_shows_coloured_status_and_filters(client_, ticket):
    page = client_.get(reverse("admin:tickets_ticket_changelist")).content.decode()
    assert 'fill="#2563eb"' in page and "Open" in page
    closed = client_.get(reverse("admin:tickets_ticket_changelist"), {"status__id__exact": "2"})
    assert list(closed.context["cl"].result_list) == []


def test_ticket_search_by_number_and_words(client_, ticket):
    other = factories.TicketFactory(subject="Printer on fire")
    url = reverse("admin:tickets_ticket_changelist")
    assert list(client_.get(url, {"q": f"#{ticket.pk}"}).context["cl"].result_list) == [ticket]
    assert list(client_.get(url, {"q": "printer"}).context["cl"].result_list) == [other]
    by_client = client_.get(url, {"q": "acme"}).context["cl"].result_list
    assert list(by_client) == [ticket]
    factories.ReplyFactory(ticket=ticket, text="The toner cartridge is empty")
    assert list(client_.get(url, {"q": "toner"}).context["cl"].result_list) == [ticket]
    filtered = client_.get(url, {"q": "toner", "status__id__exact": "2"})
    assert list(filtered.context["cl"].result_list) == []
    assert list(client_.get(url, {"q": "nothing-like-this"}).context["cl"].result_list) == []


# Adding and changing a ticket ------------------------------------------------------


def test_adding_a_ticket_goes_through_the_services(client_, admin_user, department, client_company):
    factories.CustomFieldFactory(key="order", label="Order", type=CustomField.Type.NUMBER)
    with freeze_time(T0):
        response = client_.post(
            reverse("admin:tickets_ticket_add"),
            {
                "subject": "  Cannot log in ",
                "message": "Error 500",
                "status": "1",
                "priority": "2",
                "department": department.pk,
                "client": client_company.pk,
                "tags": "login, Billing",
                "cf_order": "42",
            },
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    ticket = Ticket.objects.get()
    assert ticket.subject == "Cannot log in"
    assert ticket.creator == admin_user
    assert ticket.priority == Priority.HIGH
    assert ticket.custom_fields == {"order": 42}
    assert sorted(ticket.tags.names()) == ["Billing", "login"]
    assert ticket.created_at == ticket.updated_at == T0
    assert events(ticket) == [("created", "admin", admin_user.pk)]


def test_add_form_refuses_invalid_input(client_, department, client_company):
    response = client_.post(
        reverse("admin:tickets_ticket_add"),
        {
            "subject": "Hello",
            "message": "World",
            "status": "1",
            "priority": "1",
            "department": factories.CategoryFactory(type=Category.Type.CLIENT).pk,
            "client": client_company.pk,
            "project": factories.ProjectFactory().pk,
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "department" in errors and "project" in errors
    assert not Ticket.objects.exists()


def test_changing_fields_records_one_event_each_with_channel_admin(
    client_, admin_user, ticket, other_agent
):
    factories.CustomFieldFactory(
        key="plan", label="Plan", type=CustomField.Type.CHOICE, choices=["free", "pro"]
    )
    data = form_data(
        client_,
        change_url(ticket),
        status="2",
        priority="3",
        assignee=str(other_agent.pk),
        tags="vip, urgent",
        cf_plan="pro",
    )
    with freeze_time(T0 + datetime.timedelta(hours=2)):
        response = client_.post(change_url(ticket), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    ticket.refresh_from_db()
    later = T0 + datetime.timedelta(hours=2)
    assert ticket.status_id == FixedStatus.CLOSED
    assert ticket.resolved_at == ticket.status_changed_at == ticket.updated_at == later
    assert ticket.priority == Priority.URGENT
    assert ticket.assignee == other_agent
    assert sorted(ticket.tags.names()) == ["urgent", "vip"]
    assert ticket.custom_fields == {"plan": "pro"}
    assert sorted(events(ticket)) == sorted(
        (kind, "admin", admin_user.pk)
        for kind in (
            "priority_changed",
            "custom_field_changed",
            "status_changed",
            "assigned",
            "tags_changed",
        )
    )
    status_event = ticket.events.get(kind="status_changed")
    assert status_event.new_value == {"id": 2, "name": "Closed"}


def test_saving_an_unchanged_form_records_nothing(client_, ticket):
    factories.TicketFactory()  # another ticket; no effect
    ticket.tags.set(["billing"])
    response = client_.post(change_url(ticket), form_data(client_, change_url(ticket)))
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.updated_at == T0
    assert not ticket.events.exists()


def test_archive_spam_team_and_client_through_the_change_form(client_, ticket):
    team = factories.TeamFactory()
    new_client = factories.ClientFactory()
    project = factories.ProjectFactory(client=new_client)
    data = form_data(
        client_,
        change_url(ticket),
        active_state="archived",
        is_spam="on",
        team=str(team.pk),
        client=str(new_client.pk),
        project=str(project.pk),
    )
    assert client_.post(change_url(ticket), data).status_code == 302
    ticket.refresh_from_db()
    assert ticket.active_state == ActiveState.ARCHIVED
    assert ticket.is_spam and ticket.team == team
    assert (ticket.client, ticket.project) == (new_client, project)
    assert sorted(k for k, _, _ in events(ticket)) == [
        "archived",
        "client_changed",
        "project_changed",
        "spam_marked",
        "team_changed",
    ]


@pytest.mark.parametrize(
    "change, field",
    [
        ("project_of_another_client", "project"),
        ("department_not_for_tickets", "department"),
        ("requester_of_another_client", "requester"),
        ("cc_of_another_client", "cc"),
        ("invalid_number", "cf_amount"),
        ("empty_subject", "subject"),
    ],
)
def test_invalid_change_shows_a_form_error_and_changes_nothing(client_, ticket, change, field):
    factories.CustomFieldFactory(key="amount", label="Amount", type=CustomField.Type.NUMBER)
    stranger = factories.ContactFactory()
    changes = {
        "project_of_another_client": {"project": str(factories.ProjectFactory().pk)},
        "department_not_for_tickets": {
            "department": str(factories.CategoryFactory(type=Category.Type.PROJECT).pk)
        },
        "requester_of_another_client": {"requester": str(stranger.pk)},
        "cc_of_another_client": {"cc": [str(stranger.pk)]},
        "invalid_number": {"cf_amount": "a lot"},
        "empty_subject": {"subject": "   "},
    }[change]
    data = form_data(client_, change_url(ticket), priority="3", **changes)
    response = client_.post(change_url(ticket), data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL
    assert ticket.updated_at == T0
    assert not ticket.events.exists()


def test_a_required_custom_field_must_be_filled_when_custom_fields_change(client_, ticket):
    factories.CustomFieldFactory(key="a", label="A", required=True)
    factories.CustomFieldFactory(key="b", label="B")
    data = form_data(client_, change_url(ticket), cf_b="x", cf_a="")
    response = client_.post(change_url(ticket), data)
    assert response.status_code == 200
    assert "cf_a" in response.context["adminform"].form.errors
    ticket.refresh_from_db()
    assert ticket.custom_fields == {}


def test_a_conflict_becomes_a_message_and_nothing_is_saved(client_, ticket, monkeypatch):
    from tickets import services

    data = form_data(client_, change_url(ticket), active_state="archived", priority="3")

    def conflict(**kwargs):
        raise services.Conflict("The ticket is already archived.")

    monkeypatch.setattr(services, "archive", conflict)
    response = client_.post(change_url(ticket), data, follow=True)
    assert response.status_code == 200
    assert any("already archived" in m for m in messages_of(response))
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL
    assert not ticket.events.exists()


def test_denormalized_fields_are_read_only(client_, ticket):
    data = form_data(client_, change_url(ticket), replies_count="99", source="api")
    assert client_.post(change_url(ticket), data).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.replies_count, ticket.source) == (0, "web")


# Replies on the ticket page ----------------------------------------------------------


def test_reply_inline_posts_through_the_services(client_, admin_user, ticket):
    data = form_data(
        client_,
        change_url(ticket),
        **{"replies-2-0-text": "We fixed it.", "replies-2-0-kind": "reply"},
    )
    with freeze_time(T0 + datetime.timedelta(minutes=30)):
        response = client_.post(change_url(ticket), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"]
    ticket.refresh_from_db()
    reply = ticket.replies.get()
    assert (reply.text, reply.author_agent, reply.kind) == ("We fixed it.", admin_user, "reply")
    assert ticket.replies_count == 1
    assert ticket.first_response_at == ticket.last_reply_at == T0 + datetime.timedelta(minutes=30)
    assert ticket.status_id == FixedStatus.ANSWERED
    assert set(events(ticket)) == {
        ("reply_added", "admin", admin_user.pk),
        ("status_changed", "admin", admin_user.pk),
    }


def test_reply_inline_adds_a_note_without_touching_counts(client_, ticket):
    data = form_data(
        client_, change_url(ticket), **{"replies-2-0-text": "Internal", "replies-2-0-kind": "note"}
    )
    assert client_.post(change_url(ticket), data).status_code == 302
    ticket.refresh_from_db()
    assert ticket.replies.get().kind == "note"
    assert ticket.replies_count == 0 and ticket.status_id == FixedStatus.OPEN


def test_deleting_a_reply_in_the_inline_keeps_counts_exact(client_, admin_user, ticket):
    from tickets import services

    first = services.post_reply(ticket=ticket, text="One", author=admin_user, channel=Channel.WEB)
    services.post_reply(ticket=ticket, text="Two", author=admin_user, channel=Channel.WEB)
    data = form_data(client_, change_url(ticket))
    index = "0" if data["replies-0-id"] == str(first.pk) else "1"
    assert data[f"replies-{index}-id"] == str(first.pk)
    data[f"replies-{index}-DELETE"] = "on"
    response = client_.post(change_url(ticket), data)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert list(ticket.replies.values_list("text", flat=True)) == ["Two"]
    assert ticket.replies_count == 1
    deleted = ticket.events.get(kind="reply_deleted")
    assert (deleted.channel, deleted.actor) == ("admin", admin_user)


def test_existing_replies_cannot_be_edited_in_the_inline(client_, admin_user, ticket):
    from tickets import services

    reply = services.post_reply(ticket=ticket, text="Sent", author=admin_user, channel=Channel.WEB)
    data = form_data(client_, change_url(ticket), **{"replies-0-text": "Rewritten"})
    assert client_.post(change_url(ticket), data).status_code == 302
    reply.refresh_from_db()
    assert reply.text == "Sent"


def test_history_inline_is_read_only(client_, ticket):
    factories.TicketEventFactory(ticket=ticket, kind="assigned")
    page = client_.get(change_url(ticket)).content.decode()
    assert "Assigned" in page
    assert 'name="events-0-DELETE"' not in page
    assert 'name="events-0-kind"' not in page


# Actions ------------------------------------------------------------------------------


def run_action(client_, action: str, tickets, **extra):
    return client_.post(
        reverse("admin:tickets_ticket_changelist"),
        {"action": action, "_selected_action": [t.pk for t in tickets], "index": 0, **extra},
        follow=True,
    )


def test_close_action_closes_each_ticket_and_reports_skipped(client_, admin_user):
    open_one, open_two = factories.TicketFactory(), factories.TicketFactory()
    closed = factories.TicketFactory(status_id=FixedStatus.CLOSED)
    response = run_action(client_, "close_tickets", [open_one, open_two, closed])
    assert "Closed 2 tickets. Skipped 1 ticket that were already closed." in messages_of(response)
    for ticket in (open_one, open_two):
        ticket.refresh_from_db()
        assert ticket.status_id == FixedStatus.CLOSED and ticket.resolved_at is not None
        assert events(ticket) == [("status_changed", "admin", admin_user.pk)]
    assert not closed.events.exists()


def test_archive_and_restore_actions(client_, admin_user):
    active = factories.TicketFactory()
    archived = factories.TicketFactory(active_state=ActiveState.ARCHIVED)
    response = run_action(client_, "archive_tickets", [active, archived])
    assert "Archived 1 ticket. Skipped 1 ticket that were already archived." in messages_of(
        response
    )
    active.refresh_from_db()
    assert active.active_state == ActiveState.ARCHIVED
    assert events(active) == [("archived", "admin", admin_user.pk)]

    never_archived = factories.TicketFactory()
    response = run_action(client_, "restore_tickets", [active, archived, never_archived])
    assert "Restored 2 tickets. Skipped 1 ticket that were not archived." in messages_of(response)
    assert events(archived) == [("restored", "admin", admin_user.pk)]
    assert not never_archived.events.exists()


def test_assign_action_uses_the_agent_chosen(client_, admin_user, other_agent):
    mine = factories.TicketFactory(assignee=other_agent)
    free = factories.TicketFactory()
    response = run_action(client_, "assign_tickets", [mine, free], agent=other_agent.pk)
    assert any(
        "1 ticket. Skipped 1 ticket that were already assigned" in m for m in messages_of(response)
    )
    free.refresh_from_db()
    assert free.assignee == other_agent
    assert events(free) == [("assigned", "admin", admin_user.pk)]
    assert not mine.events.exists()


def test_assign_action_without_an_agent_changes_nothing(client_):
    ticket = factories.TicketFactory()
    response = run_action(client_, "assign_tickets", [ticket])
    assert any("Choose an agent" in m for m in messages_of(response))
    assert not ticket.events.exists()


def test_assign_action_refuses_a_non_agent(client_, outsider):
    ticket = factories.TicketFactory()
    response = run_action(client_, "assign_tickets", [ticket], agent=outsider.pk)
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert not ticket.events.exists()


def test_unassign_action(client_, admin_user, other_agent):
    ticket = factories.TicketFactory(assignee=other_agent)
    response = run_action(client_, "unassign_tickets", [ticket, factories.TicketFactory()])
    assert "Unassigned 1 ticket. Skipped 1 ticket that had no assignee." in messages_of(response)
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_spam_actions(client_, admin_user):
    ham, spam = factories.TicketFactory(), factories.TicketFactory(is_spam=True)
    response = run_action(client_, "mark_spam", [ham, spam])
    assert "Marked as spam: 1 ticket. Skipped 1 ticket that were already spam." in messages_of(
        response
    )
    ham.refresh_from_db()
    assert ham.is_spam
    assert events(ham) == [("spam_marked", "admin", admin_user.pk)]
    response = run_action(client_, "unmark_spam", [ham, spam])
    assert "No longer spam: 2 tickets." in messages_of(response)
    assert events(spam) == [("spam_unmarked", "admin", admin_user.pk)]


def test_actions_need_the_change_permission(client, agent):
    client.force_login(view_only(agent))
    ticket = factories.TicketFactory()
    response = client.post(
        reverse("admin:tickets_ticket_changelist"),
        {"action": "close_tickets", "_selected_action": [ticket.pk], "index": 0},
    )
    assert response.status_code in {200, 302, 403}
    ticket.refresh_from_db()
    assert ticket.status_id == FixedStatus.OPEN


def test_deleting_tickets_goes_through_the_services(client_, monkeypatch):
    from tickets import services

    calls = []
    real = services.delete_ticket

    def spy(**kwargs):
        calls.append((kwargs["ticket"].pk, kwargs["channel"]))
        return real(**kwargs)

    monkeypatch.setattr(services, "delete_ticket", spy)
    one, two, kept = (factories.TicketFactory() for _ in range(3))
    factories.ReplyFactory(ticket=one)
    factories.TicketEventFactory(ticket=one)
    factories.RatingFactory(ticket=one)
    factories.TicketEventFactory(ticket=two)
    response = client_.post(reverse("admin:tickets_ticket_delete", args=[one.pk]), {"post": "yes"})
    assert response.status_code == 302
    run_action(client_, "delete_selected", [two], post="yes")
    assert sorted(calls) == [(one.pk, "admin"), (two.pk, "admin")]
    assert list(Ticket.objects.all()) == [kept]
    assert not Reply.objects.exists() and not TicketEvent.objects.exists()


# Replies, history and ratings ---------------------------------------------------------


def test_reply_admin_adds_through_the_services_and_never_edits(client_, admin_user, ticket):
    response = client_.post(
        reverse("admin:tickets_reply_add"),
        {"ticket": ticket.pk, "kind": "reply", "text": "Hello from admin"},
    )
    assert response.status_code == 302
    reply = Reply.objects.get()
    ticket.refresh_from_db()
    assert reply.author_agent == admin_user and ticket.replies_count == 1
    assert events(ticket, kind="reply_added") == [("reply_added", "admin", admin_user.pk)]

    url = reverse("admin:tickets_reply_change", args=[reply.pk])
    assert client_.get(url).status_code == 200
    response = client_.post(url, {"ticket": ticket.pk, "kind": "note", "text": "Changed"})
    assert response.status_code == 403
    reply.refresh_from_db()
    assert (reply.text, reply.kind) == ("Hello from admin", "reply")

    response = client_.post(reverse("admin:tickets_reply_delete", args=[reply.pk]), {"post": "yes"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.replies_count == 0 and ticket.last_reply_at is None
    assert events(ticket, kind="reply_deleted") == [("reply_deleted", "admin", admin_user.pk)]


def test_reply_and_event_search_by_ticket_number(client_, ticket):
    reply = factories.ReplyFactory(ticket=ticket)
    factories.ReplyFactory()
    event = factories.TicketEventFactory(ticket=ticket)
    factories.TicketEventFactory()
    replies = client_.get(reverse("admin:tickets_reply_changelist"), {"q": str(ticket.pk)})
    assert list(replies.context["cl"].result_list) == [reply]
    found = client_.get(reverse("admin:tickets_ticketevent_changelist"), {"q": f"#{ticket.pk}"})
    assert list(found.context["cl"].result_list) == [event]
    words = client_.get(reverse("admin:tickets_ticketevent_changelist"), {"q": "hello"})
    assert list(words.context["cl"].result_list) == []


def test_ticket_events_cannot_be_added_changed_or_deleted(client_, ticket):
    event = factories.TicketEventFactory(ticket=ticket, kind="created")
    assert client_.get(reverse("admin:tickets_ticketevent_add")).status_code == 403
    url = reverse("admin:tickets_ticketevent_change", args=[event.pk])
    assert client_.post(url, {"kind": "archived", "channel": "web"}).status_code == 403
    delete = reverse("admin:tickets_ticketevent_delete", args=[event.pk])
    assert client_.post(delete, {"post": "yes"}).status_code == 403
    run_action(client_, "delete_selected", [event])  # not offered: nothing happens
    event.refresh_from_db()
    assert event.kind == "created"


# Statuses, custom fields, API keys, tags --------------------------------------------


@pytest.mark.parametrize("status_id", [1, 2, 3, 4, 5])
def test_fixed_statuses_cannot_be_deleted(client_, status_id):
    url = reverse("admin:tickets_ticketstatus_delete", args=[status_id])
    response = client_.post(url, {"post": "yes"}, follow=True)
    assert any("cannot be deleted" in m for m in messages_of(response))
    assert TicketStatus.objects.filter(pk=status_id).exists()


def test_bulk_delete_refuses_fixed_statuses_but_deletes_others(client_):
    extra = factories.TicketStatusFactory()
    changelist = reverse("admin:tickets_ticketstatus_changelist")
    response = client_.post(
        changelist,
        {"action": "delete_unfixed_statuses", "_selected_action": [1, extra.pk], "index": 0},
        follow=True,
    )
    assert any("cannot be deleted" in m for m in messages_of(response))
    assert TicketStatus.objects.filter(pk__in=[1, extra.pk]).count() == 2
    client_.post(
        changelist,
        {
            "action": "delete_unfixed_statuses",
            "_selected_action": [extra.pk],
            "index": 0,
            "post": "yes",
        },
    )
    assert not TicketStatus.objects.filter(pk=extra.pk).exists()


def test_adding_a_status_takes_the_next_free_id(client_):
    response = client_.post(
        reverse("admin:tickets_ticketstatus_add"),
        {"title": "Waiting for parts", "position": "6", "colour": "#123456", "category": "pending"},
    )
    assert response.status_code == 302
    added = TicketStatus.objects.get(title="Waiting for parts")
    assert (added.pk, added.category) == (6, "pending")


def test_a_closed_status_is_solved_whatever_category_was_chosen(client_):
    response = client_.post(
        reverse("admin:tickets_ticketstatus_add"),
        {
            "title": "Cancelled",
            "position": "7",
            "colour": "#123456",
            "is_closed": "on",
            "category": "open",
        },
    )
    assert response.status_code == 302
    assert TicketStatus.objects.get(title="Cancelled").category == "solved"


def test_a_second_team_replied_status_is_a_form_error(client_):
    response = client_.post(
        reverse("admin:tickets_ticketstatus_add"),
        {"title": "Replied", "position": "6", "colour": "#123456", "use_for_team_replied": "on"},
    )
    assert response.status_code == 200
    assert "Only one status can be used for team replies." in response.content.decode()


def test_custom_field_choices_are_validated(client_):
    url = reverse("admin:tickets_customfield_add")
    base = {"key": "plan", "label": "Plan", "type": "choice", "position": "0", "enabled": "on"}
    response = client_.post(url, {**base, "choices": ""})
    assert response.status_code == 200
    assert "choices" in response.context["adminform"].form.errors
    response = client_.post(url, {**base, "choices": "free\npro\nfree"})
    assert "choices" in response.context["adminform"].form.errors
    response = client_.post(url, {**base, "type": "text", "choices": "free"})
    assert "choices" in response.context["adminform"].form.errors
    assert client_.post(url, {**base, "choices": " free \n\npro\n"}).status_code == 302
    assert CustomField.objects.get().choices == ["free", "pro"]


def test_api_key_is_shown_once_and_only_its_hash_is_stored(client_, agent):
    response = client_.post(reverse("admin:tickets_apikey_add"), {"agent": agent.pk, "name": "CI"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw_key = response.context["raw_key"]
    assert raw_key.startswith(ApiKey.PREFIX)
    assert raw_key in response.content.decode()
    key = ApiKey.objects.get()
    assert key.hashed_key == ApiKey.hash(raw_key) and key.hint == raw_key[:10]
    assert raw_key not in str(ApiKey.objects.values().get())
    change_page = client_.get(reverse("admin:tickets_apikey_change", args=[key.pk]))
    assert raw_key not in change_page.content.decode()
    assert key.hint in change_page.content.decode()


def test_api_key_cannot_belong_to_a_non_agent(client_, outsider):
    response = client_.post(reverse("admin:tickets_apikey_add"), {"agent": outsider.pk})
    assert response.status_code == 200
    assert "agent" in response.context["adminform"].form.errors
    assert not ApiKey.objects.exists()


def test_revoke_action(client_):
    live, revoked = factories.ApiKeyFactory(), factories.ApiKeyFactory()
    ApiKey.objects.filter(pk=revoked.pk).update(revoked_at=T0)
    response = client_.post(
        reverse("admin:tickets_apikey_changelist"),
        {"action": "revoke_keys", "_selected_action": [live.pk, revoked.pk], "index": 0},
        follow=True,
    )
    assert "Revoked 1 API key. Skipped 1 already revoked." in messages_of(response)
    live.refresh_from_db()
    revoked.refresh_from_db()
    assert live.revoked_at is not None and revoked.revoked_at == T0


def test_deleting_a_tag_removes_it_from_tickets_with_history(client_, admin_user):
    ticket = factories.TicketFactory(tags=["old", "keep"])
    tag = Tag.objects.get(name="old")
    response = client_.post(reverse("admin:taggit_tag_delete", args=[tag.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert list(ticket.tags.names()) == ["keep"]
    event = ticket.events.get()
    assert (event.kind, event.channel, event.old_value, event.new_value) == (
        "tags_changed",
        "admin",
        ["keep", "old"],
        ["keep"],
    )


def test_client_page_shows_contacts_and_projects(client_):
    company = factories.ClientFactory()
    factories.ContactFactory(client=company, name="Ada Lovelace")
    factories.ProjectFactory(client=company, name="Website")
    page = client_.get(reverse("admin:tickets_client_change", args=[company.pk])).content.decode()
    assert "Ada Lovelace" in page and "Website" in page


def test_stored_custom_field_values_survive_an_unchanged_save(client_, ticket):
    factories.CustomFieldFactory(key="since", label="Since", type=CustomField.Type.DATE)
    factories.CustomFieldFactory(key="seats", label="Seats", type=CustomField.Type.NUMBER)
    factories.CustomFieldFactory(key="vip", label="VIP", type=CustomField.Type.CHECKBOX)
    factories.CustomFieldFactory(
        key="plan", label="Plan", type=CustomField.Type.CHOICE, choices=["free", "pro"]
    )
    stored = {"since": "2026-03-01", "seats": 5, "vip": True, "plan": "legacy", "gone": "x"}
    Ticket.objects.filter(pk=ticket.pk).update(custom_fields=stored)
    data = form_data(client_, change_url(ticket))
    assert (data["cf_since"], data["cf_seats"], data["cf_vip"], data["cf_plan"]) == (
        "2026-03-01",
        "5",
        "on",
        "legacy",
    )
    assert client_.post(change_url(ticket), data).status_code == 302
    ticket.refresh_from_db()
    assert ticket.custom_fields == stored
    assert not ticket.events.exists()

    data = form_data(client_, change_url(ticket), cf_seats="7", cf_vip=None)
    assert client_.post(change_url(ticket), data).status_code == 302
    ticket.refresh_from_db()
    assert ticket.custom_fields == {**stored, "seats": 7, "vip": False}
    changes = ticket.events.order_by("field").values_list("field", "old_value", "new_value")
    assert list(changes) == [("seats", 5, 7), ("vip", True, False)]


def autocomplete(client_, model_name: str, field_name: str, term: str = "") -> list[str]:
    response = client_.get(
        reverse("admin:autocomplete"),
        {"app_label": "tickets", "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return [result["text"] for result in response.json()["results"]]


def test_autocompletes_offer_only_what_a_ticket_accepts(client_, outsider, other_agent):
    factories.CategoryFactory(name="Sales desk")
    factories.CategoryFactory(name="Sales projects", type=Category.Type.PROJECT)
    assert autocomplete(client_, "ticket", "department", "sales") == ["Sales desk"]
    usernames = autocomplete(client_, "ticket", "assignee")
    assert other_agent.username in usernames and outsider.username not in usernames
    ticket = factories.TicketFactory(subject="Broken printer")
    found = autocomplete(client_, "reply", "ticket", str(ticket.pk))
    assert found == [str(ticket)]


def test_stars_and_pins_go_through_the_services(client_, agent, ticket, monkeypatch):
    from tickets import services

    calls = []
    real = services.set_star
    monkeypatch.setattr(
        services, "set_star", lambda **kw: calls.append(kw["starred"]) or real(**kw)
    )
    response = client_.post(
        reverse("admin:tickets_ticketstar_add"), {"ticket": ticket.pk, "agent": agent.pk}
    )
    assert response.status_code == 302
    star = ticket.stars.get()
    assert star.agent == agent
    client_.post(reverse("admin:tickets_ticketstar_delete", args=[star.pk]), {"post": "yes"})
    assert not ticket.stars.exists()
    assert calls == [True, False]


# Big tables ----------------------------------------------------------------------------


@pytest.fixture
def spread_tickets():
    moments = [
        datetime.datetime(2024, 12, 31, 23, 30, tzinfo=datetime.UTC),
        datetime.datetime(2025, 2, 1, 0, 0, tzinfo=datetime.UTC),
        datetime.datetime(2025, 2, 14, 12, 0, tzinfo=datetime.UTC),
        datetime.datetime(2025, 2, 28, 23, 59, tzinfo=datetime.UTC),
        datetime.datetime(2026, 7, 4, 8, 0, tzinfo=datetime.UTC),
    ]
    return [factories.TicketFactory(created_at=moment) for moment in moments]


@pytest.mark.parametrize(
    "kind, filters",
    [
        ("year", {}),
        ("month", {"created_at__year": 2025}),
        ("day", {"created_at__year": 2025, "created_at__month": 2}),
        ("day", {}),
        ("month", {"status_id": FixedStatus.CLOSED}),
    ],
)
def test_indexed_date_hierarchy_matches_django(spread_tickets, kind, filters, settings):
    from tickets.admin.big_tables import with_indexed_dates

    queryset = Ticket.objects.filter(**filters)
    expected = list(queryset.datetimes("created_at", kind))
    assert list(with_indexed_dates(queryset).datetimes("created_at", kind)) == expected


def test_indexed_date_hierarchy_follows_the_current_time_zone(spread_tickets):
    from django.utils import timezone

    from tickets.admin.big_tables import with_indexed_dates

    with timezone.override("Asia/Tokyo"):  # 2024-12-31 23:30 UTC is 2025 in Tokyo
        expected = list(Ticket.objects.datetimes("created_at", "year"))
        found = list(with_indexed_dates(Ticket.objects.all()).datetimes("created_at", "year"))
    assert [d.year for d in found] == [d.year for d in expected] == [2025, 2026]


def test_ticket_date_hierarchy_drills_down(client_, spread_tickets):
    url = reverse("admin:tickets_ticket_changelist")
    years = client_.get(url).content.decode()
    assert "created_at__year=2024" in years and "created_at__year=2026" in years
    months = client_.get(url, {"created_at__year": "2025"}).content.decode()
    assert "created_at__month=2" in months and "created_at__month=1" not in months
    days = client_.get(url, {"created_at__year": "2025", "created_at__month": "2"})
    assert len(days.context["cl"].result_list) == 3


def test_big_table_count_is_exact_for_small_lists_and_estimated_for_big_ones(monkeypatch):
    from tickets.admin import big_tables
    from tickets.search import planned_rows

    factories.TicketFactory.create_batch(3)
    factories.TicketFactory(is_spam=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tickets_ticket")

    def count(queryset):
        return big_tables.EstimatedCountPaginator(queryset.order_by("pk"), 50).count

    assert count(Ticket.objects.all()) == 4
    assert count(Ticket.objects.filter(is_spam=False)) == 3
    monkeypatch.setattr(big_tables, "ESTIMATE_FROM_ROWS", 2)
    if connection.vendor == "postgresql":
        assert count(Ticket.objects.all()) == big_tables.estimated_row_count(Ticket.objects.all())
        planned = int(planned_rows(Ticket.objects.filter(is_spam=False)))
        assert count(Ticket.objects.filter(is_spam=False)) == max(planned, 2)
        assert count(Ticket.objects.filter(is_spam=True)) == 1
    else:
        assert big_tables.estimated_row_count(Ticket.objects.all()) is None
        assert count(Ticket.objects.all()) == 4
        assert count(Ticket.objects.filter(is_spam=False)) == 3


def test_a_change_made_meanwhile_is_not_undone(client_, admin_user, ticket, other_agent):
    from tickets import services

    data = form_data(client_, change_url(ticket), status="3")
    services.update_ticket(
        ticket=ticket, priority=Priority.URGENT, actor=other_agent, channel=Channel.WEB
    )
    services.assign(ticket=ticket, assignee=other_agent, actor=other_agent, channel=Channel.WEB)
    assert client_.post(change_url(ticket), data).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status_id == FixedStatus.ON_HOLD
    assert (ticket.priority, ticket.assignee) == (Priority.URGENT, other_agent)
    assert events(ticket, channel="admin") == [("status_changed", "admin", admin_user.pk)]


LIST_BUILDERS = {
    "reply": lambda: factories.ReplyFactory(),
    "ticketevent": lambda: factories.TicketEventFactory(actor=factories.AgentFactory()),
    "rating": lambda: factories.RatingFactory(
        agent=factories.AgentFactory(), contact=factories.ContactFactory()
    ),
    "taggedticket": lambda: factories.TicketFactory(tags=[factories.ClientFactory().name]),
    "ticketstar": lambda: factories.TicketStarFactory(),
    "ticketpin": lambda: factories.TicketPinFactory(),
    "client": lambda: factories.ClientFactory(),
    "contact": lambda: factories.ContactFactory(),
    "project": lambda: factories.ProjectFactory(),
    "team": lambda: factories.TeamFactory(members=[factories.AgentFactory()]),
    "category": lambda: factories.CategoryFactory(),
    "customfield": lambda: factories.CustomFieldFactory(),
    "apikey": lambda: factories.ApiKeyFactory(),
    "ticketstatus": lambda: factories.TicketStatusFactory(),
}


@pytest.mark.parametrize("model_name", sorted(LIST_BUILDERS))
def test_every_changelist_query_count_does_not_grow(client_, model_name):
    url = reverse(f"admin:tickets_{model_name}_changelist")
    for _ in range(2):
        LIST_BUILDERS[model_name]()
    with CaptureQueriesContext(connection) as few:
        assert client_.get(url).status_code == 200
    for _ in range(10):
        LIST_BUILDERS[model_name]()
    with CaptureQueriesContext(connection) as more:
        response = client_.get(url)
    assert len(response.context["cl"].result_list) >= 12
    assert len(more) == len(few), model_name


# Deleting what tickets point at ------------------------------------------------------


class TestDeletingWhatTicketsPointAt:
    """An agent, team or contact deleted in the admin leaves a trace on each ticket."""

    def test_deleting_a_team(self, client_, admin_user):
        team = factories.TeamFactory(name="Second line")
        tickets = factories.TicketFactory.create_batch(2, team=team)
        other = factories.TicketFactory()
        url = reverse("admin:tickets_team_delete", args=[team.pk])
        assert client_.post(url, {"post": "yes"}).status_code == 302
        for ticket in tickets:
            ticket.refresh_from_db()
            assert ticket.team is None
            event = ticket.events.get(kind=TicketEvent.Kind.TEAM_CHANGED)
            assert (event.channel, event.actor, event.new_value) == (
                Channel.ADMIN, admin_user, None,
            )  # fmt: skip
            assert event.old_value == {"id": team.pk, "name": "Second line"}
        assert not other.events.exists()

    def test_deleting_an_agent_unassigns_their_tickets(self, client_, admin_user):
        agent = factories.AgentFactory(first_name="Bob", last_name="Ng")
        ticket = factories.TicketFactory(assignee=agent)
        url = reverse("admin:auth_user_delete", args=[agent.pk])
        assert client_.post(url, {"post": "yes"}).status_code == 302
        ticket.refresh_from_db()
        assert ticket.assignee is None
        event = ticket.events.get(kind=TicketEvent.Kind.ASSIGNED)
        assert (event.old_value, event.new_value, event.actor) == (
            {"id": agent.pk, "name": "Bob Ng"}, None, admin_user,
        )  # fmt: skip

    def test_deleting_a_requester_and_cc_contact(self, client_):
        company = factories.ClientFactory()
        contact, kept = factories.ContactFactory.create_batch(2, client=company)
        requested = factories.TicketFactory(client=company, requester=contact)
        copied = factories.TicketFactory(client=company)
        copied.cc.set([contact, kept])
        url = reverse("admin:tickets_contact_delete", args=[contact.pk])
        assert client_.post(url, {"post": "yes"}).status_code == 302
        requested.refresh_from_db()
        assert requested.requester is None
        assert requested.events.get().kind == TicketEvent.Kind.REQUESTER_CHANGED
        event = copied.events.get()
        assert (event.kind, event.old_value, event.new_value) == (
            TicketEvent.Kind.CC_CHANGED, sorted([contact.pk, kept.pk]), [kept.pk],
        )  # fmt: skip
        assert list(copied.cc.all()) == [kept]

    def test_the_bulk_delete_action_does_the_same(self, client_):
        teams = factories.TeamFactory.create_batch(2)
        tickets = [factories.TicketFactory(team=team) for team in teams]
        response = client_.post(
            reverse("admin:tickets_team_changelist"),
            {"action": "delete_selected", "_selected_action": [t.pk for t in teams], "post": "yes"},
        )
        assert response.status_code == 302
        for ticket in tickets:
            assert ticket.events.filter(kind=TicketEvent.Kind.TEAM_CHANGED).count() == 1

    def test_a_contact_removed_in_the_client_page(self, client_):
        contact = factories.ContactFactory(name="Rita")
        ticket = factories.TicketFactory(client=contact.client, requester=contact)
        url = reverse("admin:tickets_client_change", args=[contact.client.pk])
        data = form_data(client_, url)
        prefix = next(
            name.removesuffix("-id")
            for name, value in data.items()
            if name.endswith("-id") and value == str(contact.pk)
        )
        data[f"{prefix}-DELETE"] = "on"
        assert client_.post(url, data).status_code == 302
        ticket.refresh_from_db()
        assert ticket.requester is None
        assert ticket.events.get().kind == TicketEvent.Kind.REQUESTER_CHANGED


class TestTagsChangedWhileTheFormWasOpen:
    """Saving the admin form applies only the tag changes its user made."""

    def test_a_tag_added_meanwhile_is_kept(self, client_, ticket, agent):
        ticket.tags.set(["billing"])
        data = form_data(client_, change_url(ticket))
        services.add_tags(ticket=ticket, tags=["vip"], actor=agent, channel=Channel.WEB)
        assert client_.post(change_url(ticket), data).status_code == 302
        assert sorted(ticket.tags.names()) == ["billing", "vip"]

    def test_own_changes_apply_and_others_stay(self, client_, ticket, agent):
        ticket.tags.set(["billing", "old"])
        data = form_data(client_, change_url(ticket), tags="billing, new")
        services.add_tags(ticket=ticket, tags=["vip"], actor=agent, channel=Channel.WEB)
        assert client_.post(change_url(ticket), data).status_code == 302
        assert sorted(ticket.tags.names()) == ["billing", "new", "vip"]
        event = ticket.events.filter(channel=Channel.ADMIN).get()
        assert (event.old_value, event.new_value) == (
            ["billing", "old", "vip"], ["billing", "new", "vip"],
        )  # fmt: skip
