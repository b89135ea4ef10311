/** Configuration: one pure function from the environment to a validated, typed config. */
export { loadConfig } from './load-config.js';
export type { ApiLimits, ReadoutConfig } from './load-config.js';
