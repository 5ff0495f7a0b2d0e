"""Idempotency keys of the APIs (helpdesk/idempotency.py), and the terms of the hidden
tickets (TicketHiddenSearchTerm, tickets.search.hidden_count).

The hidden tickets' terms are kept by statement-level triggers, in the same transaction as
every write, whoever makes it: a term added or removed (migration 0006's triggers keep the
terms) is mirrored when its ticket is spam or archived, and a ticket becoming hidden adds its
terms, becoming visible again removes them, and changing between spam and archived updates
them. A deleted ticket's terms go by cascade, and their mirror with them. PostgreSQL only:
on SQLite the table stays empty, as the terms' does.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

TERMS = "tickets_ticketsearchterm"
HIDDEN_TERMS = "tickets_tickethiddensearchterm"
HIDDEN = "({t}.is_spam OR {t}.active_state <> 'active')"

FUNCTIONS = {
    "tickets_hidden_terms_added": f"""
  INSERT INTO {HIDDEN_TERMS} (term, ticket_id, is_spam, active_state)
  SELECT n.term, n.ticket_id, t.is_spam, t.active_state
  FROM inserted AS n JOIN tickets_ticket AS t ON t.id = n.ticket_id
  WHERE {HIDDEN.format(t="t")}
  ON CONFLICT DO NOTHING;""",  # noqa: S608 (constants only)
    "tickets_hidden_terms_removed": f"""
  DELETE FROM {HIDDEN_TERMS} AS h USING deleted AS o
  WHERE h.term = o.term AND h.ticket_id = o.ticket_id;""",  # noqa: S608 (constants only)
    "tickets_hidden_terms_ticket_updated": f"""
  IF NOT EXISTS (
    SELECT 1 FROM before AS b JOIN after AS a USING (id)
    WHERE (b.is_spam, b.active_state) IS DISTINCT FROM (a.is_spam, a.active_state)
  ) THEN
    RETURN NULL;
  END IF;
  DELETE FROM {HIDDEN_TERMS} AS h USING before AS b JOIN after AS a USING (id)
  WHERE h.ticket_id = a.id AND {HIDDEN.format(t="b")} AND NOT {HIDDEN.format(t="a")};
  UPDATE {HIDDEN_TERMS} AS h SET is_spam = a.is_spam, active_state = a.active_state
  FROM before AS b JOIN after AS a USING (id)
  WHERE h.ticket_id = a.id AND {HIDDEN.format(t="b")} AND {HIDDEN.format(t="a")}
  AND (b.is_spam, b.active_state) IS DISTINCT FROM (a.is_spam, a.active_state);
  INSERT INTO {HIDDEN_TERMS} (term, ticket_id, is_spam, active_state)
  SELECT s.term, s.ticket_id, a.is_spam, a.active_state
  FROM before AS b JOIN after AS a USING (id) JOIN {TERMS} AS s ON s.ticket_id = a.id
  WHERE NOT {HIDDEN.format(t="b")} AND {HIDDEN.format(t="a")}
  ON CONFLICT DO NOTHING;""",  # noqa: S608 (constants only)
}

# (trigger and function name, table, event, transition tables)
TRIGGERS = [
    ("tickets_hidden_terms_added", TERMS, "INSERT", "NEW TABLE AS inserted"),
    ("tickets_hidden_terms_removed", TERMS, "DELETE", "OLD TABLE AS deleted"),
    (
        "tickets_hidden_terms_ticket_updated",
        "tickets_ticket",
        "UPDATE",
        "OLD TABLE AS before NEW TABLE AS after",
    ),
]

BACKFILL = f"""
SET LOCAL statement_timeout = 0;
INSERT INTO {HIDDEN_TERMS} (term, ticket_id, is_spam, active_state)
SELECT s.term, s.ticket_id, t.is_spam, t.active_state
FROM {TERMS} AS s JOIN tickets_ticket AS t ON t.id = s.ticket_id
WHERE {HIDDEN.format(t="t")};
ANALYZE {HIDDEN_TERMS};"""  # noqa: S608 (constants only)

CREATE_TRIGGERS = (
    "".join(
        f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{body}
  RETURN NULL;
END $$;"""
        for name, body in FUNCTIONS.items()
    )
    + "".join(
        f"""
CREATE TRIGGER {name} AFTER {event} ON {table}
  REFERENCING {transitions} FOR EACH STATEMENT EXECUTE FUNCTION {name}();"""
        for name, table, event, transitions in TRIGGERS
    )
    + BACKFILL
)

DROP_TRIGGERS = (
    "".join(f"\nDROP TRIGGER {name} ON {table};" for name, table, _, _ in TRIGGERS)
    + "".join(f"\nDROP FUNCTION {name}();" for name in FUNCTIONS)
    + f"\nDELETE FROM {HIDDEN_TERMS};"
)


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGERS)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGERS)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0016_sla"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="IdempotencyKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=255)),
                ("method", models.CharField(max_length=10)),
                ("path", models.CharField(max_length=2000)),
                (
                    "request_hash",
                    models.CharField(help_text="SHA-256 of the request's body.", max_length=64),
                ),
                ("response_status", models.PositiveSmallIntegerField()),
                ("response_body", models.JSONField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="idempotency_keys",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "idempotency key",
                "indexes": [
                    models.Index(fields=["created_at"], name="idempotency_key_created_idx")
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("user", "key"), name="idempotency_key_unique")
                ],
            },
        ),
        migrations.CreateModel(
            name="TicketHiddenSearchTerm",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "term",
                        "ticket",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("term", models.TextField()),
                ("is_spam", models.BooleanField()),
                ("active_state", models.CharField(max_length=10)),
                (
                    "ticket",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="tickets.ticket",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["ticket"], name="ticket_hidden_term_ticket_idx")],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
