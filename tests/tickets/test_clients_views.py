"""The client pages: list and search, a client's page, and the forms for clients,
contacts and projects; with their permissions, CSRF, escaping and query counts."""

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tickets.forms.clients import ContactForm
from tickets.models import ActiveState, Client, Contact, Project
from tickets.statuses import FixedStatus
from tickets.views import clients as client_views

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(client_company):
    return client_company


@pytest.fixture
def contact(acme):
    return factories.ContactFactory(client=acme, name="Rita Requester", email="rita@acme.test")


@pytest.fixture
def project(acme):
    return factories.ProjectFactory(client=acme, name="Website")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def page_urls(acme, contact, project):
    return {
        "list": reverse("client_list"),
        "create": reverse("client_create"),
        "detail": reverse("client_detail", args=[acme.pk]),
        "edit": reverse("client_edit", args=[acme.pk]),
        "contact_create": reverse("contact_create", args=[acme.pk]),
        "contact_edit": reverse("contact_edit", args=[acme.pk, contact.pk]),
        "project_create": reverse("project_create", args=[acme.pk]),
        "project_edit": reverse("project_edit", args=[acme.pk, project.pk]),
    }


PAGES = [
    "list",
    "create",
    "detail",
    "edit",
    "contact_create",
    "contact_edit",
    "project_create",
    "project_edit",
]
FORMS = ["create", "edit", "contact_create", "contact_edit", "project_create", "project_edit"]


class TestPermissions:
    @pytest.mark.parametrize("name", PAGES)
    @pytest.mark.parametrize("who", ["agent", "admin_user"])
    def test_agents_and_administrators_see_every_page(
        self, client, request, who, name, acme, contact, project
    ):
        client.force_login(request.getfixturevalue(who))

        response = client.get(page_urls(acme, contact, project)[name])

        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"

    @pytest.mark.parametrize("name", PAGES)
    def test_a_user_who_is_not_staff_is_refused_with_a_clear_message(
        self, client, outsider, name, acme, contact, project
    ):
        client.force_login(outsider)

        response = client.get(page_urls(acme, contact, project)[name])

        assert response.status_code == 403
        assert b"Only active agents can use the helpdesk workspace." in response.content

    def test_an_inactive_agent_is_refused(self, client, acme):
        client.force_login(factories.AgentFactory(is_active=False))

        response = client.get(reverse("client_list"))

        # Django's auth backend does not sign in inactive users at all.
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    @pytest.mark.parametrize("name", PAGES)
    def test_anonymous_visitors_are_sent_to_sign_in(self, client, name, acme, contact, project):
        url = page_urls(acme, contact, project)[name]

        response = client.get(url)

        assert response.status_code == 302
        assert response.url == f"{reverse('login')}?next={url}"

    @pytest.mark.parametrize("name", FORMS)
    @pytest.mark.parametrize("who", ["outsider", None])
    def test_changes_by_non_agents_are_refused_and_change_nothing(
        self, client, request, who, name, acme, contact, project
    ):
        if who:
            client.force_login(request.getfixturevalue(who))
        data = {"name": "Changed", "email": "changed@example.com"}

        response = client.post(page_urls(acme, contact, project)[name], data)

        assert response.status_code == (403 if who else 302)
        assert Client.objects.count() == 1
        acme.refresh_from_db()
        contact.refresh_from_db()
        project.refresh_from_db()
        assert "Changed" not in {acme.name, contact.name, project.name}
        assert Contact.objects.count() == Project.objects.count() == 1

    @pytest.mark.parametrize("name", FORMS)
    def test_every_form_needs_the_csrf_token(self, agent, name, acme, contact, project):
        browser = HttpClient(enforce_csrf_checks=True)
        browser.force_login(agent)
        url = page_urls(acme, contact, project)[name]

        page = browser.get(url)
        refused = browser.post(url, {"name": "Changed"})

        assert b'name="csrfmiddlewaretoken"' in page.content
        assert refused.status_code == 403
        assert "Changed" not in set(Client.objects.values_list("name", flat=True))
        assert not Contact.objects.filter(name="Changed").exists()
        assert not Project.objects.filter(name="Changed").exists()

    @pytest.mark.parametrize("name", ["list", "detail"])
    def test_pages_that_only_show_refuse_a_post(self, agent_client, name, acme, contact, project):
        response = agent_client.post(page_urls(acme, contact, project)[name])

        assert response.status_code == 405

    @pytest.mark.parametrize("name", FORMS)
    def test_forms_refuse_other_methods(self, agent_client, name, acme, contact, project):
        response = agent_client.delete(page_urls(acme, contact, project)[name])

        assert response.status_code == 405

    def test_unknown_ids_are_not_found(self, agent_client, acme, contact, project):
        other = factories.ClientFactory()
        not_found = [
            reverse("client_detail", args=[999999]),
            reverse("client_edit", args=[999999]),
            reverse("contact_create", args=[999999]),
            reverse("contact_edit", args=[acme.pk, 999999]),
            # A contact or project is found under its own client's address only.
            reverse("contact_edit", args=[other.pk, contact.pk]),
            reverse("project_edit", args=[other.pk, project.pk]),
            reverse("project_edit", args=[acme.pk, 999999]),
            reverse("client_detail", args=[2**63]),
        ]
        for url in not_found:
            assert agent_client.get(url).status_code == 404, url
            if "/edit/" in url or "/new/" in url:
                assert agent_client.post(url, {"name": "Changed"}).status_code == 404, url
        assert not Contact.objects.filter(name="Changed").exists()
        assert not Project.objects.filter(name="Changed").exists()


