import type { SourceDefinition, TruncatePolicy } from '../definitions/index.ts';

/** How cleanups of each captured table are recognised and guarded (from config and sources.yaml). */
export interface CleanupRules {
  /** Replication origins whose transactions are archival (the archiver's, and any the operator names). */
  readonly archiveOrigins: ReadonlySet<string>;
  /** Rows a transaction must change in the table for its untagged deletes to be held (0: no guard). */
  massDeleteRows(table: string): number;
  truncatePolicy(table: string): TruncatePolicy;
}

export function createCleanupRules(
  sources: readonly SourceDefinition[],
  defaults: { readonly archiveOrigins: readonly string[]; readonly massDeleteRows: number },
): CleanupRules {
  const byTable = new Map(sources.map((source) => [source.table, source]));
  return {
    archiveOrigins: new Set(defaults.archiveOrigins),
    massDeleteRows: (table) => byTable.get(table)?.massDeleteRows ?? defaults.massDeleteRows,
    truncatePolicy: (table) => byTable.get(table)?.truncate ?? 'hold',
  };
}
