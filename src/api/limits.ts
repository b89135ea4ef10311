import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type ASTVisitor,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { ApiLimits } from '../config/index.ts';
import { ErrorCode } from '../errors/index.ts';

/** Depth, aliases and cost of an operation, fragments expanded (each fragment counted where spread). */
interface Measured {
  depth: number;
  aliases: number;
  fields: number;
}

function measure(
  context: ValidationContext,
  selectionSet: SelectionSetNode,
  seen: ReadonlySet<string>,
): Measured {
  const total: Measured = { depth: 0, aliases: 0, fields: 0 };
  for (const selection of selectionSet.selections) {
    let inner: Measured | null = null;
    let ownDepth = 0;
    if (selection.kind === Kind.FIELD) {
      total.fields += 1;
      if (selection.alias) total.aliases += 1;
      ownDepth = 1;
      if (selection.selectionSet) inner = measure(context, selection.selectionSet, seen);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      inner = measure(context, selection.selectionSet, seen);
    } else {
      const name = selection.name.value;
      const fragment = context.getFragment(name);
      // A cycle is reported by the standard rules; here it simply stops.
      if (fragment && !seen.has(name))
        inner = measure(context, fragment.selectionSet, new Set([...seen, name]));
    }
    if (inner) {
      total.aliases += inner.aliases;
      total.fields += inner.fields;
    }
    total.depth = Math.max(total.depth, ownDepth + (inner?.depth ?? 0));
  }
  return total;
}

/**
 * The depth an introspection-only operation may reach. GraphiQL's (graphql-js's
 * getIntrospectionQuery) is 15 deep, past the default limit of 10, because of the `ofType` chain of
 * its TypeRef fragment; 20 leaves room for its options, and still bounds a crafted one, which the
 * cost, alias and token limits bound as well.
 */
export const INTROSPECTION_MAX_DEPTH = 20;

const INTROSPECTION_FIELDS = new Set(['__schema', '__type', '__typename']);

/** Does the operation select nothing but `__schema`, `__type` (and `__typename`) at its root? */
function introspectionOnly(
  context: ValidationContext,
  selectionSet: SelectionSetNode,
  seen: ReadonlySet<string>,
): boolean {
  return selectionSet.selections.every((selection) => {
    if (selection.kind === Kind.FIELD) return INTROSPECTION_FIELDS.has(selection.name.value);
    if (selection.kind === Kind.INLINE_FRAGMENT)
      return introspectionOnly(context, selection.selectionSet, seen);
    const name = selection.name.value;
    const fragment = context.getFragment(name);
    if (!fragment || seen.has(name)) return true; // reported by the standard rules
    return introspectionOnly(context, fragment.selectionSet, new Set([...seen, name]));
  });
}

/**
 * The rules that keep one request from costing the server too much, for both transports (Apollo's
 * validation on HTTP, graphql-ws's validate on WebSocket). Tokens are limited at parse time. With
 * introspection on, an operation that only introspects has its own depth limit.
 */
export function limitRules(limits: ApiLimits, introspection: boolean): ValidationRule[] {
  const limitsRule: ValidationRule = (context): ASTVisitor => ({
    OperationDefinition(node) {
      const { depth, aliases, fields } = measure(context, node.selectionSet, new Set());
      const introspective = introspection && introspectionOnly(context, node.selectionSet, new Set());
      const maxDepth = introspective ? Math.max(limits.maxDepth, INTROSPECTION_MAX_DEPTH) : limits.maxDepth;
      const refuse = (what: string, value: number, max: number, variable: string) =>
        context.reportError(
          new GraphQLError(`${what} ${value} exceeds the limit of ${max} (${variable})`, {
            nodes: [node],
            extensions: { code: ErrorCode.QueryTooComplex },
          }),
        );
      if (depth > maxDepth)
        refuse('query depth', depth, maxDepth, introspective ? 'of introspection' : 'READOUT_API_MAX_DEPTH');
      if (aliases > limits.maxAliases)
        refuse('aliases', aliases, limits.maxAliases, 'READOUT_API_MAX_ALIASES');
      if (fields > limits.maxCost)
        refuse('query cost (fields selected)', fields, limits.maxCost, 'READOUT_API_MAX_COST');
    },
  });
  return introspection ? [limitsRule] : [limitsRule, NoSchemaIntrospectionCustomRule];
}

/** Strips "Did you mean …?" from validation errors when the schema is not to be disclosed. */
export function withoutSuggestions(error: GraphQLError): GraphQLError {
  const message = error.message.replace(/ ?Did you mean .*\?$/, '');
  return message === error.message
    ? error
    : new GraphQLError(message, { nodes: error.nodes ?? null, extensions: error.extensions });
}
