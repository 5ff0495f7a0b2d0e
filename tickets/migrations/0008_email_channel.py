"""The email channel: which mailbox a ticket came through, the Message-IDs that thread
mail, client email domains, bouncing contacts, and agents' notification settings."""

import importlib

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models

# SQLite remakes tables to alter them, which the search triggers of 0007 forbid: they are
# dropped first and made again (with the table, refilled) after.
search = importlib.import_module("tickets.migrations.0007_sqlite_search")


def analyze_message_ids(apps, schema_editor):
    """PostgreSQL knows nothing yet of the new columns: without statistics it would plan
    the threading's lookups as if thousands of rows matched."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE tickets_ticket (message_id)")
        schema_editor.execute("ANALYZE tickets_reply (message_id)")


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0001_initial"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("tickets", "0007_sqlite_search"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(search.drop_search_table, search.create_search_table),
        migrations.CreateModel(
            name="ClientDomain",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "domain",
                    models.CharField(
                        help_text="Such as example.com, in lower case.", max_length=253, unique=True
                    ),
                ),
            ],
            options={
                "ordering": ["domain"],
            },
        ),
        migrations.CreateModel(
            name="NotificationSettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "on_assignment",
                    models.BooleanField(
                        default=True,
                        help_text="By someone else.",
                        verbose_name="a ticket is assigned to me",
                    ),
                ),
                (
                    "on_client_reply",
                    models.BooleanField(
                        default=True,
                        help_text="To a ticket assigned to me, or, when nobody is, to one of a mailbox I watch.",
                        verbose_name="a client replies by email",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "notification settings",
            },
        ),
        migrations.AddField(
            model_name="contact",
            name="bounced_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When mail to this address last bounced; cleared when it writes to us again.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="reply",
            name="message_id",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="The email's Message-ID: the one received, or the one our email carries.",
                max_length=998,
                verbose_name="Message-ID",
            ),
        ),
        migrations.AddField(
            model_name="ticket",
            name="mailbox",
            field=models.ForeignKey(
                blank=True,
                help_text="The mailbox the ticket came through; mail about it is sent from there.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="tickets",
                to="mail.mailbox",
            ),
        ),
        migrations.AddField(
            model_name="ticket",
            name="message_id",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="The Message-ID of the email that opened the ticket.",
                max_length=998,
                verbose_name="Message-ID",
            ),
        ),
        migrations.AlterField(
            model_name="ticketevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("status_changed", "Status changed"),
                    ("priority_changed", "Priority changed"),
                    ("assigned", "Assigned"),
                    ("team_changed", "Team changed"),
                    ("department_changed", "Department changed"),
                    ("client_changed", "Client changed"),
                    ("project_changed", "Project changed"),
                    ("requester_changed", "Requester changed"),
                    ("cc_changed", "CC changed"),
                    ("subject_changed", "Subject changed"),
                    ("message_changed", "Message changed"),
                    ("due_date_changed", "Due date changed"),
                    ("tags_changed", "Tags changed"),
                    ("archived", "Archived"),
                    ("restored", "Restored"),
                    ("spam_marked", "Marked as spam"),
                    ("spam_unmarked", "Unmarked as spam"),
                    ("reply_added", "Reply added"),
                    ("note_added", "Note added"),
                    ("reply_deleted", "Reply deleted"),
                    ("custom_field_changed", "Custom field changed"),
                    ("rated", "Rated"),
                    ("sticky_note_added", "Sticky note added"),
                    ("sticky_note_changed", "Sticky note changed"),
                    ("sticky_note_removed", "Sticky note removed"),
                    ("email_bounced", "Email bounced"),
                ],
                max_length=30,
            ),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                django.db.models.functions.text.Upper("email"), name="contact_email_upper_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="reply",
            index=models.Index(
                condition=models.Q(("message_id", ""), _negated=True),
                fields=["message_id"],
                name="reply_message_id_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("message_id", ""), _negated=True),
                fields=["message_id"],
                name="ticket_message_id_idx",
            ),
        ),
        migrations.AddField(
            model_name="clientdomain",
            name="client",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="email_domains",
                to="tickets.client",
            ),
        ),
        migrations.AddField(
            model_name="notificationsettings",
            name="agent",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notification_settings",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="clientdomain",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("domain", django.db.models.functions.text.Lower("domain")),
                    models.Q(("domain", ""), _negated=True),
                ),
                name="client_domain_lower_case",
                violation_error_message="The domain must be in lower case.",
            ),
        ),
        migrations.RunPython(analyze_message_ids, migrations.RunPython.noop),
        migrations.RunPython(search.create_search_table, search.drop_search_table),
    ]
