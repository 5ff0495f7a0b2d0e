import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from freezegun import freeze_time

from tests import factories
from tickets import services
from tickets.models import (
    ActiveState,
    Category,
    Channel,
    CustomField,
    Priority,
    Reply,
    Source,
    Ticket,
    TicketStatus,
)
from tickets.statuses import FixedStatus

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def ticket(department, client_company):
    return factories.TicketFactory(
        department=department, client=client_company, created_at=T0 - datetime.timedelta(hours=1)
    )


def kinds(ticket):
    return list(ticket.events.order_by("id").values_list("kind", flat=True))


def create(agent, department, client, **kwargs):
    kwargs.setdefault("subject", "Cannot log in")
    kwargs.setdefault("message", "I get an error")
    return services.create_ticket(
        client=client, department=department, actor=agent, channel=Channel.WEB, **kwargs
    )


class TestCreateTicket:
    def test_creates_with_history_and_source_from_channel(self, agent, department, client_company):
        with freeze_time(T0):
            ticket = services.create_ticket(
                client=client_company,
                department=department,
                subject="  Cannot log in ",
                message="I get an error",
                priority=Priority.HIGH,
                actor=agent,
                channel=Channel.API,
                tags=["billing", "Billing", " login "],
            )
        ticket.refresh_from_db()
        assert ticket.subject == "Cannot log in"
        assert ticket.source == Source.API
        assert ticket.status_id == FixedStatus.OPEN
        assert ticket.creator == agent
        assert ticket.created_at == ticket.updated_at == T0
        assert ticket.replies_count == 0
        assert sorted(ticket.tags.names()) == ["billing", "login"]
        event = ticket.events.get()
        assert (event.kind, event.actor, event.channel) == ("created", agent, "api")

    def test_refuses_non_ticket_department(self, agent, client_company):
        projects = factories.CategoryFactory(type=Category.Type.PROJECT)
        with pytest.raises(ValidationError) as error:
            create(agent, projects, client_company)
        assert "department" in error.value.message_dict
        assert not Ticket.objects.exists()

    def test_refuses_project_of_another_client(self, agent, department, client_company):
        project = factories.ProjectFactory()
        with pytest.raises(ValidationError) as error:
            create(agent, department, client_company, project=project)
        assert error.value.message_dict["project"] == [
            "The project does not belong to the ticket's client."
        ]

    def test_refuses_blank_subject_and_bad_priority(self, agent, department, client_company):
        with pytest.raises(ValidationError) as error:
            create(agent, department, client_company, subject="   ")
        assert "subject" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            create(agent, department, client_company, priority=7)
        assert "priority" in error.value.message_dict

    def test_requester_and_cc_must_belong_to_client(self, agent, department, client_company):
        stranger = factories.ContactFactory()
        with pytest.raises(ValidationError):
            create(agent, department, client_company, requester=stranger)
        with pytest.raises(ValidationError):
            create(agent, department, client_company, cc=[stranger])
        own = factories.ContactFactory(client=client_company)
        ticket = create(agent, department, client_company, requester=own, cc=[own])
        assert list(ticket.cc.all()) == [own]

    def test_custom_fields_are_validated_and_required_enforced(
        self, agent, department, client_company
    ):
        factories.CustomFieldFactory(key="order", type=CustomField.Type.NUMBER, required=True)
        factories.CustomFieldFactory(
            key="plan", type=CustomField.Type.CHOICE, choices=["free", "pro"]
        )
        factories.CustomFieldFactory(key="old", enabled=False)
        with pytest.raises(ValidationError) as error:
            create(agent, department, client_company, custom_field_values={"plan": "gold"})
        assert error.value.message_dict == {
            "plan": ["Select one of: free, pro."],
            "order": ["This field is required."],
        }
        with pytest.raises(ValidationError) as error:
            create(agent, department, client_company, custom_field_values={"order": 1, "old": "x"})
        assert error.value.message_dict == {"old": ["Unknown custom field."]}
        ticket = create(
            agent, department, client_company, custom_field_values={"order": "42", "plan": "pro"}
        )
        ticket.refresh_from_db()
        assert ticket.custom_fields == {"order": 42, "plan": "pro"}


