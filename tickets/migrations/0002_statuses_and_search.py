"""The five fixed ticket statuses, and full-text search indexes on PostgreSQL.

The GIN indexes are built from the same SearchVector expressions that
TicketQuerySet.search() filters on, so PostgreSQL can use them. Other databases
have no full-text search and skip them.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

STATUSES = [
    # id, title, position, colour, is_closed, team replied, client replied
    (1, "Open", 1, "#2563eb", False, False, False),
    (2, "Closed", 5, "#6b7280", True, False, False),
    (3, "On Hold", 2, "#d97706", False, False, False),
    (4, "Answered", 3, "#16a34a", False, True, False),
    (5, "Customer Replied", 4, "#dc2626", False, False, True),
]


def create_statuses(apps, schema_editor):
    TicketStatus = apps.get_model("tickets", "TicketStatus")
    for pk, title, position, colour, is_closed, team, client in STATUSES:
        TicketStatus.objects.update_or_create(
            pk=pk,
            defaults={
                "title": title,
                "position": position,
                "colour": colour,
                "is_closed": is_closed,
                "use_for_team_replied": team,
                "use_for_client_replied": client,
            },
        )


def search_indexes():
    from tickets.models import REPLY_SEARCH_VECTOR, TICKET_SEARCH_VECTOR

    return [
        ("ticket", GinIndex(TICKET_SEARCH_VECTOR, name="ticket_search_gin")),
        ("reply", GinIndex(REPLY_SEARCH_VECTOR, name="reply_search_gin")),
    ]


def add_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in search_indexes():
        schema_editor.add_index(apps.get_model("tickets", model_name), index)


def remove_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in search_indexes():
        schema_editor.remove_index(apps.get_model("tickets", model_name), index)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [
        migrations.RunPython(create_statuses, migrations.RunPython.noop),
        migrations.RunPython(add_search_indexes, remove_search_indexes),
    ]
