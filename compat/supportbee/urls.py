"""/compat/supportbee/...: the tickets (tickets.py), their conversation (conversation.py),
the actions on them (actions.py) and their files (attachments.py)."""

from . import actions, attachments, conversation, tickets

urlpatterns = [
    *tickets.urlpatterns,
    *conversation.urlpatterns,
    *actions.urlpatterns,
    *attachments.urlpatterns,
]
