"""Status categories (open, pending, solved), the portal as a ticket source, and the import
channel of the history."""

import importlib

from django.conf import settings
from django.db import migrations, models

# SQLite remakes the ticket table to change its constraint: see 0008.
search = importlib.import_module("tickets.migrations.0007_sqlite_search")

# The fixed statuses' categories (tickets.statuses.CATEGORIES at the time).
FIXED_CATEGORIES = {1: "open", 2: "solved", 3: "pending", 4: "pending", 5: "open"}


def set_categories(apps, schema_editor):
    """The fixed statuses get theirs; a status of an administrator's is solved when it is
    closed, else open (they may change it)."""
    TicketStatus = apps.get_model("tickets", "TicketStatus")
    for status in TicketStatus.objects.all():
        status.category = FIXED_CATEGORIES.get(status.pk, "solved" if status.is_closed else "open")
        status.save(update_fields=["category"])


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0002_mailbox_imap_lease"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("tickets", "0008_email_channel"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(search.drop_search_table, search.create_search_table),
        migrations.RemoveConstraint(
            model_name="ticket",
            name="ticket_source_valid",
        ),
        migrations.AddField(
            model_name="ticketstatus",
            name="category",
            field=models.CharField(
                choices=[("open", "Open"), ("pending", "Pending"), ("solved", "Solved")],
                default="open",
                help_text="Open: we have to act. Pending: waiting for the client or someone else. Solved: done (a closed status always is).",
                max_length=10,
            ),
        ),
        migrations.RunPython(set_categories, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="reply",
            name="source",
            field=models.CharField(
                choices=[("web", "Web"), ("email", "Email"), ("api", "API"), ("portal", "Portal")],
                default="web",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="ticket",
            name="source",
            field=models.CharField(
                choices=[("web", "Web"), ("email", "Email"), ("api", "API"), ("portal", "Portal")],
                default="web",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="ticketevent",
            name="channel",
            field=models.CharField(
                choices=[
                    ("web", "Web"),
                    ("api", "API"),
                    ("admin", "Admin"),
                    ("email", "Email"),
                    ("import", "Import"),
                    ("system", "System"),
                ],
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="ticket",
            constraint=models.CheckConstraint(
                condition=models.Q(("source__in", ["web", "email", "api", "portal"])),
                name="ticket_source_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="ticketstatus",
            constraint=models.CheckConstraint(
                condition=models.Q(("category__in", ["open", "pending", "solved"])),
                name="status_category_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="ticketstatus",
            constraint=models.CheckConstraint(
                condition=models.Q(("is_closed", False), ("category", "solved"), _connector="OR"),
                name="status_closed_is_solved",
                violation_error_message="A closed status is in the category solved.",
            ),
        ),
        migrations.RunPython(search.create_search_table, search.drop_search_table),
    ]
