"""TicketSearchDocument and TicketSearchTerm and, on PostgreSQL, the triggers that keep them.

A ticket's document is its subject, opening message and every reply and note (in id
order) as one `english` text vector; its terms are the document's distinct lexemes.
Statement-level triggers with transition tables keep both exact in the same transaction
as every write to tickets and replies, whoever makes it (the services, the admin, a
cascade, seed_demo's COPY), as migration 0004 does for TicketCount.

The foreign keys of both tables are declared here, ON DELETE CASCADE (see
TicketSearchDocument). The GIN expression indexes of migration 0002 are dropped: every
search now reads the documents.
"""

import importlib

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

DOCUMENTS = "tickets_ticketsearchdocument"
TERMS = "tickets_ticketsearchterm"

# A tsvector holds at most 1 MB. A conversation of this many characters stays well under
# it whatever its words (each distinct word of n characters takes at most about 4n bytes).
SHORT_CONVERSATION = 200_000

# A conversation's search vector. One whose distinct words overflow a tsvector (pasted
# logs, say) is indexed on its first SHORT_CONVERSATION characters, rather than refusing
# the reply or the edit that made it that long.
VECTOR_FUNCTION = f"""
CREATE FUNCTION tickets_search_vector(conversation text) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  RETURN to_tsvector('english', conversation);
EXCEPTION WHEN program_limit_exceeded THEN
  RETURN to_tsvector('english', left(conversation, {SHORT_CONVERSATION}));
END $$;
"""

# A ticket's document. The replies' texts are aggregated in id order; rebuilding and
# appending (see tickets_search_replies_inserted) give the same lexemes, and positions
# that differ only across the boundaries between texts.
DOCUMENT_OF_T = """tickets_search_vector(t.subject || ' ' || t.message || COALESCE(' ' || (
    SELECT string_agg(r.text, ' ' ORDER BY r.id) FROM tickets_reply AS r WHERE r.ticket_id = t.id
  ), ''))"""