class TestReplies:
    def test_agent_reply_answers_and_stamps_first_response(self, ticket, agent):
        with freeze_time(T0):
            reply = services.post_reply(
                ticket=ticket, text="Hello", author=agent, channel=Channel.WEB
            )
        ticket.refresh_from_db()
        assert reply.author_agent == agent
        assert ticket.status_id == FixedStatus.ANSWERED
        assert ticket.first_response_at == T0
        assert ticket.last_reply_at == T0
        assert ticket.updated_at == T0
        assert ticket.status_changed_at == T0
        assert ticket.replies_count == 1
        assert kinds(ticket) == ["status_changed", "reply_added"]

    def test_second_reply_keeps_first_response(self, ticket, agent):
        with freeze_time(T0):
            services.post_reply(ticket=ticket, text="One", author=agent, channel=Channel.WEB)
        with freeze_time(T0 + datetime.timedelta(hours=2)):
            services.post_reply(ticket=ticket, text="Two", author=agent, channel=Channel.WEB)
        ticket.refresh_from_db()
        assert ticket.first_response_at == T0
        assert ticket.last_reply_at == T0 + datetime.timedelta(hours=2)
        assert ticket.replies_count == 2

    def test_contact_reply_moves_to_customer_replied_without_first_response(self, ticket):
        contact = factories.ContactFactory(client=ticket.client)
        services.post_reply(ticket=ticket, text="Any news?", author=contact, channel=Channel.EMAIL)
        ticket.refresh_from_db()
        assert ticket.status_id == FixedStatus.CUSTOMER_REPLIED
        assert ticket.first_response_at is None
        assert ticket.replies_count == 1
        event = ticket.events.get(kind="reply_added")
        assert event.actor_contact == contact and event.actor is None

    def test_note_changes_neither_status_nor_counts(self, ticket, agent):
        services.post_reply(
            ticket=ticket, text="Internal", kind=Reply.Kind.NOTE, author=agent, channel=Channel.WEB
        )
        ticket.refresh_from_db()
        assert ticket.status_id == FixedStatus.OPEN
        assert ticket.first_response_at is None
        assert ticket.replies_count == 0
        assert ticket.last_reply_at is None
        assert kinds(ticket) == ["note_added"]

    def test_contacts_cannot_write_notes(self, ticket):
        contact = factories.ContactFactory(client=ticket.client)
        with pytest.raises(ValidationError):
            services.post_reply(
                ticket=ticket, text="x", kind=Reply.Kind.NOTE, author=contact, channel=Channel.WEB
            )

    def test_blank_reply_refused(self, ticket, agent):
        with pytest.raises(ValidationError):
            services.post_reply(ticket=ticket, text="  ", author=agent, channel=Channel.WEB)
        assert not Reply.objects.exists()

    def test_reply_reopens_closed_ticket(self, ticket, agent):
        closed = TicketStatus.objects.get(pk=FixedStatus.CLOSED)
        services.change_status(ticket=ticket, status=closed, actor=agent, channel=Channel.WEB)
        contact = factories.ContactFactory(client=ticket.client)
        services.post_reply(ticket=ticket, text="Still broken", author=contact, channel=Channel.WEB)
        ticket.refresh_from_db()
        assert ticket.status_id == FixedStatus.CUSTOMER_REPLIED
        assert ticket.resolved_at is None

    def test_reply_against_an_old_version_is_stale(self, ticket, agent, other_agent):
        seen = T0 - datetime.timedelta(minutes=5)
        with freeze_time(T0):
            services.update_ticket(
                ticket=ticket, priority=Priority.URGENT, actor=agent, channel=Channel.WEB
            )
            services.post_reply(
                ticket=ticket, text="Mine", author=agent, seen_version=seen, channel=Channel.WEB
            )
        late = freeze_time(T0 + datetime.timedelta(minutes=1))
        with late, pytest.raises(services.Stale) as stale:
            services.post_reply(
                ticket=ticket,
                text="Too late",
                author=other_agent,
                channel=Channel.WEB,
                seen_version=seen,
            )
        assert isinstance(stale.value, services.Conflict)
        # The author's own changes are not news to them; the other agent's are.
        assert [event.kind for event in stale.value.changes] == [
            "priority_changed",
            "status_changed",
            "reply_added",
        ]
        assert list(ticket.replies.values_list("text", flat=True)) == ["Mine"]
        services.post_reply(
            ticket=ticket, text="Seen it", author=other_agent, channel=Channel.WEB, seen_version=T0
        )
        assert ticket.replies.count() == 2

    def test_delete_reply_keeps_counts_exact(self, ticket, agent):
        with freeze_time(T0):
            first = services.post_reply(ticket=ticket, text="1", author=agent, channel=Channel.WEB)
        with freeze_time(T0 + datetime.timedelta(hours=1)):
            second = services.post_reply(ticket=ticket, text="2", author=agent, channel=Channel.WEB)
        services.post_reply(
            ticket=ticket, text="n", kind=Reply.Kind.NOTE, author=agent, channel=Channel.WEB
        )
        services.delete_reply(reply=second, actor=agent, channel=Channel.API)
        ticket.refresh_from_db()
        assert ticket.replies_count == 1
        assert ticket.last_reply_at == T0
        services.delete_reply(reply=first, actor=agent, channel=Channel.API)
        ticket.refresh_from_db()
        assert ticket.replies_count == 0
        assert ticket.last_reply_at is None
        event = ticket.events.filter(kind="reply_deleted").first()
        assert event.old_value["reply_id"] == second.pk
        assert event.channel == "api"


