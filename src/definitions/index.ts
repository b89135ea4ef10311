/**
 * definitions: read-model definition files (readmodels/*.yaml) → validated definitions. The only
 * place that reads them; every problem names the file, the field and what was expected.
 */
export { SOURCES_FILE, loadDefinitions, loadSources, parseDefinition } from './load-definitions.ts';
export { columnReferences, missingColumns } from './column-references.ts';
export type { ColumnReference } from './column-references.ts';
export { sourceDefinition } from './source-schema.ts';
export type { SourceDefinition, TruncatePolicy } from './source-schema.ts';
export type { LoadedDefinition } from './load-definitions.ts';
export { DEFAULT_RETENTION, isTimeZone, readModelDefinition } from './definition-schema.ts';
export type {
  ArchivePolicy,
  ConditionDefinition,
  DimensionDefinition,
  MeasureDefinition,
  ReadModelDefinition,
  WhenDefinition,
} from './definition-schema.ts';