# Each function starts by locking the documents it will replace, in ticket order: a
# rebuild then reads the replies in a snapshot taken after any concurrent change to the
# same tickets has committed (PL/pgSQL takes a new snapshot per statement), and two
# statements writing the same tickets wait for each other instead of deadlocking.
CREATE_TRIGGERS = f"""
CREATE FUNCTION tickets_search_rebuild(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(ids) = 0 THEN
    RETURN;
  END IF;
  PERFORM 1 FROM {DOCUMENTS} WHERE ticket_id = ANY (ids) ORDER BY ticket_id FOR UPDATE;
  INSERT INTO {DOCUMENTS} (ticket_id, document)
  SELECT t.id, {DOCUMENT_OF_T} FROM tickets_ticket AS t WHERE t.id = ANY (ids) ORDER BY t.id
  ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document;
  DELETE FROM {TERMS} WHERE ticket_id = ANY (ids);
  INSERT INTO {TERMS} (term, ticket_id)
  SELECT lexeme, d.ticket_id FROM {DOCUMENTS} AS d, unnest(tsvector_to_array(d.document)) AS lexeme
  WHERE d.ticket_id = ANY (ids);
END $$;

CREATE FUNCTION tickets_search_tickets_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM tickets_search_rebuild(ARRAY(SELECT id FROM inserted));
  RETURN NULL;
END $$;

CREATE FUNCTION tickets_search_tickets_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM tickets_search_rebuild(ARRAY(
    SELECT a.id FROM before AS b JOIN after AS a USING (id)
    WHERE (b.subject, b.message) IS DISTINCT FROM (a.subject, a.message)
  ));
  RETURN NULL;
END $$;

-- A new reply only adds words: its vector is appended to the document and its lexemes
-- are added to the terms, much cheaper than a rebuild on a long conversation, and the
-- same lexemes as a rebuild as long as the conversation cannot overflow a vector (up to
-- {SHORT_CONVERSATION:,} characters, see tickets_search_vector). Longer ones are rebuilt.
-- The upsert waits for a concurrent rebuild of the same ticket and appends to its result.
CREATE FUNCTION tickets_search_replies_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  long_ids bigint[];
BEGIN
  PERFORM 1 FROM {DOCUMENTS} WHERE ticket_id IN (SELECT ticket_id FROM inserted)
  ORDER BY ticket_id FOR UPDATE;
  long_ids := ARRAY(
    SELECT t.id FROM tickets_ticket AS t
    WHERE t.id IN (SELECT ticket_id FROM inserted)
    AND length(t.subject) + length(t.message) + (
      SELECT sum(length(r.text) + 1) FROM tickets_reply AS r WHERE r.ticket_id = t.id
    ) > {SHORT_CONVERSATION}
  );
  PERFORM tickets_search_rebuild(long_ids);
  INSERT INTO {DOCUMENTS} AS d (ticket_id, document)
  SELECT ticket_id, to_tsvector('english', string_agg(text, ' ' ORDER BY id))
  FROM inserted WHERE ticket_id <> ALL (long_ids) GROUP BY ticket_id ORDER BY ticket_id
  ON CONFLICT (ticket_id) DO UPDATE SET document = d.document || EXCLUDED.document;
  INSERT INTO {TERMS} (term, ticket_id)
  SELECT DISTINCT lexeme, ticket_id
  FROM inserted, unnest(tsvector_to_array(to_tsvector('english', text))) AS lexeme
  WHERE ticket_id <> ALL (long_ids)
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE FUNCTION tickets_search_replies_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM tickets_search_rebuild(ARRAY(SELECT DISTINCT ticket_id FROM deleted));
  RETURN NULL;
END $$;

CREATE FUNCTION tickets_search_replies_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM tickets_search_rebuild(ARRAY(
    SELECT b.ticket_id FROM before AS b JOIN after AS a USING (id)
    WHERE (b.text, b.ticket_id) IS DISTINCT FROM (a.text, a.ticket_id)
    UNION
    SELECT a.ticket_id FROM before AS b JOIN after AS a USING (id)
    WHERE (b.text, b.ticket_id) IS DISTINCT FROM (a.text, a.ticket_id)
  ));
  RETURN NULL;
END $$;

CREATE TRIGGER tickets_search_tickets_inserted AFTER INSERT ON tickets_ticket
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION tickets_search_tickets_inserted();
CREATE TRIGGER tickets_search_tickets_updated AFTER UPDATE ON tickets_ticket
  REFERENCING OLD TABLE AS before NEW TABLE AS after
  FOR EACH STATEMENT EXECUTE FUNCTION tickets_search_tickets_updated();
CREATE TRIGGER tickets_search_replies_inserted AFTER INSERT ON tickets_reply
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION tickets_search_replies_inserted();
CREATE TRIGGER tickets_search_replies_deleted AFTER DELETE ON tickets_reply
  REFERENCING OLD TABLE AS deleted
  FOR EACH STATEMENT EXECUTE FUNCTION tickets_search_replies_deleted();
CREATE TRIGGER tickets_search_replies_updated AFTER UPDATE ON tickets_reply
  REFERENCING OLD TABLE AS before NEW TABLE AS after
  FOR EACH STATEMENT EXECUTE FUNCTION tickets_search_replies_updated();
"""  # noqa: S608 (made of the constants above only)

DROP_TRIGGERS = """
DROP TRIGGER tickets_search_tickets_inserted ON tickets_ticket;
DROP TRIGGER tickets_search_tickets_updated ON tickets_ticket;
DROP TRIGGER tickets_search_replies_inserted ON tickets_reply;
DROP TRIGGER tickets_search_replies_deleted ON tickets_reply;
DROP TRIGGER tickets_search_replies_updated ON tickets_reply;
DROP FUNCTION tickets_search_tickets_inserted();
DROP FUNCTION tickets_search_tickets_updated();
DROP FUNCTION tickets_search_replies_inserted();
DROP FUNCTION tickets_search_replies_deleted();
DROP FUNCTION tickets_search_replies_updated();
DROP FUNCTION tickets_search_rebuild(bigint[]);
DROP FUNCTION tickets_search_vector(text);
"""

