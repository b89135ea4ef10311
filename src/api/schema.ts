import { readFileSync } from 'node:fs';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { Kind, parse, type GraphQLSchema } from 'graphql';
import type { ReadModelDefinition } from '../definitions/index.ts';
import { ErrorCode, ReadoutError } from '../errors/index.ts';
import { nameClashes } from './typed/graphql-names.ts';
import { resolvers } from './resolvers.ts';
import { typedResolvers } from './typed/typed-resolvers.ts';
import { typedSdl } from './typed/typed-sdl.ts';

type Resolvers = Extract<Parameters<typeof makeExecutableSchema>[0]['resolvers'], readonly unknown[]>[number];

/** Readout's own part of the schema (hand-written: the source of truth for it). */
export const BASE_SCHEMA_FILE = new URL('../../schema/readout.graphql', import.meta.url);

export function baseSdl(): string {
  return readFileSync(BASE_SCHEMA_FILE, 'utf8');
}

/**
 * The API's schema for these read models: schema/readout.graphql, plus the typed fields and types
 * generated from the definitions (typed/typed-sdl.ts), joined to their resolvers.
 */
export function buildSchema(definitions: readonly ReadModelDefinition[]): GraphQLSchema {
  checkNames(definitions);
  const typed = typedResolvers(definitions);
  return makeExecutableSchema({
    typeDefs: [baseSdl(), typedSdl(definitions)],
    resolvers: [
      resolvers as Resolvers,
      { Query: typed.Query, Subscription: typed.Subscription, ...typed.types } as Resolvers,
    ],
  });
}

/** The type names and root fields schema/readout.graphql already uses. */
function takenNames(): { types: Set<string>; fields: Set<string> } {
  const types = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);
  const fields = new Set<string>();
  for (const node of parse(baseSdl()).definitions) {
    if (!('name' in node) || !node.name) continue;
    types.add(node.name.value);
    if (node.kind === Kind.OBJECT_TYPE_DEFINITION && ['Query', 'Subscription'].includes(node.name.value))
      for (const field of node.fields ?? []) fields.add(field.name.value);
  }
  return { types, fields };
}

/** Refuses definitions whose GraphQL names clash, naming each clash (rather than a graphql-js error). */
export function checkNames(definitions: readonly ReadModelDefinition[]): void {
  const problems = nameClashes(definitions, takenNames());
  if (problems.length > 0)
    throw new ReadoutError(
      ErrorCode.ConfigInvalid,
      `Read models whose GraphQL names clash (rename one of each):\n  ${problems.join('\n  ')}`,
      { details: { problems } },
    );
}
