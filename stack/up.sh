#!/usr/bin/env bash
# Starts Readout's local CDC stack without Docker: PostgreSQL (wal_level=logical), Redis, a Kafka
# broker (KRaft), a Kafka Connect worker with Debezium, and registers the connector. Each part gets
# its own port and data folder under READOUT_STACK_DIR; running it again only starts what is down.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

started_at=$SECONDS
mkdir -p "$RUN_DIR" "$LOG_DIR" "$READOUT_STACK_DIR/redis" "$READOUT_STACK_DIR/kafka" "$READOUT_STACK_DIR/connect"
check_prerequisites
fetch_jars
KAFKA_CP="$READOUT_STACK_CACHE/kafka-libs/*"
LOG4J="-Dlog4j2.configurationFile=$READOUT_ROOT/stack/config/log4j2.properties"

# Replaces ${VAR} in a template with the environment's values (only the variables we export).
render() { perl -pe 's/\$\{(READOUT_[A-Z_]+)\}/exists $ENV{$1} ? $ENV{$1} : die "unset $1\n"/ge' "$1" >"$2"; }

start_postgres() {
  if [ "$(id -u)" = 0 ] && ! id "$READOUT_PG_OS_USER" >/dev/null 2>&1; then
    say "creating the unprivileged OS user '$READOUT_PG_OS_USER' to run PostgreSQL"
    useradd --system --no-create-home --shell /usr/sbin/nologin "$READOUT_PG_OS_USER"
    resolve_pg_data
  fi
  # The socket and log folders must be reachable by that user too: keep them beside the data.
  mkdir -p "$PG_DATA" "$PG_DATA.run" "$PG_DATA.log"
  if [ "$(id -u)" = 0 ]; then
    chown "$READOUT_PG_OS_USER" "$PG_DATA" "$PG_DATA.run" "$PG_DATA.log"
    chmod 700 "$PG_DATA"
    as_pg_user test -x "$PG_DATA" ||
      die "the OS user '$READOUT_PG_OS_USER' cannot reach $PG_DATA: set READOUT_STACK_DIR to a folder every user can traverse"
  fi
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    say "initialising PostgreSQL in $PG_DATA"
    local pwfile="$PG_DATA.run/pwfile"
    printf '%s\n' "$READOUT_PG_PASSWORD" >"$pwfile"
    [ "$(id -u)" = 0 ] && chown "$READOUT_PG_OS_USER" "$pwfile"
    as_pg_user "$PG_BIN_DIR/initdb" -D "$PG_DATA" -U "$READOUT_PG_USER" --pwfile="$pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$LOG_DIR/initdb.log" 2>&1 ||
      { tail "$LOG_DIR/initdb.log" >&2; die "initdb failed"; }
    rm -f "$pwfile"
    # Debezium's replication connection comes over TCP like any other: allow it explicitly.
    echo "host replication all 127.0.0.1/32 scram-sha-256" >>"$PG_DATA/pg_hba.conf"
  fi
  if as_pg_user "$PG_BIN_DIR/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    say "postgres already running"
  else
    as_pg_user "$PG_BIN_DIR/pg_ctl" -D "$PG_DATA" -l "$PG_DATA.log/postgres.log" -w -t 60 start -o \
      "-p $READOUT_PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_DATA.run \
       -c wal_level=logical -c max_replication_slots=10 -c max_wal_senders=10 -c max_connections=100 \
       -c track_commit_timestamp=on" >/dev/null ||
      { tail "$PG_DATA.log/postgres.log" >&2; die "PostgreSQL did not start"; }
  fi
  wait_for "PostgreSQL" 60 "pg_isready -q -h $READOUT_PG_HOST -p $READOUT_PG_PORT" "$PG_DATA.log/postgres.log"
  if [ "$(psql_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$READOUT_PG_DATABASE'")" != 1 ]; then
    psql_admin -d postgres -c "CREATE DATABASE $READOUT_PG_DATABASE"
  fi
  PGHOST="$READOUT_PG_HOST" PGPORT="$READOUT_PG_PORT" PGUSER="$READOUT_PG_USER" PGPASSWORD="$READOUT_PG_PASSWORD" \
    PGDATABASE="$READOUT_PG_DATABASE" "$READOUT_ROOT/db/migrate.sh"
}

