"""TicketWorkloadCount and TicketTagCount and, on PostgreSQL, the triggers that keep them
exact (see their docstrings; built as migration 0004 builds TicketCount's); and the
partial index of the hidden tickets that counts a search among the others
(tickets.search.hidden_count)."""

from django.db import migrations, models

WORKLOAD = "assignee_id, team_id, replies_count, active_state, is_spam"
# The counted columns of a ticket row; "unassigned" and "no team" are counted as 0.
WORKLOAD_ROW = (
    "COALESCE({t}assignee_id, 0) AS assignee_id, COALESCE({t}team_id, 0) AS team_id, "
    "{t}replies_count, {t}active_state, {t}is_spam"
)
WORKLOAD_OF_B = ", ".join(f"b.{name}" for name in WORKLOAD.split(", "))
WORKLOAD_OF_A = ", ".join(f"a.{name}" for name in WORKLOAD.split(", "))
TAGGED = "tag_id, active_state, is_spam"


def _upsert(table: str, columns: str, rows: str) -> str:
    """Add the `change` of each combination in `rows` to its count, in one order (so that
    two transactions moving tickets between the same combinations wait, not deadlock)."""
    groups = ", ".join(str(n) for n in range(1, len(columns.split(", ")) + 1))
    return f"""
  INSERT INTO {table} ({columns}, count)
  SELECT {columns}, sum(change) FROM ({rows}) AS moved
  GROUP BY {groups} HAVING sum(change) <> 0 ORDER BY {groups}
  ON CONFLICT ({columns})
  DO UPDATE SET count = {table}.count + EXCLUDED.count;"""  # noqa: S608 (constants only)


def _function(name: str, body: str) -> str:
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{body}
  RETURN NULL;
