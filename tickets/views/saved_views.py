"""Saved views: the queue's filters under a name, personal or shared with every agent.

The sidebar lists them with their counts (tickets.counts.saved_view_counts); changing
or deleting one is for its owner, and for a shared one also for Supervisors and
Administrators (tickets.permissions), and superusers.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from tickets.agents import AgentRequest
from tickets.filters import canonical_query
from tickets.forms.saved_views import SavedViewForm
from tickets.models import SavedView
from tickets.permissions import Action
from tickets.queries import get_saved_view_for_owner

from .access import agent_required

FORM_TEMPLATE = "tickets/saved_views/form.html"


def queue_url(view: SavedView) -> str:
    return f"{reverse('queue')}?{view.query}" if view.query else reverse("queue")


def save_form(request: AgentRequest, form: SavedViewForm) -> SavedView | None:
    """Save a valid form; a name taken at the same moment by a parallel request
    becomes a form error instead of a server error."""
    if not form.is_valid():
        return None
    try:
        with transaction.atomic():
            return form.save()
    except IntegrityError:
        form.add_error("name", "You already have a view with this name.")
        return None


@require_http_methods(["GET", "POST"])
@agent_required
def create_view(request: AgentRequest) -> HttpResponse:
    """POST saves the filters given as `query`. GET shows the form for the filters of
    ?query=: the form's own address carries them, so that reloading the page after an
    error (a name already taken) shows the form again rather than a bare 405."""
    if request.method != "POST":
        query = canonical_query(QueryDict(request.GET.get("query", "")))
        form = SavedViewForm(owner=request.user, initial={"query": query})
        return render(request, FORM_TEMPLATE, {"form": form, "view": None})
    form = SavedViewForm(request.POST, owner=request.user)
    view = save_form(request, form)
    if view is None:
        return render(request, FORM_TEMPLATE, {"form": form, "view": None}, status=422)
    messages.success(request, f"View “{view.name}” saved.")
    return redirect(queue_url(view))


@require_http_methods(["GET", "POST"])
@agent_required
def edit_view(request: AgentRequest, pk: int) -> HttpResponse:
    """Rename, share or unshare, or replace the filters with the queue's current ones
    (the sidebar's edit link carries them as ?current=)."""
    view = get_saved_view_for_owner(request.user, pk)
    if request.method == "POST":
        form = SavedViewForm(request.POST, instance=view, owner=request.user)
        if save_form(request, form):
            messages.success(request, f"View “{view.name}” updated.")
            return redirect(queue_url(view))
        return render(request, FORM_TEMPLATE, {"form": form, "view": view}, status=422)
    current = canonical_query(QueryDict(request.GET.get("current", "")))
    form = SavedViewForm(instance=view, owner=request.user, initial={"query": current})
    if current == canonical_query(QueryDict(view.query)):
        del form.fields["replace_query"]  # nothing to replace them with
    return render(request, FORM_TEMPLATE, {"form": form, "view": view})


@require_http_methods(["GET", "POST"])
@agent_required
def delete_view(request: AgentRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes the view."""
    view = get_saved_view_for_owner(request.user, pk, Action.DELETE_SHARED_VIEW)
    if request.method == "POST":
        view.delete()
        messages.success(request, f"View “{view.name}” deleted.")
        return redirect("queue")
    return render(request, "tickets/saved_views/delete.html", {"view": view})
