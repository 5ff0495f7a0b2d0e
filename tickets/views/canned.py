"""Canned responses: the library pages, and the picker beside a ticket's reply box.

Every agent keeps personal responses; shared ones are written, changed and deleted
by Supervisors and Administrators (tickets.permissions: the Django permissions
tickets.add_/change_/delete_cannedresponse).
Another agent's personal response is never found (404). Filling in the placeholders
happens here, on the server, for the ticket at hand.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tickets import queries
from tickets.agents import AgentRequest
from tickets.canned import fill_placeholders, placeholder_values
from tickets.forms.canned import CannedResponseForm
from tickets.forms.ticket import ReplyForm
from tickets.macros import pending_changes
from tickets.models import CannedResponse
from tickets.permissions import Action, may

from .access import agent_required, search_text, wants_fragment

PAGE_SIZE = 50
PICKER_SIZE = 20
# What the picker reads to know whether a response is a macro (CannedResponse.is_macro).
MACRO_FIELDS = ("set_status_id", "set_priority", "assign", "set_team", "add_tags", "remove_tags")


def may_change(user, response: CannedResponse) -> bool:
    return not response.is_shared or may(user, Action.CHANGE_SHARED_CANNED)


def may_delete(user, response: CannedResponse) -> bool:
    return not response.is_shared or may(user, Action.DELETE_SHARED_CANNED)


def matching(responses, search: str):
    if not search:
        return responses
    return responses.filter(Q(title__icontains=search) | Q(text__icontains=search))


def save(form: CannedResponseForm) -> CannedResponse | None:
    """Save a valid form; None when a twin title was saved since the form was checked
    (the database constraint refuses it, and the form then shows it like any other error)."""
    response = form.save(commit=False)
    response.updated_at = timezone.now()
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        form.add_twin_error()
        return None
    return response


# The library ---------------------------------------------------------------------------


@require_GET
@agent_required
def canned_list(request: AgentRequest) -> HttpResponse:
    search = search_text(request)
    responses = matching(
        queries.canned_responses_for_agent(request.user).select_related("department"), search
    )
    page = Paginator(responses, PAGE_SIZE).get_page(request.GET.get("page"))
    user = request.user
    rows = [
        (response, may_change(user, response), may_delete(user, response))
        for response in page.object_list
    ]
    context = {"page": page, "rows": rows, "search": search}
    template = "canned/list.html#results" if wants_fragment(request) else "canned/list.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@agent_required
def canned_create(request: AgentRequest) -> HttpResponse:
    """Any agent writes personal responses; the form offers "shared" only to those allowed."""
    form = CannedResponseForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_bound and form.is_valid() and (response := save(form)) is not None:
        messages.success(request, f"Canned response “{response.title}” created.")
        return redirect("canned_list")
    return render(
        request, "canned/form.html", {"form": form, "title": "New canned response", "new": True}
    )


@require_http_methods(["GET", "POST"])
@agent_required
def canned_edit(request: AgentRequest, pk: int) -> HttpResponse:
    response = queries.get_canned_response_for_agent(request.user, pk)
    if not may_change(request.user, response):
        raise PermissionDenied("You may not change shared canned responses.")
    title = f"Edit “{response.title}”"
    form = CannedResponseForm(
        request.POST if request.method == "POST" else None, instance=response, user=request.user
    )
    if form.is_bound and form.is_valid() and save(form) is not None:
        messages.success(request, f"Canned response “{response.title}” saved.")
        return redirect("canned_list")
    return render(
        request,
        "canned/form.html",
        {"form": form, "title": title, "response": response},
    )


@require_http_methods(["GET", "POST"])
@agent_required
def canned_delete(request: AgentRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes."""
    response = queries.get_canned_response_for_agent(request.user, pk)
    if not may_delete(request.user, response):
        raise PermissionDenied("You may not delete shared canned responses.")
    if request.method == "POST":
        response.delete()
        messages.success(request, f"Canned response “{response.title}” deleted.")
        return redirect("canned_list")
    return render(request, "canned/delete.html", {"response": response})


# The picker on the ticket page ---------------------------------------------------------


@require_GET
@agent_required
def canned_picker(request: AgentRequest, pk: int) -> HttpResponse:
    """The responses offered on this ticket that match the search, as a list fragment."""
    ticket = queries.get_ticket_for_agent(request.user, pk, related=False)
    search = search_text(request)
    responses = matching(queries.canned_responses_for_agent(request.user, ticket=ticket), search)
    context = {
        "ticket": ticket,
        "responses": list(
            responses.only("id", "title", "owner_id", *MACRO_FIELDS)[: PICKER_SIZE + 1]
        ),
        "search": search,
        "picker_size": PICKER_SIZE,
        "picker_loaded": True,
    }
    return render(request, "canned/picker.html#results", context)


def picker_without_javascript(request: AgentRequest, ticket) -> dict:
    """The ticket page's picker for a browser without JavaScript: its search box submits
    `?q=` to the page (the results are then on it), and a response's button `?canned=`,
    which starts the reply box with the response's text and changes (a macro's)."""
    context: dict = {}
    if "q" in request.GET:
        search = search_text(request)
        responses = matching(
            queries.canned_responses_for_agent(request.user, ticket=ticket), search
        )
        context |= {
            "responses": list(
                responses.only("id", "title", "owner_id", *MACRO_FIELDS)[: PICKER_SIZE + 1]
            ),
            "search": search,
            "picker_size": PICKER_SIZE,
            "picker_loaded": True,
        }
    chosen = request.GET.get("canned", "")
    if chosen.isdigit():
        responses = queries.canned_responses_for_agent(request.user, ticket=ticket)
        response = (
            responses.select_related("set_status", "assignee", "team").filter(pk=chosen).first()
        )
        if response is not None:
            text = fill_placeholders(response.text, placeholder_values(ticket, request.user))
            context |= {
                "reply_form": ReplyForm(initial={"text": text}, auto_id="reply_%s"),
                "macro_pending": pending_changes(response, request.user),
            }
    return context


@require_GET
@agent_required
def canned_text(request: AgentRequest, pk: int, response_pk: int) -> HttpResponse:
    """The response's text with the placeholders filled in for this ticket, as plain text."""
    ticket = queries.get_ticket_for_agent(request.user, pk, related=False)
    response = queries.get_canned_response_for_agent(request.user, response_pk, ticket=ticket)
    text = fill_placeholders(response.text, placeholder_values(ticket, request.user))
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


@require_GET
@agent_required
def canned_changes(request: AgentRequest, pk: int, response_pk: int) -> HttpResponse:
    """The changes the response makes when sent (a macro), as the reply box's ticked list."""
    ticket = queries.get_ticket_for_agent(request.user, pk, related=False)
    responses = queries.canned_responses_for_agent(request.user, ticket=ticket)
    response = get_object_or_404(
        responses.select_related("set_status", "assignee", "team"), pk=response_pk
    )
    context = {"ticket": ticket, "macro_pending": pending_changes(response, request.user)}
    return render(request, "canned/picker.html#changes", context)
