"""The queue's rows: a preview of each ticket's latest public message, and when each agent
last opened a ticket (for the mark of an unread client message)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

# Tickets filled per statement: the count and search triggers see one batch at a time
# (their transition tables) instead of a million rows at once.
BATCH = 50_000

# The latest public reply's text and whether a contact wrote it, else the opening message
# and whether nobody of the workspace opened the ticket; the same on both databases.
LATEST_REPLY = """(SELECT r.{column} FROM tickets_reply AS r
   WHERE r.ticket_id = tickets_ticket.id AND r.kind = 'reply'
   ORDER BY r.created_at DESC, r.id DESC LIMIT 1)"""
FILL = f"""
UPDATE tickets_ticket SET
  last_message_preview = SUBSTR(COALESCE(
    {LATEST_REPLY.format(column="text")}, tickets_ticket.message), 1, 200),
  last_message_from_client = CASE WHEN tickets_ticket.replies_count > 0
    THEN {LATEST_REPLY.format(column="author_contact_id")} IS NOT NULL
    ELSE tickets_ticket.creator_id IS NULL END
WHERE id >= %s AND id < %s AND last_message_preview = ''
"""  # noqa: S608 (made of the constants above only)


def add_columns(apps, schema_editor):
    """ALTER TABLE ADD COLUMN with the database default, on both databases: Django's SQLite
    backend would copy the whole table instead, which its search triggers refuse."""
    false = "false" if schema_editor.connection.vendor == "postgresql" else "0"
    schema_editor.execute(
        "ALTER TABLE tickets_ticket ADD COLUMN last_message_preview varchar(200) "
        "NOT NULL DEFAULT ''"
    )
    schema_editor.execute(
        "ALTER TABLE tickets_ticket ADD COLUMN last_message_from_client boolean "
        f"NOT NULL DEFAULT {false}"
    )


def drop_columns(apps, schema_editor):
    schema_editor.execute("ALTER TABLE tickets_ticket DROP COLUMN last_message_preview")
    schema_editor.execute("ALTER TABLE tickets_ticket DROP COLUMN last_message_from_client")


# Past this many tickets the migration leaves the columns empty and says to run
# `manage.py fill_message_previews`: on a million tickets filling them takes about ten
# minutes, too long to hold every ticket's row lock in the migration's transaction.
LARGE_DATABASE = 200_000


def fill_previews(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id), COUNT(*) FROM tickets_ticket")
        lowest, highest, count = cursor.fetchone()
        if lowest is None:
            return
        if count > LARGE_DATABASE:
            print(
                f"\n  {count:,} tickets: run `manage.py fill_message_previews` to fill the "
                "queue's latest messages (the helpdesk works meanwhile; rows show none yet)."
            )
            return
        for start in range(lowest, highest + 1, BATCH):
            cursor.execute(FILL, [start, start + BATCH])


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0017_idempotency_keys_and_hidden_terms"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="ticket",
                    name="last_message_preview",
                    field=models.CharField(blank=True, db_default="", default="", max_length=200),
                ),
                migrations.AddField(
                    model_name="ticket",
                    name="last_message_from_client",
                    field=models.BooleanField(db_default=False, default=False),
                ),
            ],
            database_operations=[migrations.RunPython(add_columns, drop_columns)],
        ),
        migrations.RunPython(fill_previews, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["waiting_since", "id"], name="ticket_waiting_sort_idx"),
        ),
        migrations.CreateModel(
            name="TicketVisit",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("visited_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "agent",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="visits",
                        to="tickets.ticket",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("ticket", "agent"), name="ticket_visit_once_per_agent"
                    )
                ],
            },
        ),
    ]
