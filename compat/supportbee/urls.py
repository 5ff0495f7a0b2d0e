"""/compat/supportbee/...: the tickets (tickets.py) and their files (attachments.py)."""

from . import attachments, tickets

urlpatterns = [*tickets.urlpatterns, *attachments.urlpatterns]
