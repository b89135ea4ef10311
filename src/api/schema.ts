import { readFileSync, readdirSync } from 'node:fs';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { resolvers } from './resolvers.ts';

const schemaDir = new URL('../../schema/', import.meta.url);

/** The SDL files in schema/ (the source of truth) joined to the resolvers. */
export function buildSchema(): GraphQLSchema {
  const typeDefs = readdirSync(schemaDir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(new URL(file, schemaDir), 'utf8'));
  return makeExecutableSchema({ typeDefs, resolvers });
}
