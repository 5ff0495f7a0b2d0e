"""On SQLite, the FTS5 table that the ticket search reads, and the triggers that keep it.

One row per ticket (rowid = the ticket's id): its conversation, the subject, opening
message and every reply and note in id order, as one text, like PostgreSQL's search
document (migration 0006). The `porter` tokenizer stems English words, so `printers`
finds `printer` as PostgreSQL's english configuration does; `remove_diacritics` lets
`cafe` find `café`. Row triggers rebuild a ticket's row in the same transaction as every
write to its ticket or replies, whoever makes it (the services, the admin, a cascade,
seed_demo). On PostgreSQL this migration does nothing.

Django alters most columns on SQLite by remaking the table (create a copy, drop the old
one, rename the copy), which these triggers forbid: each names both tables, and SQLite
refuses to rename a table while a trigger names a missing one. A later migration that
alters tickets_ticket or tickets_reply therefore runs `drop_search_table` first and
`create_search_table` after (both do nothing on PostgreSQL), e.g.
`RunPython(drop_search_table, create_search_table)` before its operations and
`RunPython(create_search_table, drop_search_table)` after them.
"""

from django.db import migrations

TABLE = "tickets_search_fts5"


# A ticket's conversation, as PostgreSQL's document reads it (migration 0006). SQLite
# before 3.44 has no ORDER BY inside group_concat: it concatenates in the order of the
# subquery, which SQLite keeps when an aggregate reads an ordered subquery.
CONVERSATION_OF_T = """t.subject || ' ' || t.message || COALESCE(' ' || (
    SELECT group_concat(r.text, ' ') FROM (
      SELECT text FROM tickets_reply WHERE ticket_id = t.id ORDER BY id
    ) AS r
  ), '')"""


def rebuild(ticket_id: str) -> str:
    """The statements that rewrite the row of ticket `ticket_id` (an SQL expression); a
    ticket that no longer exists keeps no row."""
    return f"""
  DELETE FROM {TABLE} WHERE rowid = {ticket_id};
  INSERT INTO {TABLE} (rowid, conversation)
  SELECT t.id, {CONVERSATION_OF_T} FROM tickets_ticket AS t WHERE t.id = {ticket_id};"""  # noqa: S608 (made of constants only)


CREATE_TABLE = f"""
CREATE VIRTUAL TABLE {TABLE} USING fts5(
  conversation, tokenize = 'porter unicode61 remove_diacritics 2'
)"""

TRIGGERS = {
    "tickets_search_fts5_ticket_inserted": f"""
CREATE TRIGGER tickets_search_fts5_ticket_inserted AFTER INSERT ON tickets_ticket
BEGIN {rebuild("new.id")}
END""",
    "tickets_search_fts5_ticket_updated": f"""
CREATE TRIGGER tickets_search_fts5_ticket_updated AFTER UPDATE OF subject, message
ON tickets_ticket WHEN old.subject IS NOT new.subject OR old.message IS NOT new.message
BEGIN {rebuild("new.id")}
END""",
    "tickets_search_fts5_ticket_deleted": f"""
CREATE TRIGGER tickets_search_fts5_ticket_deleted AFTER DELETE ON tickets_ticket
BEGIN
  DELETE FROM {TABLE} WHERE rowid = old.id;
END""",  # noqa: S608 (made of constants only)
    "tickets_search_fts5_reply_inserted": f"""
CREATE TRIGGER tickets_search_fts5_reply_inserted AFTER INSERT ON tickets_reply
BEGIN {rebuild("new.ticket_id")}
END""",
    # A reply moved to another ticket leaves one conversation and joins the other.
    "tickets_search_fts5_reply_updated": f"""
CREATE TRIGGER tickets_search_fts5_reply_updated AFTER UPDATE OF text, ticket_id
ON tickets_reply WHEN old.text IS NOT new.text OR old.ticket_id IS NOT new.ticket_id
BEGIN {rebuild("old.ticket_id")} {rebuild("new.ticket_id")}
END""",
    "tickets_search_fts5_reply_deleted": f"""
CREATE TRIGGER tickets_search_fts5_reply_deleted AFTER DELETE ON tickets_reply
BEGIN {rebuild("old.ticket_id")}
END""",
}

# The tickets that exist already (a database made before this migration).
BACKFILL = f"""
INSERT INTO {TABLE} (rowid, conversation)
SELECT t.id, {CONVERSATION_OF_T} FROM tickets_ticket AS t"""  # noqa: S608 (made of constants only)


def create_search_table(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(CREATE_TABLE)
    schema_editor.execute(BACKFILL)
    for sql in TRIGGERS.values():
        schema_editor.execute(sql)


def drop_search_table(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER {name}")
    schema_editor.execute(f"DROP TABLE {TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0006_search_documents"),
    ]

    operations = [
        migrations.RunPython(create_search_table, drop_search_table),
    ]