class TestStatus:
    def test_close_stamps_resolved_and_reopen_clears(self, ticket, agent):
        closed = TicketStatus.objects.get(pk=FixedStatus.CLOSED)
        on_hold = TicketStatus.objects.get(pk=FixedStatus.ON_HOLD)
        with freeze_time(T0):
            services.change_status(ticket=ticket, status=closed, actor=agent, channel=Channel.WEB)
        ticket.refresh_from_db()
        assert ticket.resolved_at == T0
        assert ticket.status_changed_at == T0
        with freeze_time(T0 + datetime.timedelta(days=1)):
            services.change_status(ticket=ticket, status=on_hold, actor=agent, channel=Channel.WEB)
        ticket.refresh_from_db()
        assert ticket.resolved_at is None
        assert ticket.status_changed_at == T0 + datetime.timedelta(days=1)
        event = ticket.events.filter(kind="status_changed").last()
        assert event.old_value == {"id": 2, "name": "Closed"}
        assert event.new_value == {"id": 3, "name": "On Hold"}

    def test_same_status_records_nothing(self, ticket, agent):
        services.change_status(
            ticket=ticket, status=ticket.status, actor=agent, channel=Channel.WEB
        )
        assert kinds(ticket) == []

    def test_moving_between_closed_statuses_keeps_resolved(self, ticket, agent):
        closed = TicketStatus.objects.get(pk=FixedStatus.CLOSED)
        resolved = factories.TicketStatusFactory(title="Resolved", is_closed=True)
        with freeze_time(T0):
            services.change_status(ticket=ticket, status=closed, actor=agent, channel=Channel.WEB)
        with freeze_time(T0 + datetime.timedelta(hours=1)):
            services.change_status(ticket=ticket, status=resolved, actor=agent, channel=Channel.WEB)
        ticket.refresh_from_db()
        assert ticket.resolved_at == T0


