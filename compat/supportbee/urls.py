"""/compat/supportbee/...: the tickets (tickets.py), their conversation (conversation.py),
the actions on them (actions.py) and their files (attachments.py)."""

from django.urls import re_path

from helpdesk.api import not_found_view

from . import actions, attachments, conversation, tickets
from .api import supportbee_error

urlpatterns = [
    *tickets.urlpatterns,
    *conversation.urlpatterns,
    *actions.urlpatterns,
    *attachments.urlpatterns,
    re_path(r"^", not_found_view(supportbee_error), name="supportbee-not-found"),
]
