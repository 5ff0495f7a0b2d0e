"""The Administrator role manages webhooks (tickets/permissions.py): the roles made by
migration tickets 0012 are completed with this app's permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from tickets.permissions import create_roles


def forwards(apps, schema_editor):
    using = schema_editor.connection.alias
    # Permissions are otherwise created after the last migration (post_migrate).
    for app_label in ("tickets", "mail", "webhooks"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
        app_config.models_module = None
    create_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), using)


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("tickets", "0012_roles"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
