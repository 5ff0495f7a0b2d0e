"""POST /compat/usercom/api/public/tickets/ and PUT /tickets/<id>/: every field, through
the services on the channel `api` (recorded in the history), silently."""

import datetime

import pytest
from django.core import mail

from tests import factories
from tickets.models import ActiveState, Channel, Priority, Ticket, TicketEvent
from tickets.statuses import FixedStatus

from .conftest import BASE, body

pytestmark = pytest.mark.django_db

Kind = TicketEvent.Kind


@pytest.fixture(autouse=True)
def department(db):
    return factories.CategoryFactory(name="Support")


@pytest.fixture
def person(client_company):
    return factories.ContactFactory(client=client_company, name="Ann Lee", email="ann@a.example")


def post(usercom, values):
    return usercom.post(f"{BASE}/tickets/", values, format="json")


def put(usercom, ticket, values):
    return usercom.put(f"{BASE}/tickets/{ticket.pk}/", values, format="json")


def history(ticket) -> list[tuple[str, str, int | None]]:
    return list(
        TicketEvent.objects.filter(ticket=ticket)
        .order_by("id")
        .values_list("kind", "channel", "actor_id")
    )


def errors_of(response, field: str) -> list[str]:
    assert response.status_code == 400, response.content
    errors = body(response)
    assert list(errors) == [field], errors
    assert errors[field] and all(isinstance(message, str) for message in errors[field])
    return errors[field]


