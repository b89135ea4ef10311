#!/usr/bin/env bash
# Stops everything the stack and the demo started, by recorded pid, newest layer first.
# --purge also deletes the stack's data (PostgreSQL, Kafka, Redis); the jar cache is kept.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for name in workload api projector; do stop_process "$name" 15; done
stop_process connect 30
stop_process kafka 60
stop_process redis 15
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
