#!/usr/bin/env bash
# docker-compose only: the postgres image runs this once, on an empty data folder. It allows
# Debezium's replication connection from the other containers and applies the same bootstrap
# and migrations as stack/up.sh does.
set -euo pipefail
echo "host replication all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
PGUSER="$POSTGRES_USER" PGDATABASE="$POSTGRES_DB" PGHOST=/var/run/postgresql /readout-db/migrate.sh