class TestCreate:
    def test_every_field(self, usercom, agent, other_agent, person, client_company):
        response = post(
            usercom,
            {
                "name": "Printer on fire",
                "description": "It is on fire.",
                "status": "active",
                "due_date": "2026-03-05T12:00:00Z",
                "priority": Priority.URGENT,
                "assigned_to": other_agent.pk,
                "person": person.pk,
                "company": client_company.pk,
            },
        )

        assert response.status_code == 201, response.content
        written = body(response)
        ticket = Ticket.objects.get(pk=written["id"])
        assert (ticket.subject, ticket.message) == ("Printer on fire", "It is on fire.")
        assert ticket.status_id == FixedStatus.OPEN
        assert ticket.due_at == datetime.datetime(2026, 3, 5, 12, tzinfo=datetime.UTC)
        assert ticket.priority == Priority.URGENT
        assert (ticket.assignee, ticket.requester, ticket.client) == (
            other_agent,
            person,
            client_company,
        )
        assert ticket.creator == agent
        assert ticket.source == "api"
        assert written["name"] == "Printer on fire"
        assert written["status"] == "active"
        assert written["due_date"] == "2026-03-05T12:00:00Z"
        assert written["priority"] == {"id": 3, "name": "Urgent", "order": 1}
        assert written["assigned_to"]["id"] == other_agent.pk
        assert written["author"]["id"] == agent.pk
        assert written["person"]["id"] == person.pk
        assert written["company"] == {"id": client_company.pk, "name": "Acme Inc"}
        assert history(ticket) == [(Kind.CREATED, Channel.API, agent.pk)]
        assert mail.outbox == []

    def test_the_least_a_name_a_description_and_a_company(self, usercom, client_company):
        response = post(
            usercom, {"name": "Hi", "description": "Help", "company": client_company.pk}
        )

        assert response.status_code == 201
        written = body(response)
        assert written["status"] == "active"
        assert written["person"] is None
        assert written["assigned_to"] is None
        assert written["priority"]["name"] == "Normal"

    def test_a_person_alone_gives_their_company(self, usercom, person, client_company):
        written = body(post(usercom, {"name": "Hi", "description": "Help", "person": person.pk}))

        assert written["company"]["id"] == client_company.pk
        assert written["person"]["id"] == person.pk

    def test_a_form_body_works_too(self, usercom, client_company):
        response = usercom.post(
            f"{BASE}/tickets/", {"name": "Hi", "description": "Help", "company": client_company.pk}
        )

        assert response.status_code == 201

    def test_created_closed(self, usercom, agent, client_company):
        response = post(
            usercom,
            {"name": "Hi", "description": "Done", "company": client_company.pk, "status": "closed"},
        )

        ticket = Ticket.objects.get(pk=body(response)["id"])
        assert body(response)["status"] == "closed"
        assert ticket.status_id == FixedStatus.CLOSED
        assert ticket.resolved_at is not None

    def test_created_archived(self, usercom, agent, client_company):
        response = post(
            usercom,
            {
                "name": "Hi",
                "description": "Old",
                "company": client_company.pk,
                "status": "archived",
            },
        )

        ticket = Ticket.objects.get(pk=body(response)["id"])
        assert body(response)["status"] == "archived"
        assert ticket.active_state == ActiveState.ARCHIVED
        assert history(ticket) == [
            (Kind.CREATED, Channel.API, agent.pk),
            (Kind.ARCHIVED, Channel.API, agent.pk),
        ]

    @pytest.mark.parametrize(
        ("values", "field"),
        [
            ({"description": "Help"}, "name"),
            ({"name": "", "description": "Help"}, "name"),
            ({"name": "x" * 256, "description": "Help"}, "name"),
            ({"name": "Hi"}, "description"),
            ({"name": "Hi", "description": ""}, "description"),
            ({"name": "Hi", "description": "Help", "status": "draft"}, "status"),
            ({"name": "Hi", "description": "Help", "status": "open"}, "status"),
            ({"name": "Hi", "description": "Help", "priority": 4}, "priority"),
            ({"name": "Hi", "description": "Help", "priority": "urgent"}, "priority"),
            ({"name": "Hi", "description": "Help", "due_date": "soon"}, "due_date"),
            ({"name": "Hi", "description": "Help", "assigned_to": 999999}, "assigned_to"),
            ({"name": "Hi", "description": "Help", "person": 999999}, "person"),
            ({"name": "Hi", "description": "Help", "company": 999999}, "company"),
            ({"name": "Hi", "description": "Help", "company": "acme"}, "company"),
        ],
    )
    def test_a_bad_field_is_a_400_naming_it(self, usercom, client_company, values, field):
        values = {"company": client_company.pk, **values}

        errors_of(post(usercom, values), field)
        assert not Ticket.objects.exists()

    def test_without_a_person_or_a_company_a_400(self, usercom):
        errors_of(post(usercom, {"name": "Hi", "description": "Help"}), "company")

    def test_a_person_not_a_contact_of_the_company_is_a_400(self, usercom, person):
        elsewhere = factories.ClientFactory()

        response = post(
            usercom,
            {"name": "Hi", "description": "Help", "person": person.pk, "company": elsewhere.pk},
        )

        assert errors_of(response, "person") == ["This person is not a contact of the company."]
        assert not Ticket.objects.exists()

    def test_drafts_cannot_be_made(self, usercom, client_company):
        response = post(
            usercom,
            {"name": "Hi", "description": "Help", "company": client_company.pk, "status": "draft"},
        )

        assert errors_of(response, "status") == [
            "We have no drafts: set active, closed or archived."
        ]

    def test_only_an_active_agent_can_be_assigned(self, usercom, client_company):
        former = factories.AgentFactory(is_active=False)
        outsider = factories.UserFactory()

        for user in (former, outsider):
            response = post(
                usercom,
                {
                    "name": "Hi",
                    "description": "Help",
                    "company": client_company.pk,
                    "assigned_to": user.pk,
                },
            )
            errors_of(response, "assigned_to")

    def test_without_a_department_a_503(self, usercom, client_company, department):
        department.delete()

        response = post(
            usercom, {"name": "Hi", "description": "Help", "company": client_company.pk}
        )

        assert response.status_code == 503
        assert set(body(response)) == {"detail"}


