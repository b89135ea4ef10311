import type { RawRecord } from '../../src/decode/index.ts';
import type { ChangeSource, PartitionRange, Rewind, SourceBatch } from '../../src/ingest/index.ts';

/**
 * A ChangeSource in memory with Kafka's delivery contract: batches per partition in offset order,
 * a batch whose handler rejects is delivered again, a Rewind or a seek makes the partition read
 * again from that offset, and offsets are "committed" only after the handler resolved. One
 * consumer owns every partition. For driving the projector service in process.
 */
export interface MemorySource extends ChangeSource {
  /** Appends records (key and value as given) to a partition; returns the offsets they got. */
  append(
    topic: string,
    partition: number,
    records: ReadonlyArray<Pick<RawRecord, 'key' | 'value'>>,
  ): string[];
  /** Resolves once every partition is read to its end and no batch is in flight. */
  idle(): Promise<void>;
  /** Handler failures so far (each batch was delivered again). */
  readonly failures: unknown[];
}

const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`;

export function createMemorySource({ batchSize = 100 } = {}): MemorySource {
  const logs = new Map<string, RawRecord[]>();
  const cursors = new Map<string, number>();
  const failures: unknown[] = [];
  let handle: ((batch: SourceBatch) => Promise<void | Rewind>) | undefined;
  let running = false;
  let committed = false;
  let loop: Promise<void> | undefined;
  let wake: () => void = () => undefined;
  const idlers: Array<() => void> = [];

  const parse = (key: string): [string, number] => {
    const at = key.lastIndexOf('/');
    return [key.slice(0, at), Number(key.slice(at + 1))];
  };
  const rangeOf = (key: string): PartitionRange => {
    const [topic, partition] = parse(key);
    return { topic, partition, low: '0', high: String(logs.get(key)?.length ?? 0) };
  };
  const pendingKey = () =>
    [...logs.keys()].find((key) => (cursors.get(key) ?? 0) < (logs.get(key)?.length ?? 0));

  async function run(): Promise<void> {
    while (running) {
      const key = pendingKey();
      if (key === undefined) {
        for (const idler of idlers.splice(0)) idler();
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const [topic, partition] = parse(key);
      const log = logs.get(key) ?? [];
      const from = cursors.get(key) ?? 0;
      const records = log.slice(from, from + batchSize);
      const batch: SourceBatch = { topic, partition, records, highWatermark: String(log.length) };
      try {
        const rewind = await handle?.(batch);
        if (rewind) cursors.set(key, Number(rewind.rewindTo));
        // A seek made while the batch ran wins over its end (as the Kafka adapter's seek does).
        else if ((cursors.get(key) ?? 0) === from) cursors.set(key, from + records.length);
        committed = true;
      } catch (error) {
        failures.push(error);
        await new Promise((resolve) => setTimeout(resolve, 20)); // delivered again
      }
    }
  }

  return {
    failures,
    append(topic, partition, records) {
      const key = partitionKey(topic, partition);
      const log = logs.get(key) ?? [];
      logs.set(key, log);
      const offsets = records.map((record) => {
        const offset = String(log.length);
        log.push({ topic, partition, offset, key: record.key, value: record.value });
        return offset;
      });
      wake();
      return offsets;
    },
    idle() {
      // The loop resolves idlers whenever it finds nothing to read; woken, it looks at once (a
      // batch in flight finishes first).
      return new Promise<void>((resolve) => {
        idlers.push(resolve);
        wake();
      });
    },
    async start(handler) {
      handle = handler;
      running = true;
      loop = run();
      await Promise.resolve();
    },
    existingTopics() {
      return Promise.resolve([...new Set([...logs.keys()].map((key) => parse(key)[0]))]);
    },
    assigned() {
      return Promise.resolve([...logs.keys()].map(rangeOf));
    },
    ranges() {
      return Promise.resolve([...logs.keys()].map(rangeOf));
    },
    range(topic, partition) {
      return Promise.resolve(rangeOf(partitionKey(topic, partition)));
    },
    seek(topic, partition, offset) {
      cursors.set(partitionKey(topic, partition), Number(offset));
      wake();
    },
    async setTopics() {
      // Every appended topic is read.
    },
    groupHasCommitted() {
      return Promise.resolve(committed);
    },
    async pause() {
      running = false;
      wake();
      await loop;
    },
    async stop() {
      running = false;
      wake();
      await loop;
    },
  };
}
