"""The five fixed ticket statuses, and full-text search indexes on PostgreSQL.

The GIN indexes are built from the same SearchVector expressions that
TicketQuerySet.search() filters on, so PostgreSQL can use them. Other databases
have no full-text search and skip them.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from tickets.migrations import create_fixed_statuses


def create_statuses(apps, schema_editor):
    create_fixed_statuses(apps.get_model("tickets", "TicketStatus"))


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