class TestList:
    def test_lists_clients_by_name_with_counts(self, agent_client, acme, department):
        zeta = factories.ClientFactory(name="Zeta Corp", email="hello@zeta.test")
        factories.ContactFactory.create_batch(2, client=acme)
        for status, state, spam in [
            (FixedStatus.OPEN, ActiveState.ACTIVE, False),
            (FixedStatus.CUSTOMER_REPLIED, ActiveState.ACTIVE, False),
            (FixedStatus.CLOSED, ActiveState.ACTIVE, False),
            (FixedStatus.OPEN, ActiveState.ARCHIVED, False),
            (FixedStatus.OPEN, ActiveState.ACTIVE, True),
        ]:
            factories.TicketFactory(
                client=acme,
                department=department,
                status_id=status,
                active_state=state,
                is_spam=spam,
            )

        response = agent_client.get(reverse("client_list"))

        rows = list(response.context["clients"])
        assert [c.name for c in rows] == ["Acme Inc", "Zeta Corp"]
        # Open: not closed, not archived, not spam, like the queue's "All open".
        assert [(c.open_tickets_count, c.contacts_count) for c in rows] == [(2, 2), (0, 0)]
        html = response.content.decode()
        assert f'href="{reverse("client_detail", args=[zeta.pk])}"' in html
        assert "hello@zeta.test" in html
        assert f"?client={acme.pk}&amp;status=open" in html

    def test_a_nul_in_the_search_is_dropped(self, agent_client, acme):
        factories.ClientFactory(name="Globex")
        response = agent_client.get(reverse("client_list"), {"q": "glo\x00bex"})
        assert response.status_code == 200
        assert [c.name for c in response.context["clients"]] == ["Globex"]

    def test_searches_names_and_emails(self, agent_client, acme):
        factories.ClientFactory(name="Globex", email="info@globex.test")
        factories.ClientFactory(name="Initech", email="contact@acme-partner.test")

        by_name = agent_client.get(reverse("client_list"), {"q": "glob"})
        by_email = agent_client.get(reverse("client_list"), {"q": "ACME"})
        nothing = agent_client.get(reverse("client_list"), {"q": "umbrella"})

        assert [c.name for c in by_name.context["clients"]] == ["Globex"]
        assert [c.name for c in by_email.context["clients"]] == ["Acme Inc", "Initech"]
        assert list(nothing.context["clients"]) == []
        assert "No clients match this search." in nothing.content.decode()
        assert 'value="umbrella"' in nothing.content.decode()

    def test_filters_active_and_inactive_clients(self, agent_client, acme):
        factories.ClientFactory(name="Old Co", is_active=False)

        active = agent_client.get(reverse("client_list"), {"state": "active"})
        inactive = agent_client.get(reverse("client_list"), {"state": "inactive"})
        unknown = agent_client.get(reverse("client_list"), {"state": "bogus"})

        assert [c.name for c in active.context["clients"]] == ["Acme Inc"]
        assert [c.name for c in inactive.context["clients"]] == ["Old Co"]
        assert "Inactive</span>" in inactive.content.decode()
        assert [c.name for c in unknown.context["clients"]] == ["Acme Inc", "Old Co"]

    def test_pages_through_many_clients_keeping_the_search(self, agent_client):
        for n in range(client_views.PAGE_SIZE + 2):
            factories.ClientFactory(name=f"Shop {n:02}")

        first = agent_client.get(reverse("client_list"), {"q": "shop"})
        second = agent_client.get(reverse("client_list"), {"q": "shop", "page": 2})
        beyond = agent_client.get(reverse("client_list"), {"q": "shop", "page": "99"})

        assert len(first.context["clients"]) == client_views.PAGE_SIZE
        assert [c.name for c in second.context["clients"]] == ["Shop 25", "Shop 26"]
        assert "?q=shop&amp;page=2" in first.content.decode()
        assert beyond.context["page"].number == 2

    def test_an_htmx_search_gets_only_the_results(self, agent_client, acme):
        response = agent_client.get(
            reverse("client_list"), {"q": "acme"}, headers={"HX-Request": "true"}
        )

        html = response.content.decode()
        assert html.lstrip().startswith('<section id="client-results"')
        assert "<html" not in html
        assert "Acme Inc" in html

    def test_names_are_escaped(self, agent_client):
        factories.ClientFactory(name="<script>alert('x')</script>", email="")

        response = agent_client.get(reverse("client_list"), {"q": "<script>"})

        html = response.content.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html

    def test_runs_a_fixed_number_of_queries(self, agent_client, department, settings):
        def queries_for_list():
            with CaptureQueriesContext(connection) as captured:
                response = agent_client.get(reverse("client_list"))
            assert response.status_code == 200
            return len(captured), len(response.context["clients"])

        for _ in range(2):
            client = factories.ClientFactory()
            factories.ContactFactory(client=client)
            factories.TicketFactory(client=client, department=department)
        few = queries_for_list()
        for _ in range(28):
            client = factories.ClientFactory()
            factories.ContactFactory.create_batch(3, client=client)
            factories.TicketFactory.create_batch(2, client=client, department=department)
        many = queries_for_list()

        # session, user, count, the page with its counts; the user's permissions (their
        # own and their groups', for the New client button); the bell's unread count
        assert few == (7, 2)
        assert many == (7, client_views.PAGE_SIZE)


