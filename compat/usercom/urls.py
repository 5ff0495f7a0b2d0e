"""/compat/usercom/api/public/...: User.com's tickets (tickets.py)."""

from . import tickets

urlpatterns = [*tickets.urlpatterns]
