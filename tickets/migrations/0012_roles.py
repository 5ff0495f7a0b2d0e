"""The role groups Agent, Supervisor and Administrator with their model permissions
(tickets/permissions.py). Idempotent: an existing group is given the permissions it lacks
and keeps any an administrator added. Reversing deletes the three groups."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from tickets.permissions import create_roles, delete_roles


def forwards(apps, schema_editor):
    using = schema_editor.connection.alias
    # Permissions are otherwise created after the last migration (post_migrate): on a new
    # database they do not exist yet.
    for app_label in ("tickets", "mail"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
        app_config.models_module = None
    create_roles(
        apps.get_model("auth", "Group"),
        apps.get_model("auth", "Permission"),
        using,
        # The apps migrated by now; later apps give their own (sla 0002).
        app_labels=frozenset({"tickets", "mail"}),
    )


def backwards(apps, schema_editor):
    delete_roles(apps.get_model("auth", "Group"), schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0011_archived_created_index"),
        ("mail", "0002_mailbox_imap_lease"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