class TestOtherChanges:
    def test_update_records_one_event_per_changed_field(self, ticket, agent):
        other = factories.CategoryFactory()
        project = factories.ProjectFactory(client=ticket.client)
        services.update_ticket(
            ticket=ticket,
            actor=agent,
            channel=Channel.API,
            subject=ticket.subject,
            priority=Priority.URGENT,
            department=other,
            project=project,
        )
        ticket.refresh_from_db()
        assert ticket.priority == Priority.URGENT
        assert ticket.department == other
        assert ticket.project == project
        assert kinds(ticket) == ["priority_changed", "department_changed", "project_changed"]
        priority_event = ticket.events.get(kind="priority_changed")
        assert (priority_event.old_value, priority_event.new_value) == ("normal", "urgent")

    def test_update_without_changes_records_nothing(self, ticket, agent):
        before = ticket.updated_at
        services.update_ticket(
            ticket=ticket, actor=agent, channel=Channel.WEB, subject=ticket.subject
        )
        ticket.refresh_from_db()
        assert ticket.updated_at == before
        assert kinds(ticket) == []

    def test_changing_client_drops_links_to_old_client(self, ticket, agent):
        contact = factories.ContactFactory(client=ticket.client)
        project = factories.ProjectFactory(client=ticket.client)
        services.update_ticket(
            ticket=ticket,
            actor=agent,
            channel=Channel.WEB,
            requester=contact,
            project=project,
            cc=[contact],
        )
        new_client = factories.ClientFactory()
        services.update_ticket(ticket=ticket, actor=agent, channel=Channel.WEB, client=new_client)
        ticket.refresh_from_db()
        assert (ticket.client, ticket.project, ticket.requester) == (new_client, None, None)
        assert not ticket.cc.exists()

    def test_custom_field_changes_are_recorded_per_field(self, ticket, agent):
        factories.CustomFieldFactory(key="order", type=CustomField.Type.NUMBER)
        factories.CustomFieldFactory(key="vip", type=CustomField.Type.CHECKBOX)
        services.update_ticket(
            ticket=ticket,
            actor=agent,
            channel=Channel.WEB,
            custom_field_values={"order": "7", "vip": "yes"},
        )
        services.update_ticket(
            ticket=ticket, actor=agent, channel=Channel.WEB, custom_field_values={"order": "8"}
        )
        ticket.refresh_from_db()
        assert ticket.custom_fields == {"order": 8, "vip": True}
        changes = list(
            ticket.events.filter(kind="custom_field_changed").values_list(
                "field", "old_value", "new_value"
            )
        )
        assert changes == [("order", None, 7), ("vip", None, True), ("order", 7, 8)]

    def test_assign_and_team(self, ticket, agent, other_agent):
        team = factories.TeamFactory()
        services.assign(ticket=ticket, assignee=other_agent, actor=agent, channel=Channel.WEB)
        services.set_team(ticket=ticket, team=team, actor=agent, channel=Channel.WEB)
        services.assign(ticket=ticket, assignee=None, actor=agent, channel=Channel.WEB)
        ticket.refresh_from_db()
        assert ticket.assignee is None and ticket.team == team
        assert kinds(ticket) == ["assigned", "team_changed", "assigned"]

    def test_cannot_assign_non_agent(self, ticket, agent, outsider):
        with pytest.raises(ValidationError):
            services.assign(ticket=ticket, assignee=outsider, actor=agent, channel=Channel.WEB)

    def test_tags_full_replace_and_clear(self, ticket, agent):
        services.set_tags(ticket=ticket, tags=["b", "a"], actor=agent, channel=Channel.API)
        services.set_tags(ticket=ticket, tags=["a", "b"], actor=agent, channel=Channel.API)
        services.set_tags(ticket=ticket, tags=[], actor=agent, channel=Channel.API)
        ticket.refresh_from_db()
        assert list(ticket.tags.names()) == []
        events = ticket.events.filter(kind="tags_changed")
        assert [(e.old_value, e.new_value) for e in events] == [([], ["a", "b"]), (["a", "b"], [])]

    def test_at_most_max_tags(self, ticket, agent, settings):
        settings.TICKET_MAX_TAGS = 3
        services.set_tags(
            ticket=ticket, tags=["a", "b", "c", "A"], actor=agent, channel=Channel.API
        )
        with pytest.raises(ValidationError, match="at most 3 tags"):
            services.set_tags(ticket=ticket, tags=list("abcd"), actor=agent, channel=Channel.API)
        with pytest.raises(ValidationError, match="at most 3 tags"):
            services.add_tags(ticket=ticket, tags=["d"], actor=agent, channel=Channel.WEB)
        # Removing any number of names is no new tag.
        services.remove_tags(
            ticket=ticket,
            tags=[f"t{n}" for n in range(10)] + ["a"],
            actor=agent,
            channel=Channel.WEB,
        )
        ticket.refresh_from_db()
        assert sorted(ticket.tags.names()) == ["b", "c"]
        assert kinds(ticket) == ["tags_changed", "tags_changed"]

    def test_archive_restore_and_conflicts(self, ticket, agent):
        services.archive(ticket=ticket, actor=agent, channel=Channel.API)
        ticket.refresh_from_db()
        assert ticket.active_state == ActiveState.ARCHIVED
        with pytest.raises(services.Conflict):
            services.archive(ticket=ticket, actor=agent, channel=Channel.API)
        services.restore(ticket=ticket, actor=agent, channel=Channel.API)
        with pytest.raises(services.Conflict):
            services.restore(ticket=ticket, actor=agent, channel=Channel.API)
        assert kinds(ticket) == ["archived", "restored"]

    def test_spam(self, ticket, agent):
        services.mark_spam(ticket=ticket, is_spam=True, actor=agent, channel=Channel.WEB)
        assert Ticket.objects.spam().get() == ticket
        services.mark_spam(ticket=ticket, is_spam=False, actor=agent, channel=Channel.WEB)
        assert kinds(ticket) == ["spam_marked", "spam_unmarked"]

    def test_rating_records_assignee(self, ticket, agent):
        services.assign(ticket=ticket, assignee=agent, actor=agent, channel=Channel.WEB)
        contact = factories.ContactFactory(client=ticket.client)
        rating = services.rate_ticket(
            ticket=ticket, value="good", comment="Quick!", contact=contact, channel=Channel.EMAIL
        )
        assert rating.agent == agent
        assert "rated" in kinds(ticket)

    def test_rating_moves_last_updated(self, ticket):
        contact = factories.ContactFactory(client=ticket.client)
        with freeze_time(T0):
            services.rate_ticket(ticket=ticket, value="bad", contact=contact, channel=Channel.WEB)
        assert ticket.updated_at == T0
        ticket.refresh_from_db()
        assert ticket.updated_at == T0
        assert ticket.events.get(kind="rated").created_at == T0

    def test_stars_and_pins_are_per_agent(self, ticket, agent, other_agent):
        services.set_star(ticket=ticket, agent=agent, starred=True)
        services.set_star(ticket=ticket, agent=agent, starred=True)
        services.set_pin(ticket=ticket, agent=other_agent, pinned=True)
        assert list(agent.starred_tickets.all()) == [ticket]
        assert list(other_agent.starred_tickets.all()) == []
        assert list(other_agent.pinned_tickets.all()) == [ticket]
        services.set_star(ticket=ticket, agent=agent, starred=False)
        assert not agent.starred_tickets.exists()

    def test_delete_ticket_removes_conversation(self, ticket, agent):
        services.post_reply(ticket=ticket, text="x", author=agent, channel=Channel.WEB)
        services.delete_ticket(ticket=ticket, actor=agent, channel=Channel.API)
        assert not Ticket.objects.exists() and not Reply.objects.exists()


