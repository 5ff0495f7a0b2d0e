"""/compat/livechat/...: the tickets (tickets.py) and the reports (reports.py)."""

from . import reports, tickets

urlpatterns = [*tickets.urlpatterns, *reports.urlpatterns]
