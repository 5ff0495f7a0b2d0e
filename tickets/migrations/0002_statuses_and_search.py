"""The five fixed ticket statuses, and full-text search indexes on PostgreSQL.

The GIN indexes were built from the SearchVector expressions that the search filtered
on at the time, so PostgreSQL could use them (migration 0006 replaced them with the
search documents). Other databases have no full-text search and skip them.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

from tickets.statuses import create_fixed_statuses


def create_statuses(apps, schema_editor):
    create_fixed_statuses(apps.get_model("tickets", "TicketStatus"))


def search_indexes():
    ticket_vector = SearchVector("subject", "message", config="english")
    reply_vector = SearchVector("text", config="english")
    return [
        ("ticket", GinIndex(ticket_vector, name="ticket_search_gin")),
        ("reply", GinIndex(reply_vector, name="reply_search_gin")),
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