class TestConstraints:
    def test_only_one_team_replied_status(self):
        with pytest.raises(IntegrityError):
            factories.TicketStatusFactory(use_for_team_replied=True)

    def test_reply_has_one_author(self, ticket, agent):
        contact = factories.ContactFactory(client=ticket.client)
        with pytest.raises(IntegrityError):
            Reply.objects.create(
                ticket=ticket, text="x", author_agent=agent, author_contact=contact
            )

    def test_priority_must_be_known(self, ticket):
        with pytest.raises(IntegrityError):
            Ticket.objects.filter(pk=ticket.pk).update(priority=9)

    def test_ticket_clean_messages(self, ticket):
        ticket.project = factories.ProjectFactory()
        with pytest.raises(ValidationError) as error:
            ticket.full_clean()
        assert "project" in error.value.message_dict

    def test_choice_custom_field_needs_choices(self):
        with pytest.raises(ValidationError):
            CustomField(key="plan", label="Plan", type=CustomField.Type.CHOICE).full_clean()


def test_tagged_ticket_factory_tags_a_ticket():
    tagged = factories.TaggedTicketFactory()
    assert list(tagged.content_object.tags.names()) == [tagged.tag.name]


class TestExplicitTimes:
    """The services take `at`, the moment a change happened (an import's original times);
    the ticket's times and the history take it, whatever the clock says."""

    AT = datetime.datetime(2013, 11, 15, 22, 24, 20, tzinfo=datetime.UTC)

    def later(self, minutes):
        return self.AT + datetime.timedelta(minutes=minutes)

    def test_every_service_stamps_the_given_moment(self, agent, other_agent, department):
        client = factories.ClientFactory()
        contact = factories.ContactFactory(client=client)
        closed = TicketStatus.objects.get(pk=FixedStatus.CLOSED)
        team = factories.TeamFactory()
        with freeze_time(T0):
            ticket = services.create_ticket(
                client=client, department=department, subject="Old", message="From 2013",
                actor=None, channel=Channel.IMPORT, requester=contact, at=self.AT,
            )  # fmt: skip
            client_reply = services.post_reply(
                ticket=ticket, text="Hello?", author=contact, channel=Channel.IMPORT,
                at=self.later(1),
            )  # fmt: skip
            agent_reply = services.post_reply(
                ticket=ticket, text="Hi", author=agent, channel=Channel.IMPORT, at=self.later(2)
            )
            services.assign(
                ticket=ticket, assignee=other_agent, actor=agent, channel=Channel.IMPORT,
                at=self.later(3),
            )  # fmt: skip
            services.set_team(
                ticket=ticket, team=team, actor=None, channel=Channel.IMPORT, at=self.later(4)
            )
            services.set_tags(
                ticket=ticket, tags=["old"], actor=None, channel=Channel.IMPORT, at=self.later(5)
            )
            services.change_status(
                ticket=ticket, status=closed, actor=None, channel=Channel.IMPORT, at=self.later(6)
            )
            services.mark_spam(
                ticket=ticket, is_spam=True, actor=None, channel=Channel.IMPORT, at=self.later(7)
            )

        ticket.refresh_from_db()
        assert ticket.created_at == self.AT
        assert client_reply.created_at == self.later(1)
        assert agent_reply.created_at == ticket.first_response_at == self.later(2)
        assert ticket.last_reply_at == self.later(2)
        assert ticket.status_changed_at == ticket.resolved_at == self.later(6)
        assert ticket.updated_at == self.later(7)
        assert ticket.is_spam and ticket.team == team and ticket.assignee == other_agent
        events = list(ticket.events.order_by("id").values_list("kind", "created_at", "channel"))
        assert events == [
            ("created", self.AT, "import"),
            ("reply_added", self.later(1), "import"),
            ("reply_added", self.later(2), "import"),
            ("assigned", self.later(3), "import"),
            ("team_changed", self.later(4), "import"),
            ("tags_changed", self.later(5), "import"),
            ("status_changed", self.later(6), "import"),
            ("spam_marked", self.later(7), "import"),
        ]

    def test_without_at_it_is_now(self, agent, department, client_company):
        with freeze_time(T0):
            ticket = create(agent, department, client_company)
            services.assign(ticket=ticket, assignee=agent, actor=agent, channel=Channel.WEB)
        ticket.refresh_from_db()
        assert ticket.created_at == ticket.updated_at == T0
        assert set(ticket.events.values_list("created_at", flat=True)) == {T0}

    def test_a_ticket_created_closed_is_resolved_then(self, department, client_company):
        closed = TicketStatus.objects.get(pk=FixedStatus.CLOSED)
        ticket = services.create_ticket(
            client=client_company, department=department, subject="s", message="m",
            actor=None, channel=Channel.IMPORT, status=closed, at=self.AT,
        )  # fmt: skip
        ticket.refresh_from_db()
        assert ticket.resolved_at == ticket.created_at == self.AT

    def test_set_last_updated_moves_forward_only_and_records_nothing(self):
        ticket = factories.TicketFactory(created_at=T0, updated_at=T0)
        before = ticket.events.count()
        services.set_last_updated(ticket=ticket, at=T0 + datetime.timedelta(days=1))
        ticket.refresh_from_db()
        assert ticket.updated_at == T0 + datetime.timedelta(days=1)
        assert ticket.events.count() == before
        with pytest.raises(ValidationError) as error:
            services.set_last_updated(ticket=ticket, at=T0)
        assert error.value.message_dict == {"updated_at": ["The ticket changed after that time."]}
        ticket.refresh_from_db()
        assert ticket.updated_at == T0 + datetime.timedelta(days=1)