class TestDetail:
    def test_shows_contacts_projects_and_latest_tickets(
        self, agent_client, acme, contact, project, department, other_agent
    ):
        no_email = factories.ContactFactory(client=acme, name="Walk In", email="")
        ticket = factories.TicketFactory(
            client=acme,
            department=department,
            subject="Printer on fire",
            requester=contact,
            assignee=other_agent,
            project=project,
        )
        closed = factories.TicketFactory(
            client=acme, department=department, status_id=FixedStatus.CLOSED
        )
        elsewhere = factories.TicketFactory(department=department, subject="Not Acme's")
        factories.ContactFactory(client=elsewhere.client, name="Stranger")

        response = agent_client.get(reverse("client_detail", args=[acme.pk]))

        assert response.context["contacts"] == [contact, no_email]
        assert response.context["projects"] == [project]
        assert response.context["projects"][0].open_tickets_count == 1
        assert response.context["tickets"] == [closed, ticket]
        assert response.context["counts"] == {"total": 2, "open": 1}
        html = response.content.decode()
        assert f'href="{reverse("ticket", args=[ticket.pk])}"' in html
        assert "Printer on fire" in html
        assert "rita@acme.test" in html
        assert "No email: gets no replies" in html
        assert other_agent.get_full_name() in html
        assert "Not Acme&#x27;s" not in html and "Stranger" not in html
        assert f'href="{reverse("contact_edit", args=[acme.pk, contact.pk])}"' in html
        assert f'href="{reverse("project_edit", args=[acme.pk, project.pk])}"' in html
        assert f"{reverse('new_ticket')}?client={acme.pk}" in html

    def test_shows_only_the_latest_tickets(self, agent_client, acme, department):
        factories.TicketFactory.create_batch(
            client_views.LATEST_TICKETS + 3, client=acme, department=department
        )

        response = agent_client.get(reverse("client_detail", args=[acme.pk]))

        assert len(response.context["tickets"]) == client_views.LATEST_TICKETS
        assert response.context["counts"]["total"] == client_views.LATEST_TICKETS + 3

    def test_escapes_what_agents_typed(self, agent_client, acme, department):
        acme.address = '<img src=x onerror="alert(1)">'
        acme.save()
        factories.ContactFactory(client=acme, name="<b>Bold</b>")
        factories.ProjectFactory(client=acme, name="<i>Project</i>")
        factories.TicketFactory(client=acme, department=department, subject="<script>x</script>")

        html = agent_client.get(reverse("client_detail", args=[acme.pk])).content.decode()

        for raw in ["<img src=x", "<b>Bold", "<i>Project", "<script>x"]:
            assert raw not in html
        assert "&lt;b&gt;Bold&lt;/b&gt;" in html
        assert "&lt;script&gt;x&lt;/script&gt;" in html

    def test_runs_a_fixed_number_of_queries(self, agent_client, acme, department):
        def queries_for_page():
            with CaptureQueriesContext(connection) as captured:
                response = agent_client.get(reverse("client_detail", args=[acme.pk]))
            assert response.status_code == 200
            return len(captured)

        factories.ContactFactory(client=acme)
        factories.ProjectFactory(client=acme)
        factories.TicketFactory(client=acme, department=department)
        few = queries_for_page()
        agent = factories.AgentFactory()
        contacts = factories.ContactFactory.create_batch(15, client=acme)
        projects = factories.ProjectFactory.create_batch(10, client=acme)
        for n in range(30):
            factories.TicketFactory(
                client=acme,
                department=department,
                requester=contacts[n % 15],
                project=projects[n % 10],
                assignee=agent,
            )
        many = queries_for_page()

        # session, user, client, ticket counts, contacts, projects, tickets; the user's
        # permissions (their own and their groups', for the edit and add links); the
        # bell's unread count
        assert few == many == 10