start_redis() {
  if [ "$READOUT_REDIS_CLUSTER_PRIMARIES" -gt 0 ]; then
    READOUT_REDIS_CLUSTER_NODE_TIMEOUT_MS="${READOUT_REDIS_CLUSTER_NODE_TIMEOUT_MS:-3000}" \
      bash "$READOUT_ROOT/stack/redis-cluster.sh" up "$READOUT_STACK_DIR/redis-cluster" "$READOUT_REDIS_PORT" \
      "$READOUT_REDIS_CLUSTER_PRIMARIES" "$READOUT_REDIS_CLUSTER_REPLICAS"
    return
  fi
  if is_running redis; then say "redis already running"; else
    start_process redis redis-server --port "$READOUT_REDIS_PORT" --bind 127.0.0.1 --dir "$READOUT_STACK_DIR/redis" \
      --appendonly yes --appendfsync everysec --save "" --daemonize no --logfile ""
  fi
  wait_for "Redis" 30 "redis-cli -p $READOUT_REDIS_PORT ping | grep -q PONG" "$LOG_DIR/redis.log"
}

start_kafka() {
  local dir="$READOUT_STACK_DIR/kafka"
  render "$READOUT_ROOT/stack/config/kafka-server.properties" "$dir/server.properties"
  if [ ! -f "$dir/data/meta.properties" ]; then
    say "formatting Kafka's KRaft storage"
    local cluster_id
    cluster_id="$(java -cp "$KAFKA_CP" $LOG4J -Dreadout.log.file="$LOG_DIR/kafka-storage.log" kafka.tools.StorageTool random-uuid)"
    java -cp "$KAFKA_CP" $LOG4J -Dreadout.log.file="$LOG_DIR/kafka-storage.log" \
      kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" >>"$LOG_DIR/kafka-storage.log" 2>&1 ||
      { tail "$LOG_DIR/kafka-storage.log" >&2; die "formatting Kafka storage failed"; }
  fi
  if is_running kafka; then say "kafka already running"; else
    # shellcheck disable=SC2086 # the heap options are several words on purpose
    start_process kafka java $READOUT_KAFKA_HEAP -XX:+UseG1GC $LOG4J -Dreadout.log.file="$LOG_DIR/kafka-server.log" \
      -cp "$KAFKA_CP" kafka.Kafka "$dir/server.properties"
  fi
  wait_for "Kafka broker" 90 "port_open $READOUT_KAFKA_PORT" "$LOG_DIR/kafka.log"
}

connect_get() { curl -fsS --max-time 5 "http://127.0.0.1:$READOUT_CONNECT_PORT$1"; }

start_connect() {
  local dir="$READOUT_STACK_DIR/connect"
  render "$READOUT_ROOT/stack/config/connect-worker.properties" "$dir/worker.properties"
  if is_running connect; then say "kafka connect already running"; else
    # shellcheck disable=SC2086
    start_process connect java $READOUT_CONNECT_HEAP -XX:+UseG1GC $LOG4J -Dreadout.log.file="$LOG_DIR/connect-worker.log" \
      -cp "$KAFKA_CP" org.apache.kafka.connect.cli.ConnectDistributed "$dir/worker.properties"
  fi
  wait_for "Kafka Connect with the Debezium plugin" 180 \
    "connect_get /connector-plugins | grep -q PostgresConnector" "$LOG_DIR/connect-worker.log"
}

# The connector's table list comes from the read models: `readout sources check --apply` creates
# Readout's signal table, then creates the connector from its template (or updates it to what the
# definitions read), so registering twice is harmless. Backfills it asks for go on in Debezium.
register_connector() {
  local name
  name="$(jq -r .name "$READOUT_CONNECTOR_FILE")"
  (cd "$READOUT_ROOT" && "$READOUT_NODE" src/main.ts sources check --apply --no-wait) >"$LOG_DIR/connector-register.log" 2>&1 ||
    { grep -v '^ok ' "$LOG_DIR/connector-register.log" >&2; die "registering the connector '$name' failed (see $LOG_DIR/connector-register.log and $LOG_DIR/connect-worker.log)"; }
  wait_for "Debezium connector '$name' (RUNNING)" 120 \
    "connect_get /connectors/$name/status | jq -e '.connector.state == \"RUNNING\" and (.tasks | length) > 0 and all(.tasks[]; .state == \"RUNNING\")'" \
    "$LOG_DIR/connect-worker.log"
}

start_postgres
start_redis
start_kafka
start_connect
register_connector

cat <<INFO
[stack] up in $((SECONDS - started_at))s (state and logs in $READOUT_STACK_DIR)
  PostgreSQL  $READOUT_PG_URL
  Redis       ${READOUT_REDIS_CLUSTER_NODES:+cluster }${READOUT_REDIS_CLUSTER_NODES:-$READOUT_REDIS_URL}
  Kafka       $READOUT_KAFKA_BROKERS
  Connect     http://127.0.0.1:$READOUT_CONNECT_PORT (connector: $(jq -r .name "$READOUT_CONNECTOR_FILE"))
INFO