class TestImportChannel:
    """An import replays a history: former agents may appear in it, and its replies leave
    the status to the status changes it replays."""

    @pytest.fixture
    def former_agent(self):
        return factories.AgentFactory(is_active=False)

    def test_former_agents_write_and_are_assigned_in_an_import_only(self, ticket, former_agent):
        for channel in (Channel.WEB, Channel.API):
            with pytest.raises(ValidationError):
                services.assign(ticket=ticket, assignee=former_agent, actor=None, channel=channel)
            with pytest.raises(ValidationError):
                services.post_reply(ticket=ticket, text="x", author=former_agent, channel=channel)
        services.assign(ticket=ticket, assignee=former_agent, actor=None, channel=Channel.IMPORT)
        reply = services.post_reply(
            ticket=ticket, text="Done", author=former_agent, channel=Channel.IMPORT
        )
        ticket.refresh_from_db()
        assert ticket.assignee == former_agent and reply.author_agent == former_agent

    def test_a_user_who_never_was_an_agent_is_refused_even_in_an_import(self, ticket, outsider):
        with pytest.raises(ValidationError):
            services.assign(ticket=ticket, assignee=outsider, actor=None, channel=Channel.IMPORT)
        with pytest.raises(ValidationError):
            services.create_ticket(
                client=ticket.client, department=ticket.department, subject="s", message="m",
                actor=None, channel=Channel.IMPORT, assignee=outsider,
            )  # fmt: skip

    def test_imported_replies_keep_the_status(self, ticket, agent):
        closed = TicketStatus.objects.get(pk=FixedStatus.CLOSED)
        services.change_status(ticket=ticket, status=closed, actor=None, channel=Channel.IMPORT)
        contact = factories.ContactFactory(client=ticket.client)
        services.post_reply(ticket=ticket, text="Thanks", author=contact, channel=Channel.IMPORT)
        services.post_reply(ticket=ticket, text="Welcome", author=agent, channel=Channel.IMPORT)
        ticket.refresh_from_db()
        assert ticket.status_id == FixedStatus.CLOSED
        assert ticket.resolved_at is not None
        assert ticket.replies_count == 2 and ticket.first_response_at is not None
        assert kinds(ticket) == ["status_changed", "reply_added", "reply_added"]

    def test_an_imported_ticket_is_not_refused_for_required_custom_fields(
        self, department, client_company
    ):
        factories.CustomFieldFactory(key="order", type=CustomField.Type.NUMBER, required=True)
        ticket = services.create_ticket(
            client=client_company, department=department, subject="s", message="m",
            actor=None, channel=Channel.IMPORT,
        )  # fmt: skip
        assert ticket.custom_fields == {}
        with pytest.raises(ValidationError):
            services.create_ticket(
                client=client_company, department=department, subject="s", message="m",
                actor=None, channel=Channel.API,
            )  # fmt: skip


