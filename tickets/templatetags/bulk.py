"""The queue's bulk action bar, built from the choices its filter has already read."""

from django import template

from tickets.filters import ANY_CLOSED, ANY_OPEN, ME, UNASSIGNED
from tickets.forms.bulk import BulkActionForm
from tickets.permissions import Action, may
from tickets.services.bulk import BulkAction

register = template.Library()


@register.inclusion_tag("tickets/includes/bulk_bar.html", takes_context=True)
def bulk_bar(context) -> dict:
    filters = context["filter"].filters
    form = BulkActionForm().offer_choices(
        statuses=[
            choice
            for choice in filters["status"].extra["choices"]
            if choice[0] not in (ANY_OPEN, ANY_CLOSED)
        ],
        assignees=[
            choice
            for choice in filters["assignee"].extra["choices"]
            if choice[0] not in (ME, UNASSIGNED)
        ],
    )
    if not may(context["request"].user, Action.DELETE_TICKET):
        # Offered only to who may delete (the service refuses the others anyway).
        action = form.fields["action"]
        action.widget.choices = [c for c in action.widget.choices if c[0] != BulkAction.DELETE]
    return {"bulk_form": form, "csrf_token": context.get("csrf_token")}
