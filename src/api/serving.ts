import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors/index.ts';
import type { CompiledModel } from '../projection/index.ts';
import { emptySnapshot, type ModelSnapshot } from '../store/index.ts';
import { QueryRejected } from './ad-hoc-query.ts';
import type { ApiContext } from './context.ts';

/** A snapshot no change has reached: subscriptions check their arguments against it first. */
export const EMPTY_SNAPSHOT: ModelSnapshot = emptySnapshot('');

/**
 * A snapshot the API may answer from: a projector has written the model, and it is not replaying
 * what Redis lost. Otherwise the answer would be wrong numbers, so it is a precise error instead.
 */
export function servable(model: CompiledModel, snapshot: ModelSnapshot): ModelSnapshot {
  if (snapshot.definition !== null && snapshot.definition !== model.fingerprint)
    throw new GraphQLError(
      `read model "${model.name}" was computed with another definition than ${model.name}.yaml's: it is not served until rebuilt (readout rebuild ${model.name})`,
      { extensions: { code: ErrorCode.ReadModelStale } },
    );
  if (snapshot.version === 0n)
    throw new GraphQLError(
      `read model "${snapshot.model}" has no data yet: no projector has filled it (is one running?)`,
      { extensions: { code: ErrorCode.ReadModelNotReady } },
    );
  if (snapshot.catchingUp)
    throw new GraphQLError(
      `read model "${snapshot.model}" is being filled from Kafka: a new model's backfill, or a replay of what Redis lost`,
      { extensions: { code: ErrorCode.ReadModelNotReady } },
    );
  return snapshot;
}

export function requireModel(context: ApiContext, name: string): CompiledModel {
  const model = context.models.get(name);
  if (!model) {
    throw new GraphQLError(`read model "${name}" is not defined (no readmodels/*.yaml names it)`, {
      extensions: { code: ErrorCode.ReadModelUndefined },
    });
  }
  return model;
}

/** Runs a view; a rejected argument becomes a precise GraphQL error naming it. */
export function answer<T>(compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    if (error instanceof QueryRejected)
      throw new GraphQLError(error.message, {
        extensions: { code: ErrorCode.BadUserInput, argumentName: error.argument },
      });
    throw error;
  }
}