class TestWaitingSince:
    """How long the client has waited for us: from entering an open status until an agent's
    public reply or a pending or solved status."""

    def test_a_new_ticket_waits_from_its_creation(self, agent, department, client_company):
        with freeze_time(T0):
            ticket = create(agent, department, client_company)
        ticket.refresh_from_db()
        assert ticket.waiting_since == T0

    def test_a_new_solved_ticket_does_not_wait(self, agent, department, client_company):
        closed = TicketStatus.objects.get(pk=FixedStatus.CLOSED)
        ticket = create(agent, department, client_company, status=closed)
        ticket.refresh_from_db()
        assert ticket.waiting_since is None

    def test_an_agent_reply_ends_the_wait_and_a_client_reply_starts_it(
        self, agent, department, client_company
    ):
        contact = factories.ContactFactory(client=client_company)
        with freeze_time(T0):
            ticket = create(agent, department, client_company, requester=contact)
        later = T0 + datetime.timedelta(hours=2)
        with freeze_time(later):
            services.post_reply(
                ticket=ticket, text="Noted", kind=Reply.Kind.NOTE, author=agent, channel=Channel.WEB
            )
            ticket.refresh_from_db()
            assert ticket.waiting_since == T0  # a note answers nobody
            services.post_reply(ticket=ticket, text="Fixed", author=agent, channel=Channel.WEB)
        ticket.refresh_from_db()
        assert ticket.waiting_since is None
        asked = T0 + datetime.timedelta(hours=5)
        with freeze_time(asked):
            services.post_reply(
                ticket=ticket, text="Still broken", author=contact, channel=Channel.EMAIL
            )
        with freeze_time(asked + datetime.timedelta(hours=1)):
            services.post_reply(
                ticket=ticket, text="And now?", author=contact, channel=Channel.EMAIL
            )
        ticket.refresh_from_db()
        assert ticket.waiting_since == asked  # from the first unanswered message

    def test_pending_and_solved_statuses_end_the_wait_and_reopening_starts_it(
        self, agent, department, client_company
    ):
        ticket = create(agent, department, client_company)
        on_hold = TicketStatus.objects.get(pk=FixedStatus.ON_HOLD)
        services.change_status(ticket=ticket, status=on_hold, actor=agent, channel=Channel.WEB)
        ticket.refresh_from_db()
        assert ticket.waiting_since is None
        reopened = T0 + datetime.timedelta(days=1)
        with freeze_time(reopened):
            services.change_status(
                ticket=ticket,
                status=TicketStatus.objects.get(pk=FixedStatus.OPEN),
                actor=agent,
                channel=Channel.WEB,
            )
        ticket.refresh_from_db()
        assert ticket.waiting_since == reopened
