"""Saved views: the queue's filters under a name, personal or shared with every agent.

The sidebar lists them with their counts (see `view_counts`, used by the queue's
counts request); changing or deleting one is for its owner (and superusers).
"""

from __future__ import annotations

import hashlib
import logging

from django.contrib import messages
from django.core.cache import cache
from django.db import IntegrityError, OperationalError, transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from tickets.filters import ME, TicketFilter, canonical_query, filter_choices
from tickets.models import SavedView, Ticket
from tickets.queries import get_saved_view_for_owner, saved_views_for_agent
from tickets.saved_view_forms import SavedViewForm

from .access import agent_required

FORM_TEMPLATE = "tickets/saved_views/form.html"
# Like the built-in views' counts: a saved view's count may be this many seconds old.
COUNT_CACHE_SECONDS = 30
# The count of a view too slow to count (shown as "?"), cached like a count so that
# the sidebar does not try again on every page.
UNKNOWN = -1

logger = logging.getLogger(__name__)


def visible_views(user) -> list[SavedView]:
    return list(saved_views_for_agent(user))


def count_key(view: SavedView, user) -> str:
    """The cache key of a view's count. The key holds the query, so a changed view is
    counted afresh; a view with "me" or "starred" counts differently for each agent."""
    params = QueryDict(view.query)
    per_agent = params.get("assignee") == ME or bool(params.get("starred"))
    digest = hashlib.sha256(view.query.encode()).hexdigest()[:16]
    return f"queue:saved-view-count:{view.pk}:{digest}:{user.pk if per_agent else 0}"


def view_counts(request: HttpRequest, views: list[SavedView], *, compute: bool) -> dict:
    """Each view's count by id: the cached ones, and if `compute` the others counted now
    (one COUNT each, so never in the queue page's own request); else None for those."""
    keys = {view.pk: count_key(view, request.user) for view in views}
    cached = cache.get_many(list(keys.values())) if keys else {}
    counts = {pk: cached.get(key) for pk, key in keys.items()}
    missing = [view for view in views if counts[view.pk] is None]
    if compute and missing:
        choices = filter_choices()
        tickets = Ticket.objects.for_agent(request.user)
        fresh = {}
        for view in missing:
            filterset = TicketFilter(
                QueryDict(view.query), queryset=tickets, request=request, choices=choices
            )
            try:
                count = filterset.qs.order_by().count()
            except OperationalError:
                # Stopped at the statement time limit (requests run in autocommit, so
                # the connection stays usable): the other counts still show.
                logger.warning("Counting saved view %s timed out", view.pk)
                count = UNKNOWN
            counts[view.pk] = fresh[keys[view.pk]] = count
        cache.set_many(fresh, COUNT_CACHE_SECONDS)
    return counts


def queue_url(view: SavedView) -> str:
    return f"{reverse('queue')}?{view.query}" if view.query else reverse("queue")


def save_form(request: HttpRequest, form: SavedViewForm) -> SavedView | None:
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


@require_POST
@agent_required
def create_view(request: HttpRequest) -> HttpResponse:
    form = SavedViewForm(request.POST, owner=request.user)
    view = save_form(request, form)
    if view is None:
        return render(request, FORM_TEMPLATE, {"form": form, "view": None}, status=422)
    messages.success(request, f"View “{view.name}” saved.")
    return redirect(queue_url(view))


@require_http_methods(["GET", "POST"])
@agent_required
def edit_view(request: HttpRequest, pk: int) -> HttpResponse:
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
def delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes the view."""
    view = get_saved_view_for_owner(request.user, pk)
    if request.method == "POST":
        view.delete()
        messages.success(request, f"View “{view.name}” deleted.")
        return redirect("queue")
    return render(request, "tickets/saved_views/delete.html", {"view": view})
