export type BucketUnit = 'minute' | 'hour' | 'day';

const UNIT_MS: Record<BucketUnit, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let cached = formatters.get(timeZone);
  if (!cached) {
    cached = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, cached);
  }
  return cached;
}

const offsetCache = new Map<string, number>();
const OFFSET_CACHE_LIMIT = 10_000;
// The last offset found (see offsetAt).
let lastOffset: { timeZone: string | null; minute: number; offset: number } = {
  timeZone: null,
  minute: 0,
  offset: 0,
};

/**
 * The zone's offset from UTC at an instant, in ms (wall clock minus UTC). Zones change offset only
 * on whole minutes, so the answer is cached per zone and minute (Intl is slow per call).
 */
function offsetAt(ms: number, timeZone: string): number {
  const minute = Math.floor(ms / 60_000);
  // Consecutive rows mostly fall in the same minute: the last answer first, without a key.
  if (lastOffset.timeZone === timeZone && lastOffset.minute === minute) return lastOffset.offset;
  const key = `${timeZone}|${minute}`;
  let offset = offsetCache.get(key);
  if (offset === undefined) {
    offset = computeOffset(ms, timeZone);
    if (offsetCache.size >= OFFSET_CACHE_LIMIT) offsetCache.clear();
    offsetCache.set(key, offset);
  }
  lastOffset = { timeZone, minute, offset };
  return offset;
}

function computeOffset(ms: number, timeZone: string): number {
  const whole = ms - (((ms % 1000) + 1000) % 1000);
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(whole)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return wall - whole;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function isoWithOffset(wallMs: number, offsetMs: number): string {
  const wall = new Date(wallMs);
  const sign = offsetMs < 0 ? '-' : '+';
  const minutes = Math.abs(offsetMs) / 60_000;
  return (
    `${wall.getUTCFullYear()}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}` +
    `T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:00${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`
  );
}

export interface Bucket {
  /** The bucket's start as an instant, epoch ms. */
  readonly startMs: number;
  /** The bucket's start as local time with its offset, e.g. "2026-11-24T14:00:00+01:00". */
  readonly label: string;
}

/**
 * The last bucket found per unit: the rows of a batch fall mostly in the same few buckets, and
 * every model bucketing a table by the same column asks for the same row's one after another.
 */
const lastBuckets: Partial<
  Record<BucketUnit, { timeZone: string; startWall: number; offset: number; bucket: Bucket }>
> = {};

/** Parses "90m", "48h", "35d" into milliseconds. */
export function durationMs(text: string): number {
  const match = /^(\d+)(m|h|d)$/.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  const unit = match[2] === 'm' ? 60_000 : match[2] === 'h' ? 3_600_000 : 86_400_000;
  return Number(match[1]) * unit;
}

/**
 * The minute, hour or day (of the wall clock in `timeZone`) that contains the instant `ms`.
 * Days follow the zone's calendar, so a day around a DST change lasts 23 or 25 hours.
 */
export function bucketOf(ms: number, unit: BucketUnit, timeZone: string): Bucket {
  const offset = offsetAt(ms, timeZone);
  const wall = ms + offset;
  const startWall = wall - (((wall % UNIT_MS[unit]) + UNIT_MS[unit]) % UNIT_MS[unit]);
  const last = lastBuckets[unit];
  // The bucket depends only on where its wall clock starts and the offset there: the same start
  // and offset as the last one of this unit and zone is the same bucket.
  if (last?.timeZone === timeZone && last.startWall === startWall && last.offset === offset)
    return last.bucket;
  // The offset at the bucket's start can differ from the offset now (a DST change in between).
  const startOffset = offsetAt(startWall - offset, timeZone);
  const bucket = { startMs: startWall - startOffset, label: isoWithOffset(startWall, startOffset) };
  lastBuckets[unit] = { timeZone, startWall, offset, bucket };
  return bucket;
}
