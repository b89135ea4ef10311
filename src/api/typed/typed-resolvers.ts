import type { ReadModelDefinition } from '../../definitions/index.ts';
import type { ModelSnapshot } from '../../store/index.ts';
import type { ApiContext } from '../context.ts';
import { EMPTY_SNAPSHOT, answer, requireModel, servable } from '../serving.ts';
import { modelNames } from './graphql-names.ts';
import { typedAnswer, type TypedArgs } from './typed-view.ts';

type Resolver = (parent: unknown, args: TypedArgs, context: ApiContext) => unknown;

export interface TypedResolvers {
  readonly Query: Record<string, Resolver>;
  readonly Subscription: Record<
    string,
    {
      subscribe: Resolver;
      resolve: (snapshot: ModelSnapshot, args: TypedArgs, context: ApiContext) => unknown;
    }
  >;
  /** The answer types' freshness comes from the snapshot they were computed from. */
  readonly types: Record<string, { freshness: (answer: { freshness: ModelSnapshot }) => ModelSnapshot }>;
}

/**
 * The generated fields' resolvers: each model's Query field answers from the snapshot read now,
 * its Subscription field from every pushed snapshot, both through the same typedAnswer. The model
 * is looked up by name on every call, so a reloaded definition is the one that answers.
 */
export function typedResolvers(definitions: readonly ReadModelDefinition[]): TypedResolvers {
  const query: TypedResolvers['Query'] = {};
  const subscription: TypedResolvers['Subscription'] = {};
  const types: TypedResolvers['types'] = {};
  for (const definition of definitions) {
    const { field, type } = modelNames(definition);
    const name = definition.name;
    query[field] = async (_parent, args, context) => {
      const model = requireModel(context, name);
      const snapshot = servable(model, await context.live.current(name));
      return answer(() => typedAnswer(model.definition, snapshot, args));
    };
    subscription[field] = {
      subscribe: (_parent, args, context) => {
        const model = requireModel(context, name);
        answer(() => typedAnswer(model.definition, EMPTY_SNAPSHOT, args)); // refuses bad arguments first
        return context.live.watch(name);
      },
      resolve: (snapshot, args, context) => {
        const model = requireModel(context, name);
        return answer(() => typedAnswer(model.definition, servable(model, snapshot), args));
      },
    };
    types[type] = { freshness: (result) => result.freshness };
  }
  return { Query: query, Subscription: subscription, types };
}
