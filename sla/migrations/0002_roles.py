"""The Administrator role manages the business calendars and the SLA policies
(tickets/permissions.py): its group gets their model permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from tickets.permissions import create_roles


def forwards(apps, schema_editor):
    using = schema_editor.connection.alias
    # Permissions are otherwise created after the last migration (post_migrate).
    app_config = apps.get_app_config("sla")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None
    create_roles(
        apps.get_model("auth", "Group"),
        apps.get_model("auth", "Permission"),
        using,
        app_labels=frozenset({"sla"}),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0001_initial"),
        ("tickets", "0012_roles"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
