#!/usr/bin/env bash
# Time `manage.py seed_demo` on PostgreSQL, then VACUUM ANALYZE and count the rows.
#
#   benchmarks/seed_demo.sh [TICKETS] [extra seed_demo options...]
#
# DATABASE_URL must point at a migrated PostgreSQL database, e.g.
#   createdb -h 127.0.0.1 -U postgres helpdesk_bench
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench .venv/bin/python manage.py migrate
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench benchmarks/seed_demo.sh 1000000
set -euo pipefail
cd "$(dirname "$0")/.."

TICKETS="${1:-1000000}"
shift || true
: "${DATABASE_URL:?Set DATABASE_URL to a migrated PostgreSQL database}"
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "DATABASE_URL must be a PostgreSQL URL" >&2; exit 2 ;;
esac

echo "== $(date -u +%FT%TZ)  seed_demo --tickets $TICKETS --seed 1 $*"
echo "== $(nproc) CPUs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
started=$(date +%s.%N)
/usr/bin/time -v .venv/bin/python manage.py seed_demo --tickets "$TICKETS" --seed 1 "$@" \
  2> >(grep -v '^\s*$' >&2)
finished=$(date +%s.%N)
echo "== seed_demo wall time: $(echo "$finished - $started" | bc) s; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

started=$(date +%s.%N)
psql "$DATABASE_URL" -qc "VACUUM ANALYZE"
echo "== VACUUM ANALYZE: $(echo "$(date +%s.%N) - $started" | bc) s"

psql "$DATABASE_URL" -c "
  SELECT 'tickets' AS table_name, count(*) FROM tickets_ticket
  UNION ALL SELECT 'replies and notes', count(*) FROM tickets_reply
  UNION ALL SELECT 'history events', count(*) FROM tickets_ticketevent
  UNION ALL SELECT 'ratings', count(*) FROM tickets_rating
  UNION ALL SELECT 'tags on tickets', count(*) FROM tickets_taggedticket
  UNION ALL SELECT 'cc contacts', count(*) FROM tickets_ticket_cc"
psql "$DATABASE_URL" -Atc "SELECT 'database size: ' || pg_size_pretty(pg_database_size(current_database()))"