class TestClientForms:
    def test_creates_a_client(self, agent_client):
        response = agent_client.post(
            reverse("client_create"),
            {
                "name": "  Globex  ",
                "email": "info@globex.test",
                "phone": "+1 555 0100",
                "address": "1 Main St\nSpringfield",
                "is_active": "on",
            },
        )

        client = Client.objects.get()
        assert response.status_code == 302
        assert response.url == reverse("client_detail", args=[client.pk])
        assert (client.name, client.email, client.phone, client.is_active) == (
            "Globex",
            "info@globex.test",
            "+1 555 0100",
            True,
        )
        page = agent_client.get(response.url)
        assert "Client “Globex” created." in page.content.decode()

    def test_a_new_client_form_with_errors_is_shown_again_and_saves_nothing(self, agent_client):
        response = agent_client.post(
            reverse("client_create"), {"name": "   ", "email": "not-an-email", "phone": "1"}
        )

        assert response.status_code == 422
        assert not Client.objects.exists()
        errors = response.context["form"].errors
        assert errors["name"] == ["This field is required."]
        assert errors["email"] == ["Enter a valid email address."]
        html = response.content.decode()
        assert 'value="not-an-email"' in html
        assert "Please correct the 2 problems below" in html
        assert 'aria-invalid="true"' in html

    def test_edits_a_client(self, agent_client, acme):
        response = agent_client.post(
            reverse("client_edit", args=[acme.pk]),
            {"name": "Acme Corporation", "email": "", "phone": "", "address": ""},
        )

        assert response.status_code == 302
        acme.refresh_from_db()
        assert acme.name == "Acme Corporation"
        assert acme.email == ""
        assert acme.is_active is False  # an unticked checkbox is sent as nothing

    def test_an_edit_with_errors_changes_nothing(self, agent_client, acme):
        response = agent_client.post(
            reverse("client_edit", args=[acme.pk]), {"name": "", "email": "x@y"}
        )

        assert response.status_code == 422
        acme.refresh_from_db()
        assert acme.name == "Acme Inc"
        assert "name" in response.context["form"].errors

    def test_the_edit_form_shows_the_current_values(self, agent_client, acme):
        html = agent_client.get(reverse("client_edit", args=[acme.pk])).content.decode()

        assert 'value="Acme Inc"' in html
        assert "Save client" in html


