"""/compat/usercom/api/public/...: User.com's tickets (tickets.py)."""

from django.urls import re_path

from helpdesk.api import not_found_view

from . import tickets
from .api import drf_error

urlpatterns = [
    *tickets.urlpatterns,
    re_path(r"^", not_found_view(drf_error), name="usercom-not-found"),
]
