-- Roles Readout's stack needs, run once as the cluster's superuser (psql -v debezium_password=...).
-- Debezium connects with REPLICATION and reads the captured tables; it does not own the publication.
SELECT format('CREATE ROLE debezium LOGIN REPLICATION PASSWORD %L', :'debezium_password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'debezium')
\gexec
CREATE TABLE IF NOT EXISTS schema_migrations (
  name text PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
);