class TestContactForms:
    def test_adds_a_contact_to_the_client(self, agent_client, acme):
        response = agent_client.post(
            reverse("contact_create", args=[acme.pk]),
            {"name": "Carl Copy", "email": "carl@acme.test", "phone": ""},
        )

        assert response.status_code == 302
        assert response.url == reverse("client_detail", args=[acme.pk])
        contact = Contact.objects.get()
        assert (contact.client, contact.name, contact.email) == (
            acme,
            "Carl Copy",
            "carl@acme.test",
        )
        assert "Contact “Carl Copy” added." in agent_client.get(response.url).content.decode()

    def test_the_same_email_twice_at_one_client_is_refused_on_the_email_field(
        self, agent_client, acme, contact
    ):
        response = agent_client.post(
            reverse("contact_create", args=[acme.pk]),
            {"name": "Rita Again", "email": "rita@acme.test"},
        )

        assert response.status_code == 422
        assert response.context["form"].errors == {
            "email": ["This client already has a contact with this email."]
        }
        assert Contact.objects.count() == 1

    def test_the_same_email_at_another_client_and_several_without_email_are_fine(
        self, agent_client, acme, contact
    ):
        other = factories.ClientFactory()
        url = reverse("contact_create", args=[other.pk])

        assert (
            agent_client.post(url, {"name": "Rita", "email": "rita@acme.test"}).status_code == 302
        )
        for name in ["Walk In", "Phone Only"]:
            response = agent_client.post(
                reverse("contact_create", args=[acme.pk]), {"name": name, "email": ""}
            )
            assert response.status_code == 302
        assert Contact.objects.filter(client=acme, email="").count() == 2

    def test_a_contact_without_a_name_or_with_a_bad_email_is_refused(self, agent_client, acme):
        response = agent_client.post(
            reverse("contact_create", args=[acme.pk]), {"name": "", "email": "rita@"}
        )

        assert response.status_code == 422
        assert set(response.context["form"].errors) == {"name", "email"}
        assert not Contact.objects.exists()

    def test_edits_a_contact_keeping_its_own_email(self, agent_client, acme, contact):
        response = agent_client.post(
            reverse("contact_edit", args=[acme.pk, contact.pk]),
            {"name": "Rita R.", "email": "rita@acme.test", "phone": "555"},
        )

        assert response.status_code == 302
        contact.refresh_from_db()
        assert (contact.name, contact.phone, contact.client) == ("Rita R.", "555", acme)

    def test_an_edit_cannot_take_a_colleagues_email(self, agent_client, acme, contact):
        carl = factories.ContactFactory(client=acme, email="carl@acme.test")

        response = agent_client.post(
            reverse("contact_edit", args=[acme.pk, carl.pk]),
            {"name": carl.name, "email": "rita@acme.test"},
        )

        assert response.status_code == 422
        carl.refresh_from_db()
        assert carl.email == "carl@acme.test"

    def test_a_twin_saved_meanwhile_is_reported_not_crashed_on(
        self, agent_client, acme, contact, monkeypatch
    ):
        # As if a colleague saved the same email between the check and the save.
        monkeypatch.setattr(ContactForm, "validate_constraints", lambda form: None)

        response = agent_client.post(
            reverse("contact_create", args=[acme.pk]),
            {"name": "Rita Twin", "email": "rita@acme.test"},
        )

        assert response.status_code == 422
        assert response.context["form"].errors == {
            "email": ["This client already has a contact with this email."]
        }
        assert Contact.objects.count() == 1


class TestProjectForms:
    def test_adds_a_project(self, agent_client, acme):
        response = agent_client.post(
            reverse("project_create", args=[acme.pk]),
            {"name": "Mobile app", "description": "iOS and Android"},
        )

        assert response.status_code == 302
        project = Project.objects.get()
        assert (project.client, project.name, project.description) == (
            acme,
            "Mobile app",
            "iOS and Android",
        )

    def test_a_project_name_is_unique_per_client(self, agent_client, acme, project):
        response = agent_client.post(reverse("project_create", args=[acme.pk]), {"name": "Website"})
        elsewhere = agent_client.post(
            reverse("project_create", args=[factories.ClientFactory().pk]), {"name": "Website"}
        )

        assert response.status_code == 422
        assert response.context["form"].errors == {
            "name": ["This client already has a project with this name."]
        }
        assert elsewhere.status_code == 302
        assert Project.objects.filter(client=acme).count() == 1

    def test_a_project_needs_a_name(self, agent_client, acme):
        response = agent_client.post(reverse("project_create", args=[acme.pk]), {"name": ""})

        assert response.status_code == 422
        assert response.context["form"].errors == {"name": ["This field is required."]}

    def test_edits_a_project(self, agent_client, acme, project):
        response = agent_client.post(
            reverse("project_edit", args=[acme.pk, project.pk]),
            {"name": "Website 2.0", "description": "Relaunch"},
        )

        assert response.status_code == 302
        project.refresh_from_db()
        assert (project.name, project.description, project.client) == (
            "Website 2.0",
            "Relaunch",
            acme,
        )
