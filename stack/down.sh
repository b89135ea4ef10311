#!/usr/bin/env bash
# Stops everything the stack and the demo started, by recorded pid, newest layer first.
# --purge also deletes the stack's data (PostgreSQL, Kafka, Redis); the jar cache is kept.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Every API and projector process the demo started (api, api-2, …, projector, projector-2, …).
for file in "$RUN_DIR"/workload.pid "$RUN_DIR"/api*.pid "$RUN_DIR"/projector*.pid; do
  if [ -f "$file" ]; then stop_process "$(basename "$file" .pid)" 15; fi
done
stop_process connect 30
stop_process kafka 60
stop_process redis 15
bash "$READOUT_ROOT/stack/redis-cluster.sh" down "$READOUT_STACK_DIR/redis-cluster"
if [ -f "$PG_DATA/postmaster.pid" ]; then
  find_pg_bin
  as_pg_user "$PG_BIN_DIR/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 ||
    say "PostgreSQL was not running"
fi
say "stopped"
if [ "${1:-}" = "--purge" ]; then
  rm -rf "$READOUT_STACK_DIR" "$PG_DATA" "$PG_DATA.run" "$PG_DATA.log"
  say "removed $READOUT_STACK_DIR"
fi