class TestUpdate:
    @pytest.fixture
    def ticket(self, department, client_company):
        return factories.TicketFactory(department=department, client=client_company)

    def test_every_field(self, usercom, agent, other_agent, ticket, person, client_company):
        response = put(
            usercom,
            ticket,
            {
                "name": "New name",
                "description": "New description",
                "status": "closed",
                "due_date": "2026-04-01T00:00:00Z",
                "priority": Priority.HIGH,
                "assigned_to": other_agent.pk,
                "person": person.pk,
                "company": client_company.pk,
            },
        )

        assert response.status_code == 200, response.content
        written = body(response)
        ticket.refresh_from_db()
        assert (ticket.subject, ticket.message) == ("New name", "New description")
        assert ticket.status_id == FixedStatus.CLOSED
        assert ticket.due_at == datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC)
        assert ticket.priority == Priority.HIGH
        assert (ticket.assignee, ticket.requester) == (other_agent, person)
        assert written["status"] == "closed"
        assert written["name"] == "New name"
        assert written["priority"]["name"] == "High"
        kinds = [kind for kind, channel, actor in history(ticket)]
        assert sorted(kinds) == sorted(
            [
                Kind.SUBJECT_CHANGED,
                Kind.MESSAGE_CHANGED,
                Kind.DUE_DATE_CHANGED,
                Kind.PRIORITY_CHANGED,
                Kind.REQUESTER_CHANGED,
                Kind.ASSIGNED,
                Kind.STATUS_CHANGED,
            ]
        )
        assert {(channel, actor) for kind, channel, actor in history(ticket)} == {
            (Channel.API, agent.pk)
        }
        assert mail.outbox == []

    def test_only_the_fields_given_change(self, usercom, ticket, other_agent):
        ticket.assignee = other_agent
        ticket.save()

        written = body(put(usercom, ticket, {"priority": Priority.URGENT}))

        ticket.refresh_from_db()
        assert ticket.priority == Priority.URGENT
        assert ticket.assignee == other_agent
        assert written["assigned_to"]["id"] == other_agent.pk
        assert [kind for kind, *_ in history(ticket)] == [Kind.PRIORITY_CHANGED]

    def test_nothing_changed_records_nothing(self, usercom, ticket):
        response = put(usercom, ticket, {"name": ticket.subject, "status": "active"})

        assert response.status_code == 200
        assert history(ticket) == []

    def test_null_unassigns_clears_the_due_date_and_the_person(self, usercom, ticket, person):
        ticket.assignee, ticket.requester = factories.AgentFactory(), person
        ticket.due_at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
        ticket.save()

        written = body(
            put(usercom, ticket, {"assigned_to": None, "due_date": None, "person": None})
        )

        assert (written["assigned_to"], written["due_date"], written["person"]) == (
            None,
            None,
            None,
        )

    @pytest.mark.parametrize(
        ("start", "wanted", "status", "state", "kinds"),
        [
            ("closed", "active", FixedStatus.OPEN, ActiveState.ACTIVE, [Kind.STATUS_CHANGED]),
            ("archived", "active", FixedStatus.OPEN, ActiveState.ACTIVE, [Kind.RESTORED]),
            ("active", "closed", FixedStatus.CLOSED, ActiveState.ACTIVE, [Kind.STATUS_CHANGED]),
            (
                "archived",
                "closed",
                FixedStatus.CLOSED,
                ActiveState.ACTIVE,
                [Kind.RESTORED, Kind.STATUS_CHANGED],
            ),
            ("active", "archived", FixedStatus.OPEN, ActiveState.ARCHIVED, [Kind.ARCHIVED]),
            ("closed", "archived", FixedStatus.CLOSED, ActiveState.ARCHIVED, [Kind.ARCHIVED]),
            ("archived", "archived", FixedStatus.OPEN, ActiveState.ARCHIVED, []),
        ],
    )
    def test_status(self, usercom, ticket, start, wanted, status, state, kinds):
        if start == "closed":
            ticket.status_id = FixedStatus.CLOSED
        if start == "archived":
            ticket.active_state = ActiveState.ARCHIVED
        ticket.save()

        written = body(put(usercom, ticket, {"status": wanted}))

        ticket.refresh_from_db()
        assert written["status"] == wanted
        assert (ticket.status_id, ticket.active_state) == (status, state)
        assert [kind for kind, *_ in history(ticket)] == kinds

    def test_an_open_status_of_another_kind_stays_active(self, usercom, ticket):
        ticket.status_id = FixedStatus.ON_HOLD
        ticket.save()

        put(usercom, ticket, {"status": "active"})

        ticket.refresh_from_db()
        assert ticket.status_id == FixedStatus.ON_HOLD

    def test_a_person_not_a_contact_of_the_tickets_company_is_a_400(self, usercom, ticket):
        stranger = factories.ContactFactory()

        assert errors_of(put(usercom, ticket, {"person": stranger.pk}), "person") == [
            "This person is not a contact of the company."
        ]
        ticket.refresh_from_db()
        assert ticket.requester is None

    def test_a_person_not_a_contact_of_the_new_company_is_a_400(self, usercom, ticket, person):
        elsewhere = factories.ClientFactory()

        response = put(usercom, ticket, {"person": person.pk, "company": elsewhere.pk})

        errors_of(response, "person")
        ticket.refresh_from_db()
        assert ticket.client_id == person.client_id

    def test_a_new_company_with_its_person(self, usercom, agent, ticket):
        elsewhere = factories.ClientFactory(name="Elsewhere")
        theirs = factories.ContactFactory(client=elsewhere)

        written = body(put(usercom, ticket, {"person": theirs.pk, "company": elsewhere.pk}))

        assert written["company"] == {"id": elsewhere.pk, "name": "Elsewhere"}
        assert written["person"]["id"] == theirs.pk
        assert {kind for kind, *_ in history(ticket)} == {
            Kind.CLIENT_CHANGED,
            Kind.REQUESTER_CHANGED,
        }

    def test_a_new_company_alone_drops_the_old_person(self, usercom, ticket, person):
        ticket.requester = person
        ticket.save()

        written = body(put(usercom, ticket, {"company": factories.ClientFactory().pk}))

        assert written["person"] is None

    @pytest.mark.parametrize(
        ("values", "field"),
        [
            ({"name": ""}, "name"),
            ({"description": ""}, "description"),
            ({"status": "draft"}, "status"),
            ({"status": "pending"}, "status"),
            ({"priority": 0}, "priority"),
            ({"due_date": "tomorrow"}, "due_date"),
            ({"assigned_to": "bob"}, "assigned_to"),
            ({"company": None}, "company"),
        ],
    )
    def test_a_bad_field_is_a_400_naming_it(self, usercom, ticket, values, field):
        errors_of(put(usercom, ticket, values), field)
        assert history(ticket) == []

    def test_a_bad_field_changes_nothing_else(self, usercom, ticket):
        response = put(usercom, ticket, {"name": "Renamed", "priority": 9})

        errors_of(response, "priority")
        ticket.refresh_from_db()
        assert ticket.subject != "Renamed"


