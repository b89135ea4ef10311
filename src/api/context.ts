import type { HeldFeed, LiveFeed } from '../live/index.ts';
import type { CompiledModel } from '../projection/index.ts';
import type { GuardStore, ReadModelStore } from '../store/index.ts';

/** What every resolver may use; built once per process (no per-request state yet). */
export interface ApiContext {
  readonly store: ReadModelStore;
  /** The mass-delete guard's state (null when the guard is off). */
  readonly guard: GuardStore | null;
  readonly live: LiveFeed;
  /** The guard's held changes, live (an empty list when the guard is off). */
  readonly held: HeldFeed;
  /** The read models, by name, as loaded from their definitions. */
  readonly models: ReadonlyMap<string, CompiledModel>;
  /** The current time in epoch ms (a function so tests can fix it). */
  readonly now: () => number;
}
