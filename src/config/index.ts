/** Configuration: one pure function from the environment to a validated, typed config. */
export { loadConfig } from './load-config.ts';
export type { ApiLimits, ReadoutConfig } from './load-config.ts';