END $$;
"""


def _workload(transition: str, change: int) -> str:
    row = WORKLOAD_ROW.format(t="")
    return f"SELECT {row}, {change} AS change FROM {transition}"  # noqa: S608


# The workload counts: as TicketCount's (statement-level triggers with transition tables;
# an UPDATE moves only the rows whose counted columns changed).
WORKLOAD_MOVED = f"""
    SELECT {WORKLOAD_ROW.format(t="b.")}, -1 AS change
    FROM before AS b JOIN after AS a USING (id)
    WHERE ({WORKLOAD_OF_B}) IS DISTINCT FROM ({WORKLOAD_OF_A})
    UNION ALL
    SELECT {WORKLOAD_ROW.format(t="a.")}, 1
    FROM before AS b JOIN after AS a USING (id)
    WHERE ({WORKLOAD_OF_B}) IS DISTINCT FROM ({WORKLOAD_OF_A})"""  # noqa: S608

# The tag counts: a (tag, ticket) pair is counted once both rows exist, by the trigger of
# whichever comes second (the foreign keys are checked at commit, so either may be
# written first), and uncounted when the first of them goes. A ticket whose state or
# spam flag changes moves its tags' counts.
TAG_ROWS_OF_TICKETS = """
    SELECT g.tag_id, t.active_state, t.is_spam, {change} AS change
    FROM {tickets} AS t JOIN tickets_taggedticket AS g ON g.content_object_id = t.id"""
TICKETS_OF_TAG_ROWS = """
    SELECT g.tag_id, t.active_state, t.is_spam, {change} AS change
    FROM {tagged} AS g JOIN tickets_ticket AS t ON t.id = g.content_object_id"""
TAGS_MOVED = """
    SELECT g.tag_id, b.active_state, b.is_spam, -1 AS change
    FROM before AS b JOIN after AS a USING (id)
    JOIN tickets_taggedticket AS g ON g.content_object_id = a.id
    WHERE (b.active_state, b.is_spam) IS DISTINCT FROM (a.active_state, a.is_spam)
    UNION ALL
    SELECT g.tag_id, a.active_state, a.is_spam, 1
    FROM before AS b JOIN after AS a USING (id)
    JOIN tickets_taggedticket AS g ON g.content_object_id = a.id
    WHERE (b.active_state, b.is_spam) IS DISTINCT FROM (a.active_state, a.is_spam)"""

WORKLOAD_TABLE = "tickets_ticketworkloadcount"
TAG_TABLE = "tickets_tickettagcount"

FUNCTIONS = {
    "tickets_workload_inserted": _upsert(WORKLOAD_TABLE, WORKLOAD, _workload("inserted", 1)),
    "tickets_workload_deleted": _upsert(WORKLOAD_TABLE, WORKLOAD, _workload("deleted", -1)),
    "tickets_workload_updated": _upsert(WORKLOAD_TABLE, WORKLOAD, WORKLOAD_MOVED),
    "tickets_tags_ticket_inserted": _upsert(
        TAG_TABLE, TAGGED, TAG_ROWS_OF_TICKETS.format(tickets="inserted", change=1)
    ),
    "tickets_tags_ticket_deleted": _upsert(
        TAG_TABLE, TAGGED, TAG_ROWS_OF_TICKETS.format(tickets="deleted", change=-1)
    ),
    "tickets_tags_ticket_updated": _upsert(TAG_TABLE, TAGGED, TAGS_MOVED),
    "tickets_tags_tagged": _upsert(
        TAG_TABLE, TAGGED, TICKETS_OF_TAG_ROWS.format(tagged="inserted", change=1)
    ),
    "tickets_tags_untagged": _upsert(
        TAG_TABLE, TAGGED, TICKETS_OF_TAG_ROWS.format(tagged="deleted", change=-1)
    ),
    "tickets_tags_retagged": _upsert(
        TAG_TABLE,
        TAGGED,
        TICKETS_OF_TAG_ROWS.format(tagged="before", change=-1)
        + "\n    UNION ALL"
        + TICKETS_OF_TAG_ROWS.format(tagged="after", change=1),
    ),
}

# (trigger and function name, table, event, transition tables)
TRIGGERS = [
    ("tickets_workload_inserted", "tickets_ticket", "INSERT", "NEW TABLE AS inserted"),
    ("tickets_workload_deleted", "tickets_ticket", "DELETE", "OLD TABLE AS deleted"),
    (
        "tickets_workload_updated",
        "tickets_ticket",
        "UPDATE",
        "OLD TABLE AS before NEW TABLE AS after",
    ),
    ("tickets_tags_ticket_inserted", "tickets_ticket", "INSERT", "NEW TABLE AS inserted"),
    ("tickets_tags_ticket_deleted", "tickets_ticket", "DELETE", "OLD TABLE AS deleted"),
    (
        "tickets_tags_ticket_updated",
        "tickets_ticket",
        "UPDATE",
        "OLD TABLE AS before NEW TABLE AS after",
    ),
    ("tickets_tags_tagged", "tickets_taggedticket", "INSERT", "NEW TABLE AS inserted"),
    ("tickets_tags_untagged", "tickets_taggedticket", "DELETE", "OLD TABLE AS deleted"),
    (
        "tickets_tags_retagged",
        "tickets_taggedticket",
        "UPDATE",
        "OLD TABLE AS before NEW TABLE AS after",
    ),
]

BACKFILL = _upsert(WORKLOAD_TABLE, WORKLOAD, _workload("tickets_ticket", 1)) + _upsert(
    TAG_TABLE, TAGGED, TICKETS_OF_TAG_ROWS.format(tagged="tickets_taggedticket", change=1)
)

CREATE_TRIGGERS = (
    "".join(_function(name, body) for name, body in FUNCTIONS.items())
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
    + f"\nDELETE FROM {WORKLOAD_TABLE};\nDELETE FROM {TAG_TABLE};"
)


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGERS)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGERS)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0012_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="TicketTagCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("tag_id", models.BigIntegerField()),
                ("active_state", models.CharField(max_length=10)),
                ("is_spam", models.BooleanField()),
                ("count", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tag_id", "active_state", "is_spam"),
                        name="ticket_tag_count_one_row_per_combination",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="TicketWorkloadCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("assignee_id", models.BigIntegerField()),
                ("team_id", models.BigIntegerField()),
                ("replies_count", models.PositiveIntegerField()),
                ("active_state", models.CharField(max_length=10)),
                ("is_spam", models.BooleanField()),
                ("count", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=(
                            "assignee_id",
                            "team_id",
                            "replies_count",
                            "active_state",
                            "is_spam",
                        ),
                        name="ticket_workload_count_one_row_per_combination",
                    )
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(
                    ("is_spam", True),
                    models.Q(("active_state", "active"), _negated=True),
                    _connector="OR",
                ),
                fields=["id"],
                include=("is_spam", "active_state"),
                name="ticket_hidden_idx",
            ),
        ),
    ]
