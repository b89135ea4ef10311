/**
 * definitions: read-model definition files (readmodels/*.yaml) → validated definitions. The only
 * place that reads them; every problem names the file, the field and what was expected.
 */
export { SOURCES_FILE, loadDefinitions, loadSources, parseDefinition } from './load-definitions.js';
export { columnReferences, missingColumns } from './column-references.js';
export type { ColumnReference } from './column-references.js';
export { sourceDefinition } from './source-schema.js';
export type { SourceDefinition, TruncatePolicy } from './source-schema.js';
export type { LoadedDefinition } from './load-definitions.js';
export { DEFAULT_RETENTION, isTimeZone, readModelDefinition } from './definition-schema.js';
export type {
  ArchivePolicy,
  ConditionDefinition,
  DimensionDefinition,
  MeasureDefinition,
  ReadModelDefinition,
  WhenDefinition,
} from './definition-schema.js';
