"""Opening a ticket from the workspace."""

import pytest
from django.urls import reverse

from tests import factories
from tickets.models import CustomField, Priority, Source, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def valid(department, client_company):
    return {
        "client": client_company.pk,
        "department": department.pk,
        "subject": "Cannot print",
        "message": "The printer says no.",
        "priority": Priority.HIGH,
        "tags": "hardware, printer",
    }


class TestNewTicket:
    def test_form_has_labelled_fields(self, signed_in):
        response = signed_in.get(reverse("new_ticket"))
        assert response.status_code == 200
        html = response.content.decode()
        for name in ("client", "requester", "department", "project", "subject", "message"):
            assert f'<label for="id_{name}">' in html

    def test_creates_through_the_service(self, signed_in, agent, valid, client_company):
        contact = factories.ContactFactory(client=client_company)
        project = factories.ProjectFactory(client=client_company)
        response = signed_in.post(
            reverse("new_ticket"), {**valid, "requester": contact.pk, "project": project.pk}
        )
        ticket = Ticket.objects.get()
        assert response.status_code == 302
        assert response.url == reverse("ticket", args=[ticket.pk])
        assert (ticket.subject, ticket.priority, ticket.source) == (
            "Cannot print",
            Priority.HIGH,
            Source.WEB,
        )
        assert (ticket.requester, ticket.project, ticket.creator) == (contact, project, agent)
        assert sorted(ticket.tags.names()) == ["hardware", "printer"]
        event = ticket.events.get()
        assert (event.kind, event.actor, event.channel) == ("created", agent, "web")
        assert f"Ticket #{ticket.pk} created." in signed_in.get(response.url).content.decode()

    def test_missing_fields_are_shown_next_to_them(self, signed_in):
        response = signed_in.post(reverse("new_ticket"), {"subject": "", "priority": 1})
        assert response.status_code == 422
        form = response.context["form"]
        assert set(form.errors) == {"client", "department", "subject", "message"}
        html = response.content.decode()
        assert 'id="id_subject_error"' in html
        assert 'aria-invalid="true"' in html
        assert not Ticket.objects.exists()

    def test_project_and_requester_must_belong_to_the_client(self, signed_in, valid):
        other = factories.ClientFactory()
        response = signed_in.post(
            reverse("new_ticket"),
            {
                **valid,
                "project": factories.ProjectFactory(client=other).pk,
                "requester": factories.ContactFactory(client=other).pk,
            },
        )
        assert response.status_code == 422
        assert set(response.context["form"].errors) == {"project", "requester"}
        assert not Ticket.objects.exists()

    def test_only_the_chosen_clients_projects_are_offered(self, signed_in, client_company):
        own = factories.ProjectFactory(client=client_company, name="Own project")
        factories.ProjectFactory(name="Foreign project")
        response = signed_in.get(
            reverse("new_ticket_client_fields"),
            {"client": client_company.pk},
            headers={"HX-Request": "true"},
        )
        html = response.content.decode()
        assert "<html" not in html
        assert f'<option value="{own.pk}">Own project</option>' in html
        assert "Foreign project" not in html

    def test_required_custom_fields_are_enforced(self, signed_in, valid):
        factories.CustomFieldFactory(key="order", label="Order number", required=True)
        factories.CustomFieldFactory(
            key="size", label="Size", type=CustomField.Type.NUMBER, required=False
        )
        response = signed_in.post(reverse("new_ticket"), {**valid, "cf_size": "abc"})
        assert response.status_code == 422
        errors = response.context["form"].errors
        assert set(errors) == {"cf_order", "cf_size"}
        assert "Order number" in response.content.decode()
        response = signed_in.post(
            reverse("new_ticket"), {**valid, "cf_order": "A-9", "cf_size": "3"}
        )
        assert response.status_code == 302
        assert Ticket.objects.get().custom_fields == {"order": "A-9", "size": 3}

    def test_service_errors_land_on_fields(self, signed_in, valid):
        response = signed_in.post(reverse("new_ticket"), {**valid, "tags": "x" * 101})
        assert response.status_code == 422
        assert response.context["form"].errors["tags"] == ["A tag has at most 100 characters."]

    def test_inactive_client_is_not_offered(self, signed_in, valid, client_company):
        client_company.is_active = False
        client_company.save()
        response = signed_in.post(reverse("new_ticket"), valid)
        assert response.status_code == 422
        assert "client" in response.context["form"].errors
