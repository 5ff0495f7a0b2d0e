"""Who is using the portal: a contact, never a user.

A signed-in requester is a Contact whose id the session keeps under its own key; Django's
authentication knows nothing of it, so `request.user` stays anonymous and nothing of the
workspace, the admin or the API opens. An agent's session carries no contact, so it opens
no one's portal either.

Besides a full sign-in, a link in one of our emails opens one ticket for its requester
(portal.tokens.TicketGrant): the session remembers which tickets it opened, and for whom.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Concatenate
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from tickets.models import Contact, Ticket, TicketQuerySet
from tickets.queries import as_id

SESSION_CONTACT = "portal:contact"
SESSION_TICKETS = "portal:tickets"


@dataclass
class Viewer:
    """The contact signed in (or None), and the tickets opened by email links: ticket id
    to the contact each was opened for."""

    contact: Contact | None
    grants: dict[int, int] = field(default_factory=dict)

    @property
    def is_signed_in(self) -> bool:
        return self.contact is not None


def viewer(request: HttpRequest) -> Viewer:
    """Who the request comes from in the portal (read once per request)."""
    cached: Viewer | None = getattr(request, "_portal_viewer", None)
    if cached is not None:
        return cached
    contact = None
    contact_id = as_id(request.session.get(SESSION_CONTACT))
    if contact_id is not None:
        contact = Contact.objects.select_related("client").filter(pk=contact_id).first()
    grants = {}
    for ticket_id, granted_to in (request.session.get(SESSION_TICKETS) or {}).items():
        if as_id(ticket_id) is not None and as_id(granted_to) is not None:
            grants[int(ticket_id)] = int(granted_to)
    found = Viewer(contact=contact, grants=grants)
    request._portal_viewer = found  # type: ignore[attr-defined]
    return found


def sign_in(request: HttpRequest, contact: Contact) -> None:
    """Sign `contact` in, under a new session key (a key known before is worth nothing)."""
    request.session.cycle_key()
    request.session[SESSION_CONTACT] = contact.pk
    request._portal_viewer = None  # type: ignore[attr-defined]


def sign_out(request: HttpRequest) -> None:
    """Forget the portal's contact and its opened tickets; an agent's sign-in stays."""
    request.session.pop(SESSION_CONTACT, None)
    request.session.pop(SESSION_TICKETS, None)
    request.session.cycle_key()
    request._portal_viewer = None  # type: ignore[attr-defined]


def grant_ticket(request: HttpRequest, ticket_id: int, contact_id: int) -> None:
    """Let this session open one ticket for the contact an email link was signed for."""
    grants = dict(request.session.get(SESSION_TICKETS) or {})
    if grants.get(str(ticket_id)) == contact_id:
        return
    grants[str(ticket_id)] = contact_id
    request.session.cycle_key()
    request.session[SESSION_TICKETS] = grants
    request._portal_viewer = None  # type: ignore[attr-defined]


def visible_tickets(contact: Contact) -> TicketQuerySet:
    """The tickets a contact sees in the portal: their own, or with "sees all of the
    client's tickets" their client's; never spam."""
    tickets = Ticket.objects.not_spam()
    if contact.sees_all_client_tickets:
        return tickets.filter(client_id=contact.client_id)
    return tickets.filter(requester_id=contact.pk, client_id=contact.client_id)


def sign_in_url(next_path: str = "") -> str:
    url = reverse("portal:sign_in")
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


def contact_required[**P](
    view: Callable[Concatenate[HttpRequest, Contact, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Only a signed-in contact gets in (the view receives them); others are sent to sign in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        contact = viewer(request).contact
        if contact is None:
            return HttpResponseRedirect(sign_in_url(request.get_full_path()))
        return view(request, contact, *args, **kwargs)

    return wrapper


@dataclass(frozen=True)
class TicketAccess:
    """A ticket the request may open, and the contact who acts on it there."""

    ticket: Ticket
    contact: Contact


def ticket_access(request: HttpRequest, pk: int | str) -> TicketAccess | None:
    """The ticket `pk` and who acts on it: the signed-in contact when they see it, else the
    contact an email link opened it for. None for a visitor with neither; Http404 for a
    ticket they may not see (whether it exists or not)."""
    seen = viewer(request)
    ticket_id = as_id(pk)
    if seen.contact is None and not seen.grants:
        return None
    if ticket_id is None:
        raise Http404("No ticket has this number.")
    candidates = []
    if seen.contact is not None:
        candidates.append(seen.contact)
    granted = seen.grants.get(ticket_id)
    if granted is not None and (seen.contact is None or granted != seen.contact.pk):
        contact = Contact.objects.select_related("client").filter(pk=granted).first()
        if contact is not None:
            candidates.append(contact)
    for contact in candidates:
        ticket = (
            visible_tickets(contact)
            .select_related("status", "requester", "department")
            .filter(pk=ticket_id)
            .first()
        )
        if ticket is not None:
            return TicketAccess(ticket=ticket, contact=contact)
    if seen.contact is None:
        return None
    raise Http404("No ticket of yours has this number.")


def ticket_required[**P](
    view: Callable[Concatenate[HttpRequest, TicketAccess, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, int, P], HttpResponse]:
    """The view of one ticket: it receives the ticket and who acts on it; a visitor who is
    not signed in is sent to sign in, a contact who may not see it gets a 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, pk: int, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        access = ticket_access(request, pk)
        if access is None:
            return HttpResponseRedirect(sign_in_url(reverse("portal:ticket", args=[pk])))
        return view(request, access, *args, **kwargs)

    return wrapper
