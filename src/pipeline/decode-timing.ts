import { decodeRecord, type ChangeEvent, type DecodeLimits, type RawRecord } from '../decode/index.ts';
import type { Logger } from '../log/logger.ts';

/**
 * Decodes a batch's records, keeping an upper bound of the CPU time the costliest one took (a
 * record must never hold the event loop for long).
 *
 * Not the clock alone: on a busy machine it also counts the moments the process was not running
 * at all (on two cores shared with Kafka, Connect and PostgreSQL, a 3.8 KB record once "took"
 * 88 ms). Not the CPU time of each record either: asking the kernel costs about a microsecond,
 * a tenth of decoding a small record. So each record is timed by the clock, the whole batch's
 * decoding by CPU time, and one record's cost is at most the smaller of its clock time and the
 * batch's CPU time.
 */
export interface DecodeTiming {
  decode(record: RawRecord): ChangeEvent;
  /** Runs a batch's decoding loop (the CPU time is taken around it). */
  measure<T>(loop: () => T): T;
  readonly slowestMs: number;
}

/** A record that may have taken longer than this to decode is named in the log. */
const SLOW_DECODE_MS = 50;

export function decodeTiming(limits: DecodeLimits | undefined, logger: Logger): DecodeTiming {
  let slowestMs = 0;
  let loop = { slowestWallMs: 0, slowest: null as RawRecord | null };
  return {
    decode(record) {
      const started = performance.now();
      try {
        return decodeRecord(record, 'auto', limits);
      } finally {
        const ms = performance.now() - started;
        if (ms > loop.slowestWallMs) loop = { slowestWallMs: ms, slowest: record };
      }
    },
    measure(run) {
      loop = { slowestWallMs: 0, slowest: null };
      const cpu = process.cpuUsage();
      const result = run();
      const used = process.cpuUsage(cpu);
      const ms = Math.min(loop.slowestWallMs, (used.user + used.system) / 1000);
      slowestMs = Math.max(slowestMs, ms);
      const record = loop.slowest;
      if (ms > SLOW_DECODE_MS && record)
        logger.warn(
          {
            topic: record.topic,
            partition: record.partition,
            offset: record.offset,
            bytes: (record.key?.length ?? 0) + (record.value?.length ?? 0),
            atMostCpuMs: Math.round(ms),
          },
          'a record may have taken long to decode',
        );
      return result;
    },
    get slowestMs() {
      return slowestMs;
    },
  };
}
