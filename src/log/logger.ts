import { pino } from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs on stderr, one line per event; `component` names the stage. */
export function createLogger(level: string, component: string): Logger {
  return pino({ level, base: { component } }, pino.destination(2));
}
