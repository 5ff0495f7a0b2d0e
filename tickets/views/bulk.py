"""Bulk actions on the queue: one change to many tickets, and deleting them after a confirmation.

The selection is the ids ticked one by one, or "all matching": the queue's filter query
string, resolved again here with the queue's QueueFilter (a count or a list of ids from
the browser is never trusted for it).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from tickets import services
from tickets.agents import AgentRequest
from tickets.filters import QueueFilter
from tickets.forms.bulk import BulkActionForm
from tickets.models import Channel, Ticket
from tickets.permissions import Action, may
from tickets.services.bulk import MAX_BULK_TICKETS, BulkAction, too_many_message

from .access import agent_required, render_fragments

# The confirmation page lists this many tickets, then says how many more.
CONFIRM_LIST = 100


def matching_tickets(request: AgentRequest, params: QueryDict) -> QuerySet[Ticket]:
    """Every ticket the queue lists for `params`, on all its pages."""
    tickets = Ticket.objects.for_agent(request.user)
    return QueueFilter(params, queryset=tickets, request=request).qs


def selected_tickets(request: AgentRequest, form: BulkActionForm) -> QuerySet[Ticket]:
    """The tickets the form selects; ids that name no ticket are an error."""
    if form.cleaned_data["select_all"]:
        return matching_tickets(request, form.filter_params)
    ids = form.cleaned_data["ticket"]
    tickets = Ticket.objects.for_agent(request.user).filter(pk__in=ids)
    found = set(tickets.values_list("pk", flat=True))
    missing = [f"#{pk}" for pk in ids if pk not in found]
    if missing:
        named = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if missing[10:] else "")
        raise ValidationError(f"These tickets do not exist: {named}.")
    return tickets


def queue_url(query: str) -> str:
    params = QueryDict(query or "", mutable=True)
    params.pop("page", None)
    return f"{reverse('queue')}?{params.urlencode()}" if params else reverse("queue")


def refuse(request: AgentRequest, message: str, query: str) -> HttpResponse:
    """Bad input: say why and change nothing. With htmx the queue and the selection stay."""
    messages.error(request, message)
    if request.htmx:
        return render_fragments(request, "tickets/queue.html", [], {}, status=422)
    return redirect(queue_url(query))


def report(request: AgentRequest, result: services.BulkResult) -> None:
    level = messages.WARNING if result.refused else messages.SUCCESS
    messages.add_message(request, level, result.summary)


@require_POST
@agent_required
def bulk_action(request: AgentRequest) -> HttpResponse:
    """Apply the chosen action; deleting goes to its confirmation page first.

    Afterwards the queue is shown again with the summary: with htmx the redirect is
    followed by the same request, and the queue answers with its refreshed regions.
    """
    form = BulkActionForm(request.POST)
    if not form.is_valid():
        return refuse(request, form.error_text(), request.POST.get("query", ""))
    query = form.cleaned_data["query"]
    try:
        tickets = selected_tickets(request, form)
        if form.cleaned_data["action"] == BulkAction.DELETE:
            url = f"{reverse('tickets_bulk_delete')}?{confirmation_query(form)}"
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        result = services.apply_bulk_action(
            tickets=tickets,
            action=form.cleaned_data["action"],
            value=form.cleaned_data["value"],
            actor=request.user,
            channel=Channel.WEB,
        )
    except ValidationError as error:
        return refuse(request, " ".join(error.messages), query)
    report(request, result)
    return redirect(queue_url(query))


def confirmation_query(form: BulkActionForm) -> str:
    params = QueryDict(mutable=True)
    params["query"] = form.cleaned_data["query"]
    if form.cleaned_data["select_all"]:
        params["select_all"] = "1"
    else:
        params.setlist("ticket", [str(pk) for pk in form.cleaned_data["ticket"]])
    return params.urlencode()


@require_http_methods(["GET", "POST"])
@agent_required
def bulk_delete(request: AgentRequest) -> HttpResponse:
    """GET lists the tickets that will be deleted; POST deletes exactly those."""
    data = request.POST if request.method == "POST" else request.GET
    form = BulkActionForm({**data.dict(), "ticket": data.getlist("ticket"), "action": "delete"})
    if not form.is_valid():
        return refuse(request, form.error_text(), data.get("query", ""))
    query = form.cleaned_data["query"]
    try:
        tickets = selected_tickets(request, form)
        if request.method == "POST":
            result = services.apply_bulk_action(
                tickets=tickets,
                action=BulkAction.DELETE,
                actor=request.user,
                channel=Channel.WEB,
            )
            report(request, result)
            return redirect(queue_url(query))
        chosen = list(
            tickets.order_by("pk").select_related("client", "status")[: MAX_BULK_TICKETS + 1]
        )
        if len(chosen) > MAX_BULK_TICKETS:
            raise ValidationError(too_many_message(tickets.order_by().count()))
        if not chosen:
            raise ValidationError("Select at least one ticket.")
    except ValidationError as error:
        return refuse(request, " ".join(error.messages), query)
    context = {
        "tickets": chosen[:CONFIRM_LIST],
        "more": max(0, len(chosen) - CONFIRM_LIST),
        "count": len(chosen),
        "ids": [ticket.pk for ticket in chosen],
        "query": query,
        "back": queue_url(query),
        "may_delete": may(request.user, Action.DELETE_TICKET),
    }
    return render(request, "tickets/bulk_delete.html", context)


@require_GET
@agent_required
def bulk_count(request: AgentRequest) -> HttpResponse:
    """How many tickets match the queue's filters, counted only when the agent asks."""
    params = request.GET.copy()
    params.pop("page", None)
    count = matching_tickets(request, params).order_by().count()
    context = {"count": count, "too_many": count > MAX_BULK_TICKETS, "limit": MAX_BULK_TICKETS}
    return render(request, "tickets/includes/bulk_count.html", context)
