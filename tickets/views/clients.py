"""The client pages: the list with its search, a client's page, and the forms that
create and edit clients, their contacts and their projects.

Clients, contacts and projects are not ticket state: their ModelForms save them
directly. Every page is for agents only, every change is a POST, and each form asks
tickets.permissions whether the agent may make that change (Agents may: see docs/admin.md).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from tickets import queries
from tickets.agents import AgentRequest
from tickets.filters import ANY_OPEN
from tickets.forms import widgets
from tickets.forms.clients import ClientForm, ClientOwnedForm, ContactForm, ProjectForm
from tickets.models import ActiveState, Client, Contact, Ticket
from tickets.permissions import Action, require

from .access import agent_required, search_text, wants_fragment

PAGE_SIZE = 25
LATEST_TICKETS = 20
STATES = {"": "All clients", "active": "Active", "inactive": "Inactive"}


def open_tickets() -> QuerySet[Ticket]:
    """The tickets that count as open, as in the queue's "All open" view.

    (client_detail counts the same with a filtered aggregate.)
    """
    return Ticket.objects.open().active().not_spam()


def count_per_row(rows: QuerySet[Model], link: str) -> Coalesce:
    """The number of `rows` (tickets, contacts) whose `link` is the outer row, as a
    correlated subquery.

    A subquery is counted only for the rows of the page shown, through the
    ticket indexes on (client, ...) and (project, ...), where a join and
    GROUP BY would aggregate every ticket before the page is cut.
    """
    counted = (
        rows.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# Pages -----------------------------------------------------------------------


@require_GET
@agent_required
def client_list(request: AgentRequest) -> HttpResponse:
    search = search_text(request)
    state = request.GET.get("state", "")
    if state not in STATES:
        state = ""
    clients = Client.objects.all()
    if search:
        clients = clients.search(search)
    if state == "active":
        clients = clients.active()
    elif state == "inactive":
        clients = clients.filter(is_active=False)
    clients = clients.annotate(
        open_tickets_count=count_per_row(open_tickets(), "client"),
        contacts_count=count_per_row(Contact.objects.all(), "client"),
    )
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "clients": page.object_list,
        "search": search,
        "state": state,
        "states": STATES,
        "any_open": ANY_OPEN,
    }
    template = "clients/list.html#results" if wants_fragment(request) else "clients/list.html"
    return render(request, template, context)


@require_GET
@agent_required
def client_detail(request: AgentRequest, pk: int) -> HttpResponse:
    client = queries.get_client_for_agent(request.user, pk)
    tickets = Ticket.objects.for_agent(request.user).not_spam().filter(client=client)
    counts = tickets.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status__is_closed=False, active_state=ActiveState.ACTIVE)),
    )
    context = {
        "client": client,
        "contacts": list(client.contacts.all()),
        "projects": list(
            client.projects.annotate(open_tickets_count=count_per_row(open_tickets(), "project"))
        ),
        "tickets": list(
            tickets.select_related("status", "assignee", "requester", "project").order_by(
                "-updated_at", "-id"
            )[:LATEST_TICKETS]
        ),
        "counts": counts,
        "latest_count": LATEST_TICKETS,
        "any_open": ANY_OPEN,
    }
    return render(request, "clients/detail.html", context)


# Forms -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@agent_required
def client_create(request: AgentRequest) -> HttpResponse:
    require(request.user, Action.ADD_CLIENT)
    form = ClientForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        client = form.save()
        messages.success(request, f"Client “{client.name}” created.")
        return redirect("client_detail", pk=client.pk)
    return _form_page(
        request,
        form,
        title="New client",
        submit="Create client",
        cancel_url=reverse("client_list"),
    )


@require_http_methods(["GET", "POST"])
@agent_required
def client_edit(request: AgentRequest, pk: int) -> HttpResponse:
    require(request.user, Action.CHANGE_CLIENT)
    client = queries.get_client_for_agent(request.user, pk)
    form = ClientForm(request.POST if request.method == "POST" else None, instance=client)
    if form.is_bound and form.is_valid():
        form.save()
        messages.success(request, f"Client “{client.name}” saved.")
        return redirect("client_detail", pk=client.pk)
    return _form_page(
        request,
        form,
        title=f"Edit {client.name}",
        submit="Save client",
        client=client,
        cancel_url=reverse("client_detail", args=[client.pk]),
    )


@require_http_methods(["GET", "POST"])
@agent_required
def contact_create(request: AgentRequest, pk: int) -> HttpResponse:
    require(request.user, Action.ADD_CONTACT)
    client = queries.get_client_for_agent(request.user, pk)
    return _owned_form(
        request, ContactForm, client, title="New contact", submit="Add contact", noun="Contact"
    )


@require_http_methods(["GET", "POST"])
@agent_required
def contact_edit(request: AgentRequest, pk: int, contact_pk: int) -> HttpResponse:
    require(request.user, Action.CHANGE_CONTACT)
    client = queries.get_client_for_agent(request.user, pk)
    contact = queries.get_contact_for_agent(request.user, client, contact_pk)
    return _owned_form(
        request,
        ContactForm,
        client,
        instance=contact,
        title=f"Edit {contact.name}",
        submit="Save contact",
        noun="Contact",
    )


@require_http_methods(["GET", "POST"])
@agent_required
def project_create(request: AgentRequest, pk: int) -> HttpResponse:
    require(request.user, Action.ADD_PROJECT)
    client = queries.get_client_for_agent(request.user, pk)
    return _owned_form(
        request, ProjectForm, client, title="New project", submit="Add project", noun="Project"
    )


@require_http_methods(["GET", "POST"])
@agent_required
def project_edit(request: AgentRequest, pk: int, project_pk: int) -> HttpResponse:
    require(request.user, Action.CHANGE_PROJECT)
    client = queries.get_client_for_agent(request.user, pk)
    project = queries.get_project_for_agent(request.user, project_pk)
    if project.client_id != client.pk:
        # A project is found under its own client's address only.
        raise Http404("This client has no project with this id.")
    return _owned_form(
        request,
        ProjectForm,
        client,
        instance=project,
        title=f"Edit {project.name}",
        submit="Save project",
        noun="Project",
    )


def _owned_form(
    request: AgentRequest,
    form_class: type[ClientOwnedForm],
    client: Client,
    *,
    title: str,
    submit: str,
    noun: str,
    instance=None,
) -> HttpResponse:
    form = form_class(
        request.POST if request.method == "POST" else None, client=client, instance=instance
    )
    if form.is_bound and form.is_valid():
        try:
            # A twin saved by a colleague since the form was checked breaks the
            # database constraint; the form then shows it like any other error.
            with transaction.atomic():
                saved = form.save()
        except IntegrityError:
            form.add_uniqueness_error()
        else:
            verb = "added" if instance is None else "saved"
            messages.success(request, f"{noun} “{saved.name}” {verb}.")
            return redirect("client_detail", pk=client.pk)
    return _form_page(
        request,
        form,
        title=title,
        submit=submit,
        client=client,
        cancel_url=reverse("client_detail", args=[client.pk]),
    )


def _form_page(
    request: AgentRequest,
    form,
    *,
    title: str,
    submit: str,
    cancel_url: str,
    client: Client | None = None,
) -> HttpResponse:
    context = {
        "form": form,
        "title": title,
        "submit": submit,
        "client": client,
        "cancel_url": cancel_url,
    }
    # A form sent back with errors is answered 422, as in the rest of the workspace.
    status = 422 if form.is_bound else 200
    return render(request, "clients/form.html", context, status=status)


@require_GET
@agent_required
def clients_options(request: AgentRequest) -> HttpResponse:
    """The <option>s of a client select for what was typed (see tickets.forms.widgets.ClientSelect):
    the empty choice, the chosen client(s), then the first clients matching by name or email."""
    text = search_text(request)
    clients = Client.objects.active() if request.GET.get("active") else Client.objects.all()
    chosen_ids = [pk for pk in map(queries.as_id, request.GET.get("selected", "").split(",")) if pk]
    chosen = list(clients.filter(pk__in=chosen_ids[:10]).order_by("name", "pk"))
    matches = (clients.search(text) if text else clients).exclude(pk__in=chosen_ids[:10])
    choices = [
        ("", request.GET.get("empty", "")[:100]),
        *((client.pk, client.name) for client in chosen),
        *(
            (client.pk, client.name)
            for client in matches.order_by("name", "pk")[: widgets.CLIENT_CHOICES_SHOWN]
        ),
    ]
    return HttpResponse(
        widgets.option_tags(choices, selected={str(client.pk) for client in chosen})
    )
