"""Permission-scoped fetch helpers: one per object type, shared by the web views and the API.

Each raises Http404 when the object does not exist or the user may not see it,
so a caller never tells "missing" from "forbidden".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from tickets.agents import AnyUser, is_agent
from tickets.permissions import Action, may

from .models import (
    Attachment,
    CannedResponse,
    Category,
    Client,
    Contact,
    Project,
    Reply,
    SavedView,
    StickyNote,
    TaggedTicket,
    Ticket,
)

# Ids are 64-bit; a larger number can name nothing, and the database would refuse it.
MAX_ID = 2**63 - 1


def as_id(value: object) -> int | None:
    """A usable database id from a URL value, or None."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def _checked_pk(pk: int | str) -> int:
    try:
        value = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < value <= MAX_ID:
        raise Http404
    return value


def tickets_for_agent(user: AnyUser) -> QuerySet[Ticket]:
    """The tickets an agent may see, with what the API's ticket object shows (but the
    tags: see `tag_names_for`), in a fixed number of queries.

    Only four relations are joined; the optional ones come by prefetch. PostgreSQL plans
    a join of all seven in tens of milliseconds (the join order search grows
    exponentially), which is more than running the whole list query.
    """
    return (
        Ticket.objects.for_agent(user)
        .select_related("status", "department", "client", "assignee")
        .prefetch_related("team", "requester")
    )


def tag_names_for(tickets: Iterable[Ticket]) -> dict[int, list[str]]:
    """The tag titles of each ticket, sorted, in one query.

    For a page of tickets this replaces prefetch_related("tags"), which builds a
    queryset per ticket and costs more than the query itself.
    """
    names: dict[int, list[str]] = defaultdict(list)
    rows = TaggedTicket.objects.filter(content_object__in=[t.pk for t in tickets]).values_list(
        "content_object_id", "tag__name"
    )
    for ticket_id, name in rows:
        names[ticket_id].append(name)
    for tag_list in names.values():
        tag_list.sort(key=str.lower)
    return names


def get_ticket_for_agent(user: AnyUser, pk: int | str, *, related: bool = True) -> Ticket:
    """The ticket, if the agent may see it: with everything its API object and page show
    (tags prefetched, its rating joined), or with `related=False` the ticket row alone (to
    act on it)."""
    tickets = (
        # taggit has no types: the stubs' plugin cannot see its `tags` manager.
        tickets_for_agent(user).select_related("rating").prefetch_related("tags")  # type: ignore[misc]
        if related
        else Ticket.objects.for_agent(user)
    )
    try:
        return tickets.get(pk=_checked_pk(pk))
    except Ticket.DoesNotExist:
        raise Http404("No ticket has this id.") from None


def get_reply_for_agent(user: AnyUser, ticket: Ticket, pk: int | str) -> Reply:
    """A reply or note of `ticket`; a reply of another ticket is not found."""
    if not is_agent(user):
        raise Http404
    try:
        return Reply.objects.select_related("author_agent", "author_contact").get(
            pk=_checked_pk(pk), ticket=ticket
        )
    except Reply.DoesNotExist:
        raise Http404("This ticket has no reply with this id.") from None


def get_attachment_for_agent(user: AnyUser, pk: int | str) -> Attachment:
    """A file, if the agent may see its ticket (checked with get_ticket_for_agent)."""
    if not is_agent(user):
        raise Http404("No attachment has this id.")
    attachment = Attachment.objects.filter(pk=_checked_pk(pk)).first()
    if attachment is None:
        raise Http404("No attachment has this id.")
    attachment.ticket = get_ticket_for_agent(user, attachment.ticket_id, related=False)
    return attachment


def _get_for_agent[M: Model](
    user: AnyUser, queryset: QuerySet[M], pk: int | str, message: str
) -> M:
    if not is_agent(user):
        raise Http404(message)
    try:
        return queryset.get(pk=_checked_pk(pk))
    except ObjectDoesNotExist:
        raise Http404(message) from None


def get_category_for_agent(user: AnyUser, pk: int | str) -> Category:
    return _get_for_agent(user, Category.objects.all(), pk, "No category has this id.")


def get_client_for_agent(user: AnyUser, pk: int | str) -> Client:
    return _get_for_agent(user, Client.objects.all(), pk, "No client has this id.")


def get_contact_for_agent(user: AnyUser, client: Client, pk: int | str) -> Contact:
    return _get_for_agent(
        user, Contact.objects.filter(client=client), pk, "This client has no contact with this id."
    )


def get_project_for_agent(user: AnyUser, pk: int | str) -> Project:
    return _get_for_agent(
        user, Project.objects.select_related("client"), pk, "No project has this id."
    )


def canned_responses_for_agent(
    user: AnyUser, *, ticket: Ticket | None = None
) -> QuerySet[CannedResponse]:
    """The shared canned responses and the agent's own; with `ticket`, only those offered
    on its department (a response without a department is offered everywhere)."""
    if not is_agent(user):
        return CannedResponse.objects.none()
    responses = CannedResponse.objects.filter(Q(owner__isnull=True) | Q(owner=user))
    if ticket is not None:
        responses = responses.filter(
            Q(department__isnull=True) | Q(department_id=ticket.department_id)
        )
    return responses


def get_canned_response_for_agent(
    user: AnyUser, pk: int | str, *, ticket: Ticket | None = None
) -> CannedResponse:
    """A canned response the agent may see (another agent's personal one is not found)."""
    try:
        return canned_responses_for_agent(user, ticket=ticket).get(pk=_checked_pk(pk))
    except CannedResponse.DoesNotExist:
        raise Http404("No canned response has this id.") from None


def get_sticky_note_for_agent(user: AnyUser, ticket: Ticket, pk: int | str) -> StickyNote:
    """A sticky note of `ticket`; a note of another ticket is not found."""
    if not is_agent(user):
        raise Http404
    try:
        note = StickyNote.objects.get(pk=_checked_pk(pk), ticket=ticket)
    except StickyNote.DoesNotExist:
        raise Http404("This ticket has no sticky note with this id.") from None
    note.ticket = ticket
    return note


def saved_views_for_agent(user: AnyUser) -> QuerySet[SavedView]:
    """The saved views in an agent's sidebar: their own and those others shared."""
    if not is_agent(user):
        return SavedView.objects.none()
    return SavedView.objects.filter(Q(owner=user) | Q(is_shared=True)).select_related("owner")


def get_saved_view_for_owner(
    user: AnyUser, pk: int | str, action: Action = Action.CHANGE_SHARED_VIEW
) -> SavedView:
    """A saved view the user may change (or, with `action` DELETE_SHARED_VIEW, delete):
    their own, a colleague's shared one when they may do `action` (a Supervisor), any
    with a superuser.

    Unlike the helpers above, a colleague's shared view, which the agent sees in the
    sidebar anyway, raises PermissionDenied (403) when they may not. Someone else's
    personal view is not found (404), except by a superuser.
    """
    views = SavedView.objects.select_related("owner")
    if not (is_agent(user) and user.is_superuser):
        views = saved_views_for_agent(user)
    try:
        view = views.get(pk=_checked_pk(pk))
    except SavedView.DoesNotExist:
        raise Http404("No saved view has this id.") from None
    if view.owner_id != user.pk and not (
        user.is_superuser or (view.is_shared and may(user, action))
    ):
        raise PermissionDenied("Only its owner can change this view.")
    return view
