# Macros (the actions of canned responses), the workspace notifications (mentions, client replies) and the choice of mention emails.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0018_queue_previews_visits"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Notification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("mention", "mentioned you"), ("client_reply", "client replied")],
                        max_length=20,
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("read_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.AddField(
            model_name="cannedresponse",
            name="add_tags",
            field=models.JSONField(blank=True, default=list, verbose_name="then add tags"),
        ),
        migrations.AddField(
            model_name="cannedresponse",
            name="assign",
            field=models.CharField(
                blank=True,
                choices=[
                    ("me", "to the agent who sends it"),
                    ("nobody", "to nobody (unassign)"),
                    ("agent", "to an agent"),
                ],
                default="",
                max_length=10,
                verbose_name="then assign",
            ),
        ),
        migrations.AddField(
            model_name="cannedresponse",
            name="assignee",
            field=models.ForeignKey(
                blank=True,
                help_text="The agent, when “then assign” is “to an agent”.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="cannedresponse",
            name="remove_tags",
            field=models.JSONField(blank=True, default=list, verbose_name="then remove tags"),
        ),
        migrations.AddField(
            model_name="cannedresponse",
            name="set_priority",
            field=models.PositiveSmallIntegerField(
                blank=True,
                choices=[(1, "Normal"), (2, "High"), (3, "Urgent")],
                null=True,
                verbose_name="then set priority",
            ),
        ),
        migrations.AddField(
            model_name="cannedresponse",
            name="set_status",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="tickets.ticketstatus",
                verbose_name="then set status",
            ),
        ),
        migrations.AddField(
            model_name="cannedresponse",
            name="set_team",
            field=models.CharField(
                blank=True,
                choices=[("none", "no team"), ("team", "to a team")],
                default="",
                max_length=10,
                verbose_name="then set team",
            ),
        ),
        migrations.AddField(
            model_name="cannedresponse",
            name="team",
            field=models.ForeignKey(
                blank=True,
                help_text="The team, when “then set team” is “to a team”.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="tickets.team",
            ),
        ),
        migrations.AddField(
            model_name="notificationsettings",
            name="on_mention",
            field=models.BooleanField(
                default=True,
                help_text="By writing @ and my username; the bell shows it either way.",
                verbose_name="a colleague mentions me in a note",
            ),
        ),
        migrations.AddConstraint(
            model_name="cannedresponse",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("assign", "agent"), ("assignee__isnull", True), _connector="OR"
                ),
                name="canned_assignee_only_for_agent",
            ),
        ),
        migrations.AddConstraint(
            model_name="cannedresponse",
            constraint=models.CheckConstraint(
                condition=models.Q(("set_team", "team"), ("team__isnull", True), _connector="OR"),
                name="canned_team_only_for_team",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="recipient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="reply",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to="tickets.reply",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="ticket",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to="tickets.ticket",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("read_at__isnull", True)),
                fields=["recipient", "-created_at", "-id"],
                name="notif_unread_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("read_at__isnull", True)),
                fields=["ticket", "recipient"],
                name="notif_unread_ticket_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                fields=("reply", "recipient", "kind"), name="notification_once_per_reply"
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["mention", "client_reply"])),
                name="notification_kind_valid",
            ),
        ),
    ]
