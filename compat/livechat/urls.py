"""/compat/livechat/...: the tickets (tickets.py) and the reports (reports.py)."""

from django.urls import re_path

from helpdesk.api import not_found_view

from . import reports, tickets
from .api import livechat_error

urlpatterns = [
    *tickets.urlpatterns,
    *reports.urlpatterns,
    re_path(r"^", not_found_view(livechat_error), name="livechat-not-found"),
]
