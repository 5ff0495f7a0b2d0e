"""The table of the `ratelimit` cache (helpdesk/settings.py CACHES): without Redis, the
API's and the portal's rate limits are counted there, so that every worker shares them.

Made here rather than by `manage.py createcachetable`, so that `migrate` (which every
install and test database runs) is all it takes. The name is written out, not read from
the settings: a migration must make the same table whatever the settings say.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "helpdesk_rate_limits"


def create_table(apps, schema_editor):
    # Django's own command, so that the table is exactly what DatabaseCache expects; it
    # does nothing when the table exists (made by createcachetable before this migration).
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(create_table, drop_table, elidable=False)]
