"""Rating from the links of a "How did we do?" email.

Mail scanners open links, so opening one records nothing: it shows the choice already
selected and a comment box, and only posting the form rates. The links of a request work
for PORTAL_RATING_LINK_DAYS days, and may be used again to change the rating (the latest
counts); a newer request for the same ticket supersedes them.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from tickets import services
from tickets.models import Channel, Rating, RatingRequest

from .. import tokens
from ..forms import RatingForm
from .common import render_page

INVALID = "portal/rating_invalid.html"


def _request_of(token: str) -> RatingRequest | tuple[str, int]:
    """The rating request a link names, or why it cannot be used and the page's status."""
    try:
        request_id = tokens.read_rating_token(token)
    except tokens.ExpiredToken:
        return "expired", 410
    except tokens.InvalidToken:
        return "invalid", 404
    found = (
        RatingRequest.objects.select_related("ticket__status", "contact")
        .filter(pk=request_id)
        .first()
    )
    if found is None or found.contact is None or found.ticket.is_spam:
        return "gone", 404
    if found.contact.client_id != found.ticket.client_id:
        return "gone", 404
    newer = RatingRequest.objects.filter(ticket_id=found.ticket_id, pk__gt=found.pk)
    if newer.exists():
        return "superseded", 410
    return found


@require_http_methods(["GET", "POST"])
def rate_by_link(request: HttpRequest, token: str, value: str) -> HttpResponse:
    found = _request_of(token)
    if isinstance(found, tuple):
        reason, status = found
        return render_page(request, INVALID, {"reason": reason}, status=status)
    if value not in Rating.Value.values:
        return render_page(request, INVALID, {"reason": "invalid"}, status=404)
    ticket = found.ticket
    current = Rating.objects.filter(ticket=ticket).first()
    context = {"ticket": ticket, "rating": current, "contact": found.contact}
    if request.method != "POST":
        comment = current.comment if current is not None else ""
        form = RatingForm(initial={"value": value, "comment": comment}, auto_id="rating_%s")
        return render_page(request, "portal/rate.html", {**context, "form": form})
    form = RatingForm(request.POST, auto_id="rating_%s")
    if not form.is_valid():
        return render_page(request, "portal/rate.html", {**context, "form": form}, status=422)
    rating = services.rate_ticket(
        ticket=ticket,
        value=Rating.Value(form.cleaned_data["value"]),
        comment=form.cleaned_data["comment"],
        contact=found.contact,
        channel=Channel.PORTAL,
    )
    return render_page(request, "portal/rate_done.html", {**context, "rating": rating})
