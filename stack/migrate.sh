#!/usr/bin/env bash
# Applies the database migrations (db/migrations) to the stack's PostgreSQL; safe to run again.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PGHOST="$READOUT_PG_HOST" PGPORT="$READOUT_PG_PORT" PGUSER="$READOUT_PG_USER" PGPASSWORD="$READOUT_PG_PASSWORD" \
  PGDATABASE="$READOUT_PG_DATABASE" "$READOUT_ROOT/db/migrate.sh"
