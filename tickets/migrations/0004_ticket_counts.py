"""TicketCount and, on PostgreSQL, the triggers that keep it exact (see its docstring)."""

from django.db import migrations, models

DIMENSIONS = "status_id, priority, department_id, client_id, project_id, active_state, is_spam"
# The counted columns of a ticket row; "no project" is counted as project 0.
ROW = (
    "status_id, priority, department_id, client_id, COALESCE(project_id, 0), active_state, is_spam"
)

COLUMNS_OF_B = ", ".join(f"b.{name}" for name in DIMENSIONS.split(", "))
COLUMNS_OF_A = ", ".join(f"a.{name}" for name in DIMENSIONS.split(", "))

# Statement-level triggers with transition tables: a statement that writes many tickets
# (COPY, a bulk update, a cascade) changes each combination's row once, not once per
# ticket. An UPDATE only counts the rows whose counted columns changed. Rows are
# written in one order (ORDER BY), so two transactions moving tickets between the same
# two combinations wait for each other instead of deadlocking.
CREATE_TRIGGERS = f"""
CREATE FUNCTION tickets_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tickets_ticketcount ({DIMENSIONS}, count)
  SELECT {ROW}, count(*) FROM inserted
  GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT ({DIMENSIONS})
  DO UPDATE SET count = tickets_ticketcount.count + EXCLUDED.count;
  RETURN NULL;
END $$;

CREATE FUNCTION tickets_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tickets_ticketcount ({DIMENSIONS}, count)
  SELECT {ROW}, -count(*) FROM deleted
  GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT ({DIMENSIONS})
  DO UPDATE SET count = tickets_ticketcount.count + EXCLUDED.count;
  RETURN NULL;
END $$;

CREATE FUNCTION tickets_count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH moved AS (
    SELECT b.status_id, b.priority, b.department_id, b.client_id,
           COALESCE(b.project_id, 0) AS project_id, b.active_state, b.is_spam, -1 AS change
    FROM before AS b JOIN after AS a USING (id)
    WHERE ({COLUMNS_OF_B}) IS DISTINCT FROM ({COLUMNS_OF_A})
    UNION ALL
    SELECT a.status_id, a.priority, a.department_id, a.client_id,
           COALESCE(a.project_id, 0), a.active_state, a.is_spam, 1
    FROM before AS b JOIN after AS a USING (id)
    WHERE ({COLUMNS_OF_B}) IS DISTINCT FROM ({COLUMNS_OF_A})
  )
  INSERT INTO tickets_ticketcount ({DIMENSIONS}, count)
  SELECT {DIMENSIONS}, sum(change) FROM moved
  GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT ({DIMENSIONS})
  DO UPDATE SET count = tickets_ticketcount.count + EXCLUDED.count;
  RETURN NULL;
END $$;

CREATE TRIGGER tickets_count_inserted AFTER INSERT ON tickets_ticket
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION tickets_count_inserted();
CREATE TRIGGER tickets_count_deleted AFTER DELETE ON tickets_ticket
  REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION tickets_count_deleted();
CREATE TRIGGER tickets_count_updated AFTER UPDATE ON tickets_ticket
  REFERENCING OLD TABLE AS before NEW TABLE AS after
  FOR EACH STATEMENT EXECUTE FUNCTION tickets_count_updated();

INSERT INTO tickets_ticketcount ({DIMENSIONS}, count)
SELECT {ROW}, count(*) FROM tickets_ticket GROUP BY 1, 2, 3, 4, 5, 6, 7;
"""  # noqa: S608 (made of the constants above only)

DROP_TRIGGERS = """
DROP TRIGGER tickets_count_inserted ON tickets_ticket;
DROP TRIGGER tickets_count_deleted ON tickets_ticket;
DROP TRIGGER tickets_count_updated ON tickets_ticket;
DROP FUNCTION tickets_count_inserted();
DROP FUNCTION tickets_count_deleted();
DROP FUNCTION tickets_count_updated();
DELETE FROM tickets_ticketcount;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGERS)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGERS)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0003_productivity"),
    ]

    operations = [
        migrations.CreateModel(
            name="TicketCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("status_id", models.BigIntegerField()),
                ("priority", models.PositiveSmallIntegerField()),
                ("department_id", models.BigIntegerField()),
                ("client_id", models.BigIntegerField()),
                ("project_id", models.BigIntegerField()),
                ("active_state", models.CharField(max_length=10)),
                ("is_spam", models.BooleanField()),
                ("count", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=(
                            "status_id",
                            "priority",
                            "department_id",
                            "client_id",
                            "project_id",
                            "active_state",
                            "is_spam",
                        ),
                        name="ticket_count_one_row_per_combination",
                    )
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
