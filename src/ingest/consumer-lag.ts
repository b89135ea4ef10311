import { Kafka, logLevel } from 'kafkajs';

/** How far one consumer group is behind on one partition. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset (the next it will read), or null if it never committed. */
  readonly committed: string | null;
  /** The partition's end: the offset the next record will get. */
  readonly high: string;
  /** Records not yet consumed: high − committed (high − low when it never committed). */
  readonly lag: string;
}

/** Reads a group's committed offsets and the partitions' ends (topics that do not exist are left out). */
export async function readConsumerLag(options: {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly topics: readonly string[];
}): Promise<PartitionLag[]> {
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const topics = options.topics.filter((topic) => existing.has(topic));
    if (topics.length === 0) return [];
    const committed = await admin.fetchOffsets({ groupId: options.groupId, topics });
    const result: PartitionLag[] = [];
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const group = committed.find((entry) => entry.topic === topic)?.partitions ?? [];
      for (const end of ends) {
        const offset = group.find((p) => p.partition === end.partition)?.offset ?? '-1';
        const from = offset === '-1' ? BigInt(end.low) : BigInt(offset);
        result.push({
          topic,
          partition: end.partition,
          committed: offset === '-1' ? null : offset,
          high: end.high,
          lag: (BigInt(end.high) - from).toString(),
        });
      }
    }
    return result.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}