class TestRoundTrip:
    def test_what_get_answers_put_back_changes_nothing(
        self, usercom, agent, other_agent, person, client_company
    ):
        created = body(
            post(
                usercom,
                {
                    "name": "Printer on fire",
                    "description": "It is on fire.",
                    "status": "closed",
                    "due_date": "2026-03-05T12:30:00.123456Z",
                    "priority": Priority.HIGH,
                    "assigned_to": other_agent.pk,
                    "person": person.pk,
                    "company": client_company.pk,
                },
            )
        )
        ticket = Ticket.objects.get(pk=created["id"])
        read = body(usercom.get(f"{BASE}/tickets/{ticket.pk}/"))
        events = history(ticket)

        written = body(
            put(
                usercom,
                ticket,
                {
                    "name": read["name"],
                    "description": read["description"],
                    "status": read["status"],
                    "due_date": read["due_date"],
                    "priority": read["priority"]["id"],
                    "assigned_to": read["assigned_to"]["id"],
                    "person": read["person"]["id"],
                    "company": read["company"]["id"],
                },
            )
        )

        assert written == read == created
        assert history(ticket) == events


class TestNoServerError:
    """Values no database column could hold are 400s naming their field, never a 500."""

    @pytest.mark.parametrize(
        ("values", "field"),
        [
            ({"assigned_to": 2**64}, "assigned_to"),
            ({"person": 2**64}, "person"),
            ({"company": 2**64}, "company"),
            ({"person": True}, "person"),
            ({"company": [1]}, "company"),
            ({"priority": 2**64}, "priority"),
            ({"due_date": "0001-01-01T00:00:00+01:00"}, "due_date"),
            ({"due_date": "9999-12-31T23:59:59-05:00"}, "due_date"),
            ({"name": "a\x00b"}, "name"),
            ({"name": ["x"]}, "name"),
        ],
    )
    def test_post(self, usercom, client_company, values, field):
        values = {"name": "Hi", "description": "Help", "company": client_company.pk, **values}

        errors_of(post(usercom, values), field)

    def test_a_body_that_is_a_list(self, usercom, client_company):
        ticket = factories.TicketFactory(client=client_company)

        response = usercom.put(f"{BASE}/tickets/{ticket.pk}/", [1], format="json")

        assert response.status_code == 400
        assert list(body(response)) == ["non_field_errors"]

    @pytest.mark.parametrize(
        ("query", "status_code"),
        [("page=" + "9" * 30, 404), ("per_page=" + "9" * 30, 400), ("page=1.5", 400)],
    )
    def test_list_parameters(self, usercom, query, status_code):
        assert usercom.get(f"{BASE}/tickets/?{query}").status_code == status_code
