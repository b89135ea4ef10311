/**
 * The baseline of bench/projector-processes.ts: one bare kafkajs consumer process in a consumer
 * group, reading every message and JSON-parsing key and value, committing after each batch as
 * Readout's source does, with the same fetch sizes. Runs until SIGTERM.
 *   node bench/support/bare-consumer.ts <brokers> <group> <topic>
 */
import { Kafka, logLevel } from 'kafkajs';

const [brokers = '127.0.0.1:19092', groupId = 'bench-bare', topic = 'bench'] = process.argv.slice(2);
const kafka = new Kafka({
  clientId: 'readout-bench',
  brokers: brokers.split(','),
  logLevel: logLevel.NOTHING,
});
const consumer = kafka.consumer({
  groupId,
  maxBytesPerPartition: 8 * 1024 * 1024,
  maxBytes: 16 * 1024 * 1024,
});
await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
let parsed = 0;
await consumer.run({
  autoCommit: false,
  eachBatch: async ({ batch }) => {
    for (const message of batch.messages) {
      const key = JSON.parse(message.key?.toString('utf8') ?? 'null') as unknown;
      const value = message.value ? (JSON.parse(message.value.toString('utf8')) as unknown) : null;
      if (key && value) parsed += 1;
    }
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
  },
});
process.once('SIGTERM', () => {
  void consumer.disconnect().then(() => process.exit(parsed >= 0 ? 0 : 1));
});
