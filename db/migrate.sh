#!/usr/bin/env bash
# Applies db/bootstrap.sql and then each db/migrations/*.sql once, in name order, each in its own
# transaction, recording it in schema_migrations. Safe to run again. Used by stack/up.sh and by
# the docker-compose PostgreSQL container (as an init script).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
psql_run() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql_run -v debezium_password="${READOUT_DEBEZIUM_PASSWORD:-debezium}" -f "$here/bootstrap.sql"
for file in "$here"/migrations/*.sql; do
  name="$(basename "$file")"
  applied="$(psql_run -tAc "SELECT 1 FROM schema_migrations WHERE name = '$name'")"
  [ "$applied" = 1 ] && continue
  echo "[migrate] applying $name"
  psql_run -1 -f "$file" -c "INSERT INTO schema_migrations (name) VALUES ('$name')"
done
