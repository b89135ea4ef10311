/**
 * Every `readout` command: its name, its one-line summary and its usage text, and where its code
 * lives. The code is imported only when the command runs, so that `readout help` and
 * `readout <command> --help` answer without loading Kafka, Redis, GraphQL or PostgreSQL clients.
 */
import type { CommandEntry } from './command.ts';

export const commands: readonly CommandEntry[] = [
  {
    name: 'projector',
    service: true,
    summary: 'consume the Debezium topics and keep the read models in Redis',
    usage: `readout projector
  Runs until SIGTERM/SIGINT, then stops in order: its HTTP endpoints, consumption, the batch in
  flight (applied and committed), Redis. Serves /healthz, /readyz and /metrics on
  READOUT_PROJECTOR_HOST:READOUT_PROJECTOR_PORT. Configuration: READOUT_* variables (see docs/configuration.md).`,
    load: async () => (await import('./run-projector.ts')).projectorCommand,
  },
  {
    name: 'api',
    service: true,
    summary: 'serve GraphQL on /graphql (HTTP and graphql-ws), /healthz and /metrics',
    usage:
      'readout api\n  Listens on READOUT_API_HOST:READOUT_API_PORT until SIGTERM/SIGINT, then stops in order: no new\n  connections, WebSockets closed with 1001, Redis. Starts without Redis: /readyz says 503 and\n  queries get DEPENDENCY_UNAVAILABLE until it answers.',
    load: async () => (await import('./run-api.ts')).apiCommand,
  },
  {
    name: 'status',
    summary: 'lag, read-model state, dead letters, held changes, Redis memory, API readiness',
    usage: `readout status [--json]
  Consumer lag per partition (events, and an upper bound in seconds), each read model's state
  and newest applied source change, dead letters, held changes, Redis memory, the Redis
  Cluster's nodes, the losses of data projectors noticed, and the API's readiness. Exit code 0
  when healthy, 1 when something needs attention (listed at the end), 2 on bad usage or
  configuration.`,
    load: async () => (await import('./status.ts')).statusCommand,
  },
  {
    name: 'explain',
    summary: 'decode one Debezium record and show what each read model would do with it',
    usage: `readout explain [FILE|-] [--topic TOPIC] [--fresh] [--json]
  Decodes one Debezium record and shows the change each read model would make, writing nothing.
  FILE (or stdin with -) holds either {"topic", "key", "value"} or a bare Debezium value (with or
  without the schema envelope; the topic then comes from --topic or from source.schema/table).
  The row's remembered state is read from Redis (read-only); --fresh assumes nothing is stored.`,
    load: async () => (await import('./explain.ts')).explainCommand,
  },
  {
    name: 'dead-letters',
    summary: 'list, show, re-apply or drop records that could not be applied',
    usage: `readout dead-letters <list|show|reapply|drop> [ids…] [--all] [--json]
  list              every dead letter: id (topic/partition/offset), code and reason
  show ID           one dead letter with its raw key and value
  reapply ID…|--all decode and apply again (after a fix); applied ones leave the list,
                    still-failing ones stay with their new reason
  drop ID…          remove dead letters for good (after deciding they do not matter)
A reapplied change is subject to the usual order rule: if the row has since changed, the older
change is skipped as a duplicate (the newer state stands).`,
    load: async () => (await import('./dead-letters.ts')).deadLettersCommand,
  },
  {
    name: 'held',
    summary: 'list held mass deletes and TRUNCATEs, and release them as archive or retract',
    usage: `readout held [list] [--json]
  Lists changes the mass-delete guard holds: large untagged deletes and TRUNCATEs. Until an
  operator decides, the dashboards do not move and nothing is lost.
readout held release <id> --as archive|retract
  archive: the rows were cleaned up (read models with "archive: keep" keep counting them).
  retract: the rows are really gone (every read model subtracts them).
  Safe to repeat after an interruption.`,
    load: async () => (await import('./held.ts')).heldCommand,
  },
  {
    name: 'rebuild',
    summary: 'recompute read models into a new generation and switch readers to it, with no downtime',
    usage: `readout rebuild <read model>... | --all  [--json]
  Computes read models again from the earliest events Kafka retains, into a new generation of
  Redis keys, while the current generation keeps serving. Shows progress (events applied, rate,
  time left). Then a running projector takes over, writes both generations until the new one has
  caught up, and switches readers to it between two batches; the old generation is deleted.
  Run it after changing a read model's definition (Readout does not serve a model whose data was
  computed with another definition), or to recompute a model you distrust. Needs a running
  projector (readout projector) to finish.`,
    load: async () => (await import('./rebuild.ts')).rebuildCommand,
  },
  {
    name: 'reload',
    summary: 'make running projectors and APIs read the read-model definitions again, without a restart',
    usage: `readout reload [--wait 10000] [--json]
  Checks the definitions in READOUT_READMODELS_DIR (nothing is sent when they are invalid: exit
  code 1, each problem naming its file), then asks every running projector and API process, on
  every host, to read theirs again (a Redis channel; SIGHUP to one process does the same for it)
  and prints what each changed: added models (backfilled from Kafka, then served; a model whose
  topic is empty or does not exist yet is ready and empty at once), changed ones (not served until
  readout rebuild) and removed ones (no longer projected). A process that finds its definitions
  invalid keeps the ones in force and says why. Exit code 1 if one did, or did not answer within
  --wait milliseconds.`,
    load: async () => (await import('./reload.ts')).reloadCommand,
  },
  {
    name: 'archive',
    summary: 'archive old rows in tagged batches (dashboards with "archive: keep" do not drop)',
    usage: `readout archive --table public.invoices --older-than 90d [options]
  Copies rows whose --column (default created_at) is older than --older-than (e.g. 90d, 36h,
  45m) to an archive table and deletes them, in batches of one transaction each, tagged so that
  the projector knows these deletes are archival. Rows of tables that cascade from it (ON DELETE
  CASCADE) go to "<child>_archive" in the same transaction. Ctrl-C stops after the current
  batch; running the same command again resumes.
  --column NAME          the timestamp column that says how old a row is (created_at)
  --batch-size N         rows per transaction (1000)
  --max-lag 2000ms|2s    keep live changes applied within about this while purging (2s)
  --archive-table NAME   where the rows go ("<table>_archive", created when missing)
  --origin NAME          replication origin to tag with (the first of READOUT_ARCHIVE_ORIGINS)
  --dry-run              say what would be archived, change nothing
  --json                 print the result as JSON`,
    load: async () => (await import('./archive.ts')).archiveCommand,
  },
  {
    name: 'schema',
    summary: "print the GraphQL schema the API serves for the read models' definitions",
    usage: `readout schema [--write | --check] [--out FILE]
  Prints the whole schema as SDL: Readout's own fields and a typed Query and Subscription field
  per read model of READOUT_READMODELS_DIR. --write writes the typed part to
  schema/readmodels.graphql (or FILE), which clients are generated from; --check exits 1 when
  that file differs from what the definitions give (npm run check runs it).`,
    load: async () => (await import('./schema.ts')).schemaCommand,
  },
  {
    name: 'sources',
    summary: 'check what capturing the definitions’ tables needs; --apply fixes it and backfills new tables',
    usage: `readout sources check [--apply] [--no-wait] [--timeout S] [--json]
  Checks the source database for every table the read models read (READOUT_READMODELS_DIR) and
  for Readout's signal table (READOUT_SIGNAL_TABLE): wal_level, the publication holds the table
  whole, the capture role may read it, a primary key, a replica identity. Prints each result and
  the exact SQL for what is missing. Then compares the running connector (Kafka Connect at
  READOUT_CONNECT_URL) with the template READOUT_CONNECTOR_FILE plus the tables the definitions
  read, and lists backfills not yet seen through.
  --apply    runs the SQL it may (as READOUT_PG_URL; wal_level and primary keys stay for a
             person), creates the signal table, updates the connector (stop, configure, resume),
             asks for a backfill (an incremental snapshot) of each table it starts to capture,
             and waits until each has read every row (progress on stderr)
  --no-wait  under --apply: do not wait for the backfills (a later check shows where they are)
  --timeout S  under --apply: wait for the backfills at most S seconds (3600); then exit 1
  Exit code 0 when everything holds, 1 when something is missing or failed, 2 on bad usage or
  configuration. Running --apply again changes nothing.
readout sources connector
  Prints the connector's configuration as the definitions make it ({name, config}), changing
  nothing.`,
    load: async () => (await import('./sources.ts')).sourcesCommand,
  },
];
