import { decodeRecord, type ChangeEvent, type DecodeLimits, type RawRecord } from '../decode/index.js';
import type { Logger } from '../log/logger.js';

/**
 * Decodes records, keeping the most CPU time one took (a record must never hold the loop for
 * long). CPU time, not the clock: on a busy machine the clock also counts the moments the process
 * was not running at all, which says nothing of the record.
 */
export interface DecodeTiming {
  decode(record: RawRecord): ChangeEvent;
  readonly slowestMs: number;
}

/** A record that takes longer than this to decode is named in the log (it holds the event loop). */
const SLOW_DECODE_MS = 50;

export function decodeTiming(limits: DecodeLimits | undefined, logger: Logger): DecodeTiming {
  let slowestMs = 0;
  return {
    decode(record) {
      const cpu = process.cpuUsage();
      try {
        return decodeRecord(record, 'auto', limits);
      } finally {
        const used = process.cpuUsage(cpu);
        const ms = (used.user + used.system) / 1000;
        slowestMs = Math.max(slowestMs, ms);
        if (ms > SLOW_DECODE_MS)
          logger.warn(
            {
              topic: record.topic,
              partition: record.partition,
              offset: record.offset,
              bytes: (record.key?.length ?? 0) + (record.value?.length ?? 0),
              cpuMs: Math.round(ms),
            },
            'a record took much CPU time to decode',
          );
      }
    },
    get slowestMs() {
      return slowestMs;
    },
  };
}
