import type { ReadoutConfig } from '../config/index.ts';

/** What a `readout <name>` subcommand does. Exit codes: 0 done, 1 failed, 2 bad usage or configuration. */
export interface CommandRun {
  run(config: ReadoutConfig, args: string[]): Promise<void>;
}

/** One `readout <name>` subcommand as `readout help` lists it; its code is loaded when it runs. */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  /** Shown by `readout <name> --help`. */
  readonly usage: string;
  /** Runs unattended (the projector, the API): logs JSON unless on a terminal, not a person's lines. */
  readonly service?: true;
  load(): Promise<CommandRun>;
}

/** Bad arguments: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Resolves on the first SIGTERM or SIGINT. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}

export function positiveInteger(text: string, option: string, allowZero = false): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new UsageError(
      `${option} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got "${text}"`,
    );
  }
  return value;
}

/** JSON with bigints as strings (the exact text) and maps as objects (an event's columnTypes), for --json output. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, item: unknown): unknown =>
      typeof item === 'bigint'
        ? item.toString()
        : item instanceof Map
          ? Object.fromEntries(item as Map<string, unknown>)
          : item,
    2,
  );
}
