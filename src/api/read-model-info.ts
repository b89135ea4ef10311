import type { CompiledModel } from '../projection/index.ts';
import type { ReadModelInfo } from './generated/resolvers-types.ts';
import { dimensionsOf } from './model-view.ts';
import { modelNames } from './typed/graphql-names.ts';

/** What `readModels` says of a read model: its definition, as an analyst needs it for `aggregate`. */
export function readModelInfo(model: CompiledModel): ReadModelInfo {
  const { definition } = model;
  const names = modelNames(definition);
  const field = (name: string) => names.rowFields.get(name) ?? name;
  return {
    name: definition.name,
    field: names.field,
    description: definition.description ?? null,
    source: definition.source,
    kind: definition.kind === 'flow' ? 'FLOW' : 'STATE',
    archive: definition.archive === 'retract' ? 'RETRACT' : 'KEEP',
    dimensions: dimensionsOf(definition).map((dimension) => ({
      name: dimension.name,
      field: field(dimension.name),
      kind: dimension.kind === 'time' ? 'TIME' : dimension.kind === 'band' ? 'BAND' : 'COLUMN',
      column: dimension.column,
      unit: dimension.unit ? (dimension.unit.toUpperCase() as 'MINUTE' | 'HOUR' | 'DAY') : null,
      timeZone: dimension.timeZone,
      bandEdges: dimension.edges ? [...dimension.edges] : null,
    })),
    measures: definition.measures.map((measure) => ({
      name: measure.name,
      field: field(measure.name),
      type: measure.type.toUpperCase() as Uppercase<typeof measure.type>,
      column: 'column' in measure ? measure.column : null,
      scale: 'scale' in measure ? measure.scale : null,
    })),
    retention: definition.retention ?? null,
    top: definition.top ? { by: definition.top.by, limit: definition.top.limit } : null,
  };
}