# Deferred like Django's own foreign keys: seed_demo may write a batch's rows in any order.
FOREIGN_KEYS = f"""
ALTER TABLE {DOCUMENTS} ADD CONSTRAINT ticket_search_document_ticket_fk
  FOREIGN KEY (ticket_id) REFERENCES tickets_ticket (id) ON DELETE CASCADE
  DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE {TERMS} ADD CONSTRAINT ticket_search_term_ticket_fk
  FOREIGN KEY (ticket_id) REFERENCES tickets_ticket (id) ON DELETE CASCADE
  DEFERRABLE INITIALLY DEFERRED;
"""

# The backfill writes the tables without their indexes, which are then built in one sort
# each: much faster than growing them row by row (tens of millions of terms at a
# million tickets). The statement time limit of the settings does not apply here.
BACKFILL = f"""
SET LOCAL statement_timeout = 0;
SET LOCAL maintenance_work_mem = '512MB';
INSERT INTO {DOCUMENTS} (ticket_id, document)
SELECT t.id, tickets_search_vector(t.subject || ' ' || t.message || COALESCE(' ' || r.texts, ''))
FROM tickets_ticket AS t
LEFT JOIN (
  SELECT ticket_id, string_agg(text, ' ' ORDER BY id) AS texts FROM tickets_reply GROUP BY ticket_id
) AS r ON r.ticket_id = t.id;
INSERT INTO {TERMS} (term, ticket_id)
SELECT lexeme, d.ticket_id FROM {DOCUMENTS} AS d, unnest(tsvector_to_array(d.document)) AS lexeme;
"""  # noqa: S608 (made of the constants above only)


def _indexes_and_primary_key(schema_editor, table: str) -> tuple[list[str], list[str], list[str]]:
    """The statements that drop and that recreate `table`'s indexes and primary key."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint AS c
            WHERE c.conrelid = %s::regclass AND c.contype = 'p'
            """,
            [table],
        )
        keys = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index AS i
            WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
            """,
            [table],
        )
        indexes = cursor.fetchall()
    drop = [f"ALTER TABLE {table} DROP CONSTRAINT {name}" for name, _ in keys]
    drop += [f"DROP INDEX {name}" for name, _ in indexes]
    create = [f"ALTER TABLE {table} ADD CONSTRAINT {name} {sql}" for name, sql in keys]
    create += [sql for _, sql in indexes]
    return drop, create


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    rebuilds = []
    for table in (DOCUMENTS, TERMS):
        drop, create = _indexes_and_primary_key(schema_editor, table)
        for sql in drop:
            schema_editor.execute(sql)
        rebuilds += create
    schema_editor.execute(VECTOR_FUNCTION)
    schema_editor.execute(BACKFILL)
    for sql in rebuilds:
        schema_editor.execute(sql)
    schema_editor.execute(FOREIGN_KEYS)
    schema_editor.execute(CREATE_TRIGGERS)
    for model_name, index in _old_search_indexes():
        schema_editor.remove_index(apps.get_model("tickets", model_name), index)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DROP_TRIGGERS)
    schema_editor.execute("SET LOCAL statement_timeout = 0")
    for model_name, index in _old_search_indexes():
        schema_editor.add_index(apps.get_model("tickets", model_name), index)


def _old_search_indexes():
    return importlib.import_module("tickets.migrations.0002_statuses_and_search").search_indexes()


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0005_report_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="TicketSearchDocument",
            fields=[
                (
                    "ticket",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="tickets.ticket",
                    ),
                ),
                ("document", django.contrib.postgres.search.SearchVectorField()),
            ],
            options={
                "indexes": [
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["document"], name="ticket_search_document_gin"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="TicketSearchTerm",
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
                "indexes": [
                    models.Index(fields=["ticket"], name="ticket_search_term_ticket_idx"),
                    models.Index(fields=["term"], name="ticket_search_term_term_idx"),
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
