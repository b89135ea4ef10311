# Readout local stack: every port and path, each overridable by an environment variable.
# Sourced by the stack scripts and by the test runner; the defaults keep clear of the machine's
# own services (PostgreSQL 5432, Redis 6379, Kafka 9092).
READOUT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export READOUT_ROOT

# The scaled shape (docs/scaling.md): READOUT_SHAPE=scaled gives a stack of its own (folder
# and ports apart from the single shape's, so both can run) with a Redis Cluster of 3 primaries
# and 3 replicas, topics of 6 partitions, 3 projectors and 2 API processes.
if [ "${READOUT_SHAPE:-single}" = scaled ]; then
  : "${READOUT_STACK_DIR:=$READOUT_ROOT/.stack-scaled}" "${READOUT_PG_PORT:=54359}" "${READOUT_REDIS_PORT:=16390}"
  : "${READOUT_KAFKA_PORT:=19392}" "${READOUT_KAFKA_CONTROLLER_PORT:=19393}" "${READOUT_CONNECT_PORT:=18383}"
  : "${READOUT_API_PORT:=4100}" "${READOUT_PROJECTOR_PORT:=4101}"
  : "${READOUT_REDIS_CLUSTER_PRIMARIES:=3}" "${READOUT_TOPIC_PARTITIONS:=6}" "${READOUT_PROJECTORS:=3}" "${READOUT_APIS:=2}"
elif [ "${READOUT_SHAPE:-single}" != single ]; then
  echo "READOUT_SHAPE must be single or scaled (got '$READOUT_SHAPE')" >&2
  exit 2
fi
export READOUT_STACK_DIR="${READOUT_STACK_DIR:-$READOUT_ROOT/.stack}"
export READOUT_STACK_CACHE="${READOUT_STACK_CACHE:-$READOUT_ROOT/stack/.cache}"

export READOUT_PG_HOST="${READOUT_PG_HOST:-127.0.0.1}"
export READOUT_PG_PORT="${READOUT_PG_PORT:-54329}"
export READOUT_PG_DATABASE="${READOUT_PG_DATABASE:-readout}"
export READOUT_PG_USER="${READOUT_PG_USER:-postgres}"
export READOUT_PG_PASSWORD="${READOUT_PG_PASSWORD:-postgres}"
export READOUT_DEBEZIUM_PASSWORD="${READOUT_DEBEZIUM_PASSWORD:-debezium}"
# PostgreSQL refuses to run as root: the cluster runs as this OS user (created when missing).
export READOUT_PG_OS_USER="${READOUT_PG_OS_USER:-readout}"

export READOUT_REDIS_PORT="${READOUT_REDIS_PORT:-63790}"
# 0: one redis-server on READOUT_REDIS_PORT. N ≥ 3: a Redis Cluster of N primaries with
# READOUT_REDIS_CLUSTER_REPLICAS replicas each, on consecutive ports from READOUT_REDIS_PORT.
export READOUT_REDIS_CLUSTER_PRIMARIES="${READOUT_REDIS_CLUSTER_PRIMARIES:-0}"
export READOUT_REDIS_CLUSTER_REPLICAS="${READOUT_REDIS_CLUSTER_REPLICAS:-1}"
export READOUT_KAFKA_PORT="${READOUT_KAFKA_PORT:-19092}"
export READOUT_KAFKA_CONTROLLER_PORT="${READOUT_KAFKA_CONTROLLER_PORT:-19093}"
export READOUT_CONNECT_PORT="${READOUT_CONNECT_PORT:-18083}"
export READOUT_API_PORT="${READOUT_API_PORT:-4000}"
export READOUT_PROJECTOR_PORT="${READOUT_PROJECTOR_PORT:-4001}"
# How many projector and API processes the demo starts: process i (from 1) serves on the port
# above plus 10 × (i - 1) (APIs 4000, 4010, …; projectors' /metrics 4001, 4011, …).
export READOUT_PROJECTORS="${READOUT_PROJECTORS:-1}"
export READOUT_APIS="${READOUT_APIS:-1}"

# The local stack is a demo on 127.0.0.1: no API keys, and introspection on for GraphiQL. Elsewhere
# the API requires READOUT_API_KEYS and hides its schema (see docs/api.md, "Authentication").
export READOUT_API_AUTH="${READOUT_API_AUTH:-off}"
export READOUT_API_INTROSPECTION="${READOUT_API_INTROSPECTION:-on}"

export READOUT_TOPIC_PREFIX="${READOUT_TOPIC_PREFIX:-readout}"
# Partitions of each topic Debezium creates (rows keyed by primary key keep their order within one).
export READOUT_TOPIC_PARTITIONS="${READOUT_TOPIC_PARTITIONS:-1}"
# The connector's configuration without its table list: `readout sources check --apply` adds the
# tables the read models name (docs/onboarding.md).
export READOUT_CONNECTOR_FILE="${READOUT_CONNECTOR_FILE:-$READOUT_ROOT/stack/connector/readout-connector.json}"

export READOUT_KAFKA_HEAP="${READOUT_KAFKA_HEAP:--Xms256m -Xmx768m}"
export READOUT_CONNECT_HEAP="${READOUT_CONNECT_HEAP:--Xms256m -Xmx1g}"

# What the projector and the API read (see src/config): derived from the ports above.
export READOUT_KAFKA_BROKERS="${READOUT_KAFKA_BROKERS:-127.0.0.1:$READOUT_KAFKA_PORT}"
export READOUT_REDIS_URL="${READOUT_REDIS_URL:-redis://127.0.0.1:$READOUT_REDIS_PORT}"
if [ "$READOUT_REDIS_CLUSTER_PRIMARIES" -gt 0 ] && [ -z "${READOUT_REDIS_CLUSTER_NODES:-}" ]; then
  READOUT_REDIS_CLUSTER_NODES="$(seq -s, -f "127.0.0.1:%g" "$READOUT_REDIS_PORT" \
    $((READOUT_REDIS_PORT + READOUT_REDIS_CLUSTER_PRIMARIES * (1 + READOUT_REDIS_CLUSTER_REPLICAS) - 1)))"
  export READOUT_REDIS_CLUSTER_NODES
fi
export READOUT_CONNECT_URL="${READOUT_CONNECT_URL:-http://127.0.0.1:$READOUT_CONNECT_PORT}"
export READOUT_PG_URL="${READOUT_PG_URL:-postgres://$READOUT_PG_USER:$READOUT_PG_PASSWORD@$READOUT_PG_HOST:$READOUT_PG_PORT/$READOUT_PG_DATABASE}"
