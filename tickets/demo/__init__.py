"""Demo data for `manage.py seed_demo`: a realistic, self-consistent helpdesk.

The base data (departments, clients with contacts and projects, agents, teams,
tags, custom fields) is fixed and created once, by natural key. Tickets are
simulated in Python: each one lives through a plausible life (assignment,
first response, conversation, notes, holds, closing, reopening, rating,
archiving) and every denormalized field and history event is derived from that
life exactly as `tickets.services` would have written it. The rows are then
written in bulk: PostgreSQL COPY, or one INSERT run per table on other databases.

The per-ticket services are not used: they are for live changes, one ticket at
a time, and would take hours for a million tickets.
"""

from tickets.demo.base_data import Catalog, ensure_base_data
from tickets.demo.writing import write_tickets

__all__ = ["Catalog", "ensure_base_data", "write_tickets"]
