import type { TableName } from './table-name.ts';

/** What PostgreSQL says about one table the capture needs (inspect-postgres.ts gathers it). */
export interface TableFacts {
  readonly name: TableName;
  /** pg_class.relkind: 'r' a table, 'p' partitioned, others (views, …) cannot be captured; null: missing. */
  readonly kind: string | null;
  /** Its primary key's columns, in key order (empty: none). */
  readonly primaryKey: readonly string[];
  /** pg_class.relreplident: 'd' default, 'n' nothing, 'f' full, 'i' an index. */
  readonly replicaIdentity: string | null;
  /** Its columns, in order. */
  readonly columns: readonly string[];
  /** In the publication (always, when it is FOR ALL TABLES). */
  readonly published: boolean;
  /** The publication sends only some rows (a WHERE) or some columns of it. */
  readonly publishedPartly: boolean;
  /** What the capture role may do with it. */
  readonly schemaUsage: boolean;
  readonly canSelect: boolean;
  readonly canInsert: boolean;
  readonly canDelete: boolean;
}

export interface PublicationFacts {
  readonly allTables: boolean;
  readonly insert: boolean;
  readonly update: boolean;
  readonly delete: boolean;
  readonly truncate: boolean;
}

/** Everything `readout sources check` asks PostgreSQL, in one value. */
export interface SourceFacts {
  readonly walLevel: string;
  readonly maxReplicationSlots: number;
  readonly maxWalSenders: number;
  /** The capture role (the connector's database.user); null: no such role. */
  readonly role: { readonly login: boolean; readonly replication: boolean } | null;
  /** The connector's publication; null: it does not exist. */
  readonly publication: PublicationFacts | null;
  /** The connector's replication slot; null: not created yet (the connector creates it). */
  readonly slot: { readonly active: boolean; readonly walStatus: string | null } | null;
  /** Every table the definitions read, in the order asked. */
  readonly tables: readonly TableFacts[];
  readonly signal: TableFacts;
}

/** Names the inspection and the checks share: from the connector's template and the config. */
export interface CaptureNames {
  /** The connector's database.user. */
  readonly role: string;
  readonly publication: string;
  readonly slot: string;
  readonly signal: TableName;
}
