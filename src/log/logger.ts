import { pino } from 'pino';
import pretty from 'pino-pretty';

export type Logger = pino.Logger;

/**
 * Structured JSON logs on stderr, one line per event; `component` names the stage. In a terminal
 * (stderr is a TTY) the same events are printed readably instead; READOUT_LOG_FORMAT=json keeps
 * JSON there too.
 */
export function createLogger(level: string, component: string): Logger {
  const readable = process.stderr.isTTY && process.env.READOUT_LOG_FORMAT !== 'json';
  const destination = readable
    ? pretty({ destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
    : pino.destination(2);
  return pino({ level, base: { component } }, destination);
}
