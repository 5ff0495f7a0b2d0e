from django.db import migrations, models
from django.db.models.functions import Coalesce


def fill_waiting_since(apps, schema_editor):
    """A ticket in a status of the category open has waited since it entered that status
    (its creation when it never changed), which is what the services keep from now on."""
    ticket_model = apps.get_model("tickets", "Ticket")
    ticket_model.objects.using(schema_editor.connection.alias).filter(
        status__category="open"
    ).update(waiting_since=Coalesce("status_changed_at", "created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0015_event_rule"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="waiting_since",
            field=models.DateTimeField(blank=True, null=True, verbose_name="waiting for us since"),
        ),
        migrations.RunPython(fill_waiting_since, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("waiting_since__isnull", False)),
                fields=["waiting_since"],
                name="ticket_waiting_since_idx",
            ),
        ),
    ]
