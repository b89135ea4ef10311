#!/usr/bin/env bash
# Says which parts of the local stack run, on which port, and the connector's state.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

line() { printf '  %-10s %-8s %s\n' "$1" "$2" "$3"; }
process_line() {
  local name="$1" where="$2"
  if is_running "$name"; then line "$name" running "pid $(cat "$(pid_file "$name")"), $where"; else line "$name" stopped "$where"; fi
}

echo "Readout stack ($READOUT_STACK_DIR)"
if pg_isready -q -h "$READOUT_PG_HOST" -p "$READOUT_PG_PORT"; then
  line postgres running "pid $(head -1 "$PG_DATA/postmaster.pid" 2>/dev/null), $READOUT_PG_HOST:$READOUT_PG_PORT"
else line postgres stopped "$READOUT_PG_HOST:$READOUT_PG_PORT"; fi
if [ "$READOUT_REDIS_CLUSTER_PRIMARIES" -gt 0 ]; then
  bash "$READOUT_ROOT/stack/redis-cluster.sh" status "$READOUT_STACK_DIR/redis-cluster" |
    while read -r port role pid; do line "redis" "$([ "$role" = stopped ] && echo stopped || echo running)" "pid $pid, 127.0.0.1:$port, cluster $role"; done
else
  process_line redis "127.0.0.1:$READOUT_REDIS_PORT"
fi
process_line kafka "127.0.0.1:$READOUT_KAFKA_PORT"
process_line connect "http://127.0.0.1:$READOUT_CONNECT_PORT"
name="$(jq -r .name "$READOUT_CONNECTOR_FILE")"
state="$(curl -fsS --max-time 3 "http://127.0.0.1:$READOUT_CONNECT_PORT/connectors/$name/status" 2>/dev/null |
  jq -r '"connector " + .connector.state + ", tasks " + ([.tasks[].state] | join(","))' 2>/dev/null)"
line connector "${state:+up}" "${state:-not registered or Connect down}"
for ((i = 1; i <= READOUT_PROJECTORS; i++)); do
  process_line "$(numbered projector "$i")" "consumer of $READOUT_TOPIC_PREFIX.public.*, /metrics on 127.0.0.1:$((READOUT_PROJECTOR_PORT + 10 * (i - 1)))"
done
for ((i = 1; i <= READOUT_APIS; i++)); do
  process_line "$(numbered api "$i")" "http://127.0.0.1:$((READOUT_API_PORT + 10 * (i - 1)))/graphql"
done
process_line workload "writes to orders"
