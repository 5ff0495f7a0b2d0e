"""Canned responses: the library pages, who may do what, placeholders, the picker."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests import factories
from tickets.canned import check_placeholders, fill_placeholders
from tickets.forms.canned import CannedResponseForm
from tickets.models import CannedResponse, Category

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
SHARED_PERMISSIONS = ("add_cannedresponse", "change_cannedresponse", "delete_cannedresponse")


@pytest.fixture
def librarian(db):
    """An agent allowed to write shared canned responses."""
    agent = factories.AgentFactory()
    agent.user_permissions.add(*Permission.objects.filter(codename__in=SHARED_PERMISSIONS))
    return agent


def edit_url(response):
    return reverse("canned_edit", args=[response.pk])


def delete_url(response):
    return reverse("canned_delete", args=[response.pk])


def picker_url(ticket, q=""):
    return reverse("canned_picker", args=[ticket.pk]) + (f"?q={q}" if q else "")


def text_url(ticket, response):
    return reverse("canned_text", args=[ticket.pk, response.pk])


# Placeholders ---------------------------------------------------------------------------


class TestPlaceholders:
    @pytest.mark.parametrize(
        "text",
        [
            "No placeholder at all.",
            "Hi {requester_name} at {client_name}, about #{ticket_id} “{ticket_subject}”. {agent_name}",
            "Literal braces: {{ and }} and {{client_name}}.",
        ],
    )
    def test_valid_texts_pass(self, text):
        check_placeholders(text)

    @pytest.mark.parametrize(
        ("text", "named"),
        [
            ("Hi {foo}", "Unknown placeholder {foo}."),
            ("{foo} {bar} {foo}", "Unknown placeholders {foo}, {bar}."),
            ("{}", "Unknown placeholder {}."),
            ("{client_name.__class__}", "Unknown placeholder {client_name.__class__}."),
            ("{client_name!r}", "Unknown placeholder {client_name!r}."),
            ("{ticket_id:>9}", "Unknown placeholder {ticket_id:>9}."),
        ],
    )
    def test_unknown_placeholders_are_named(self, text, named):
        with pytest.raises(Exception) as error:
            check_placeholders(text)
        message = error.value.messages[0]
        assert message.startswith(named)
        assert "Valid placeholders: {client_name}, {requester_name}, {ticket_id}" in message

    @pytest.mark.parametrize(
        ("text", "quoted"),
        [
            ("Hi {client_name", "“{client_name”"),
            ("Hi } there", "“Hi }”"),
            ("Hi {client_name}} there", "“Hi {client_name}}”"),
            ("{{ok}} {a{b}", "“{a{b}”"),
            ("Dear x{", "“{”"),
        ],
    )
    def test_unmatched_braces_are_refused_and_shown(self, text, quoted):
        with pytest.raises(Exception) as error:
            check_placeholders(text)
        message = error.value.messages[0]
        assert message.startswith(f"A brace is not matched in {quoted}.")
        assert "Valid placeholders: {client_name}" in message

    def test_filling_never_reaches_attributes(self):
        values = {"client_name": "Acme"}
        assert fill_placeholders("{client_name.__class__} {client_name}", values) == (
            "{client_name.__class__} Acme"
        )
        assert fill_placeholders("{{client_name}}", values) == "{client_name}"
        assert fill_placeholders("broken {", values) == "broken {"


# The library ----------------------------------------------------------------------------


class TestList:
    def test_shows_shared_and_own_but_not_colleagues(self, signed_in, agent, other_agent):
        factories.CannedResponseFactory(title="Shared greeting")
        factories.CannedResponseFactory(title="My greeting", owner=agent)
        factories.CannedResponseFactory(title="Their greeting", owner=other_agent)
        html = signed_in.get(reverse("canned_list")).content.decode()
        assert "Shared greeting" in html
        assert "My greeting" in html
        assert "Their greeting" not in html

    def test_edit_links_only_where_allowed(self, signed_in, agent):
        shared = factories.CannedResponseFactory(title="Shared")
        mine = factories.CannedResponseFactory(title="Mine", owner=agent)
        html = signed_in.get(reverse("canned_list")).content.decode()
        assert edit_url(mine) in html and delete_url(mine) in html
        assert edit_url(shared) not in html and delete_url(shared) not in html

    def test_search_by_title_or_text(self, signed_in):
        factories.CannedResponseFactory(title="Refund policy", text="Money back in 30 days.")
        factories.CannedResponseFactory(title="Password reset", text="Use the reset link.")
        html = signed_in.get(reverse("canned_list"), {"q": "refund"}).content.decode()
        assert "Refund policy" in html and "Password reset" not in html
        html = signed_in.get(reverse("canned_list"), {"q": "reset link"}).content.decode()
        assert "Password reset" in html and "Refund policy" not in html

    def test_htmx_search_returns_the_results_fragment(self, signed_in):
        factories.CannedResponseFactory(title="Refund policy")
        response = signed_in.get(reverse("canned_list"), {"q": "refund"}, headers=HTMX)
        html = response.content.decode()
        assert html.lstrip().startswith('<section id="canned-list-results"')
        assert "Refund policy" in html

    def test_pinned_query_count(self, signed_in, agent, django_assert_num_queries):
        department = factories.CategoryFactory()
        for number in range(5):
            factories.CannedResponseFactory(title=f"Shared {number}", department=department)
            factories.CannedResponseFactory(title=f"Mine {number}", owner=agent)
        # session, user, count, page with departments, permissions (user, groups); the
        # bell's unread count
        with django_assert_num_queries(7):
            response = signed_in.get(reverse("canned_list"))
        assert len(response.context["rows"]) == 10

    def test_nav_links_to_the_library(self, signed_in, ticket):
        html = signed_in.get(reverse("ticket", args=[ticket.pk])).content.decode()
        assert f'href="{reverse("canned_list")}"' in html


class TestCreate:
    def test_an_agent_creates_a_personal_response(self, signed_in, agent):
        page = signed_in.get(reverse("canned_create")).content.decode()
        assert 'name="shared"' not in page  # not allowed to share
        response = signed_in.post(
            reverse("canned_create"),
            {"title": "Thanks", "text": "Thanks {requester_name}!", "shared": "on"},
        )
        assert response.status_code == 302
        canned = CannedResponse.objects.get()
        assert (canned.title, canned.owner, canned.created_by) == ("Thanks", agent, agent)
        assert canned.department is None

    def test_a_librarian_creates_a_shared_response(self, client, librarian):
        client.force_login(librarian)
        department = factories.CategoryFactory()
        response = client.post(
            reverse("canned_create"),
            {"title": "Hello", "text": "Hello", "shared": "on", "department": department.pk},
        )
        assert response.status_code == 302
        canned = CannedResponse.objects.get()
        assert canned.owner is None
        assert canned.created_by == librarian
        assert canned.department == department

    def test_unknown_placeholder_is_refused_with_the_valid_ones(self, signed_in):
        response = signed_in.post(
            reverse("canned_create"), {"title": "Bad", "text": "Hello {foo}, see {bar}"}
        )
        assert response.status_code == 200
        text_errors = response.context["form"].errors["text"]
        assert text_errors[0].startswith("Unknown placeholders {foo}, {bar}.")
        assert "{agent_name}" in text_errors[0]
        assert "Unknown placeholders {foo}, {bar}." in response.content.decode()
        assert not CannedResponse.objects.exists()

    def test_unmatched_brace_is_refused(self, signed_in):
        response = signed_in.post(reverse("canned_create"), {"title": "Bad", "text": "Hi {x"})
        assert "A brace is not matched" in response.context["form"].errors["text"][0]
        assert not CannedResponse.objects.exists()

    def test_duplicate_personal_title_is_a_form_error(self, signed_in, agent, other_agent):
        factories.CannedResponseFactory(title="Thanks", owner=agent)
        factories.CannedResponseFactory(title="Taken by a colleague", owner=other_agent)
        factories.CannedResponseFactory(title="Shared title")
        response = signed_in.post(reverse("canned_create"), {"title": "Thanks", "text": "x"})
        assert response.status_code == 200
        assert response.context["form"].errors["title"] == [
            "You already have a canned response with this title."
        ]
        # A colleague's or a shared title is free for a personal response.
        for title in ("Taken by a colleague", "Shared title"):
            assert (
                signed_in.post(reverse("canned_create"), {"title": title, "text": "x"}).status_code
                == 302
            )
        assert CannedResponse.objects.filter(owner=agent).count() == 3

    def test_duplicate_shared_title_is_a_form_error(self, client, librarian):
        factories.CannedResponseFactory(title="Hello")
        client.force_login(librarian)
        response = client.post(
            reverse("canned_create"), {"title": "Hello", "text": "x", "shared": "on"}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["title"] == [
            "A shared canned response with this title exists."
        ]

    def test_a_twin_saved_meanwhile_is_a_form_error(self, signed_in, agent, monkeypatch):
        # As if a colleague's request saved the twin between the check and the save.
        monkeypatch.setattr(CannedResponseForm, "validate_constraints", lambda form: None)
        factories.CannedResponseFactory(title="Thanks", owner=agent)
        response = signed_in.post(reverse("canned_create"), {"title": "Thanks", "text": "x"})
        assert response.status_code == 200
        assert response.context["form"].errors["title"] == [
            "You already have a canned response with this title."
        ]
        assert CannedResponse.objects.count() == 1

    def test_department_must_be_a_ticket_category(self, signed_in):
        project_type = factories.CategoryFactory(type=Category.Type.PROJECT)
        response = signed_in.post(
            reverse("canned_create"), {"title": "T", "text": "x", "department": project_type.pk}
        )
        assert "department" in response.context["form"].errors


class TestEditAndDelete:
    def test_owner_edits_and_deletes_their_own(self, signed_in, agent):
        canned = factories.CannedResponseFactory(title="Old", owner=agent)
        response = signed_in.post(edit_url(canned), {"title": "New", "text": "{agent_name}"})
        assert response.status_code == 302
        canned.refresh_from_db()
        assert (canned.title, canned.text, canned.owner) == ("New", "{agent_name}", agent)
        assert canned.updated_at > canned.created_at
        assert "Delete “New”?" in signed_in.get(delete_url(canned)).content.decode()
        assert CannedResponse.objects.exists()  # GET only asks
        assert signed_in.post(delete_url(canned)).status_code == 302
        assert not CannedResponse.objects.exists()

    def test_edit_refuses_unknown_placeholder(self, signed_in, agent):
        canned = factories.CannedResponseFactory(text="Fine", owner=agent)
        response = signed_in.post(edit_url(canned), {"title": "T", "text": "{oops}"})
        assert response.status_code == 200
        assert response.context["title"] == f"Edit “{canned.title}”"  # the saved title
        assert "Unknown placeholder {oops}." in response.content.decode()
        canned.refresh_from_db()
        assert canned.text == "Fine"

    def test_a_colleagues_personal_response_is_not_found(self, signed_in, other_agent):
        canned = factories.CannedResponseFactory(title="Theirs", owner=other_agent)
        assert signed_in.get(edit_url(canned)).status_code == 404
        assert signed_in.post(edit_url(canned), {"title": "Mine", "text": "x"}).status_code == 404
        assert signed_in.post(delete_url(canned)).status_code == 404
        canned.refresh_from_db()
        assert canned.title == "Theirs"

    def test_shared_needs_the_permissions(self, signed_in):
        canned = factories.CannedResponseFactory(title="Shared")
        assert signed_in.get(edit_url(canned)).status_code == 403
        assert signed_in.post(edit_url(canned), {"title": "Mine", "text": "x"}).status_code == 403
        assert signed_in.post(delete_url(canned)).status_code == 403
        canned.refresh_from_db()
        assert canned.title == "Shared"

    def test_a_librarian_edits_and_deletes_shared(self, client, librarian):
        canned = factories.CannedResponseFactory(title="Shared")
        client.force_login(librarian)
        assert client.post(edit_url(canned), {"title": "Renamed", "text": "x"}).status_code == 302
        canned.refresh_from_db()
        assert (canned.title, canned.owner) == ("Renamed", None)
        assert client.post(delete_url(canned)).status_code == 302
        assert not CannedResponse.objects.exists()

    def test_superuser_manages_shared(self, client, admin_user):
        canned = factories.CannedResponseFactory(title="Shared")
        client.force_login(admin_user)
        assert client.post(edit_url(canned), {"title": "Renamed", "text": "x"}).status_code == 302
        assert 'name="shared"' in client.get(reverse("canned_create")).content.decode()


class TestOutsiders:
    def urls(self):
        canned = factories.CannedResponseFactory()
        ticket = factories.TicketFactory()
        return canned, [
            reverse("canned_list"),
            reverse("canned_create"),
            edit_url(canned),
            delete_url(canned),
            picker_url(ticket),
            text_url(ticket, canned),
        ]

    def test_anonymous_is_sent_to_sign_in(self, client):
        canned, urls = self.urls()
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302, url
            assert reverse("login") in response["Location"]
        assert client.post(delete_url(canned)).status_code == 302
        assert CannedResponse.objects.filter(pk=canned.pk).exists()

    def test_non_agent_is_refused(self, client, outsider):
        canned, urls = self.urls()
        client.force_login(outsider)
        for url in urls:
            assert client.get(url).status_code == 403, url
        assert client.post(delete_url(canned)).status_code == 403
        assert client.post(reverse("canned_create"), {"title": "T", "text": "x"}).status_code == 403
        assert CannedResponse.objects.count() == 1


# The picker on the ticket page ----------------------------------------------------------


class TestPicker:
    def test_ticket_page_has_the_picker(self, signed_in, ticket):
        html = signed_in.get(reverse("ticket", args=[ticket.pk])).content.decode()
        assert 'id="canned-picker-q"' in html
        assert picker_url(ticket) in html

    def test_offers_shared_own_and_the_departments(self, signed_in, agent, other_agent, ticket):
        other_department = factories.CategoryFactory()
        factories.CannedResponseFactory(title="Everywhere")
        factories.CannedResponseFactory(title="Mine", owner=agent)
        factories.CannedResponseFactory(title="For this department", department=ticket.department)
        factories.CannedResponseFactory(title="For another", department=other_department)
        factories.CannedResponseFactory(title="A colleague's", owner=other_agent)
        html = signed_in.get(picker_url(ticket), headers=HTMX).content.decode()
        assert html.lstrip().startswith('<div id="canned-picker-results"')
        for title in ("Everywhere", "Mine", "For this department"):
            assert title in html
        assert "For another" not in html
        assert "A colleague&#x27;s" not in html and "A colleague's" not in html

    def test_search(self, signed_in, ticket):
        factories.CannedResponseFactory(title="Refund", text="Money back")
        factories.CannedResponseFactory(title="Password", text="Reset link")
        html = signed_in.get(picker_url(ticket, "money")).content.decode()
        assert "Refund" in html and "Password" not in html
        html = signed_in.get(picker_url(ticket, "nothing-like-it")).content.decode()
        assert "No canned response matches" in html

    def test_pinned_query_count(self, signed_in, agent, ticket, django_assert_num_queries):
        for number in range(8):
            factories.CannedResponseFactory(title=f"Shared {number}")
            factories.CannedResponseFactory(title=f"Mine {number}", owner=agent)
        # session, user, ticket, responses
        with django_assert_num_queries(4):
            response = signed_in.get(picker_url(ticket), headers=HTMX)
        assert len(response.context["responses"]) == 16

    def test_a_ticket_the_agent_cannot_see_is_not_found(self, signed_in):
        assert signed_in.get(reverse("canned_picker", args=[999999])).status_code == 404


class TestFilledText:
    def test_placeholders_are_filled_for_the_ticket(self, signed_in, agent, ticket):
        requester = factories.ContactFactory(client=ticket.client, name="Rita Requester")
        ticket.requester = requester
        ticket.save(update_fields=["requester"])
        canned = factories.CannedResponseFactory(
            text="Dear {requester_name} ({client_name}), re #{ticket_id} “{ticket_subject}”. "
            "{{literal}} — {agent_name}"
        )
        response = signed_in.get(text_url(ticket, canned))
        assert response.status_code == 200
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content.decode() == (
            f"Dear Rita Requester (Acme Inc), re #{ticket.pk} “{ticket.subject}”. "
            f"{{literal}} — {agent.get_full_name()}"
        )

    def test_no_requester_fills_empty_not_none(self, signed_in, ticket):
        assert ticket.requester is None
        canned = factories.CannedResponseFactory(text="Hello {requester_name}!")
        assert signed_in.get(text_url(ticket, canned)).content.decode() == "Hello !"

    def test_agent_without_full_name_is_named_by_username(self, client, ticket):
        agent = factories.AgentFactory(first_name="", last_name="", username="helper7")
        client.force_login(agent)
        canned = factories.CannedResponseFactory(text="{agent_name}")
        assert client.get(text_url(ticket, canned)).content.decode() == "helper7"

    def test_a_colleagues_personal_response_is_not_found(self, signed_in, other_agent, ticket):
        canned = factories.CannedResponseFactory(owner=other_agent)
        assert signed_in.get(text_url(ticket, canned)).status_code == 404

    def test_another_departments_response_is_not_found(self, signed_in, ticket):
        canned = factories.CannedResponseFactory(department=factories.CategoryFactory())
        assert signed_in.get(text_url(ticket, canned)).status_code == 404

    def test_pinned_query_count(self, signed_in, ticket, django_assert_num_queries):
        canned = factories.CannedResponseFactory()
        # session, user, ticket, response, client (requester is empty: no query)
        with django_assert_num_queries(5):
            signed_in.get(text_url(ticket, canned))

    def test_post_is_not_allowed(self, signed_in, ticket):
        canned = factories.CannedResponseFactory()
        assert signed_in.post(text_url(ticket, canned)).status_code == 405


# Admin ----------------------------------------------------------------------------------


class TestAdmin:
    def test_admin_refuses_unknown_placeholder(self, client, admin_user):
        client.force_login(admin_user)
        response = client.post(
            reverse("admin:tickets_cannedresponse_add"), {"title": "T", "text": "Hi {nope}"}
        )
        assert response.status_code == 200
        assert "Unknown placeholder {nope}." in response.content.decode()
        assert not CannedResponse.objects.exists()

    def test_admin_refuses_duplicate_shared_title(self, client, admin_user):
        factories.CannedResponseFactory(title="Hello")
        client.force_login(admin_user)
        response = client.post(
            reverse("admin:tickets_cannedresponse_add"), {"title": "Hello", "text": "x"}
        )
        assert response.status_code == 200
        assert "A shared canned response with this title exists." in response.content.decode()
        assert CannedResponse.objects.count() == 1

    def test_admin_creates_personal_and_shared(self, client, admin_user, agent):
        client.force_login(admin_user)
        url = reverse("admin:tickets_cannedresponse_add")
        assert client.post(url, {"title": "Hi", "text": "{agent_name}"}).status_code == 302
        assert client.post(url, {"title": "Hi", "text": "x", "owner": agent.pk}).status_code == 302
        shared = CannedResponse.objects.get(owner=None)
        personal = CannedResponse.objects.get(owner=agent)
        assert shared.owner is None and shared.created_by == admin_user
        assert personal.owner == agent
        assert client.get(reverse("admin:tickets_cannedresponse_changelist")).status_code == 200
        change = reverse("admin:tickets_cannedresponse_change", args=[personal.pk])
        assert client.get(change).status_code == 200
