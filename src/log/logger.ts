import { pino } from 'pino';
import pretty from 'pino-pretty';

export type Logger = pino.Logger;

/**
 * How log lines look: `json` one JSON object per line (for log collectors), `text` one short line
 * a person reads, `auto` text on a terminal and JSON elsewhere.
 */
export type LogFormat = 'auto' | 'json' | 'text';

/** A person's line: "component: message (the error's message)"; the fields stay in JSON. */
function personLine(log: Record<string, unknown>, messageKey: string): string {
  const err = log.err as { message?: unknown } | undefined;
  const reason = typeof err?.message === 'string' ? ` (${err.message})` : '';
  return `${String(log.component)}: ${String(log[messageKey])}${reason}`;
}

/**
 * Logs on stderr; `component` names the stage. The services (projector, API) default to `auto`,
 * so that a terminal shows readable lines with every field and a collector gets JSON; the commands
 * a person runs default to `text` (JSON with --json). READOUT_LOG_FORMAT overrides both.
 */
export function createLogger(level: string, component: string, format: LogFormat = 'auto'): Logger {
  const terminal = Boolean(process.stderr.isTTY);
  if (format === 'json' || (format === 'auto' && !terminal)) {
    return pino({ level, base: { component } }, pino.destination(2));
  }
  const destination =
    format === 'text'
      ? pretty({
          destination: 2,
          colorize: terminal,
          translateTime: 'SYS:HH:MM:ss',
          hideObject: true,
          messageFormat: personLine,
        })
      : pretty({ destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  return pino({ level, base: { component } }, destination);
}
