# Sourced by the test runners: points the stack scripts at a stack of the tests' own (a folder and
# ports apart from the demo's), started now and stopped and removed when the runner exits.
# own_stack NAME FOLDER PG REDIS KAFKA KAFKA_CONTROLLER CONNECT; READOUT_<NAME>_* variables override.
own_stack() {
  local name=$1
  local var
  for var in STACK_DIR PG_PORT REDIS_PORT KAFKA_PORT KAFKA_CONTROLLER_PORT CONNECT_PORT; do
    local override="READOUT_${name}_${var}"
    export "READOUT_${var}=${!override:-$2}"
    shift
  done
  # shellcheck source=stack/env.sh
  source stack/env.sh
  trap 'bash stack/down.sh --purge >/dev/null 2>&1 || true' EXIT
  bash stack/up.sh
}
