/**
 * ingest: Kafka → batches of raw records per partition. Guarantee: at-least-once; offsets are
 * committed only after the batch handler resolved (Redis acknowledged). kafkajs stays in here.
 */
export { createKafkaSource } from './kafka-source.ts';
export type { KafkaSourceOptions } from './kafka-source.ts';
export type { ChangeSource, PartitionRange, Rewind, SourceBatch } from './source.ts';
export { readConsumerLag } from './consumer-lag.ts';
export type { PartitionLag } from './consumer-lag.ts';
export { readTopic } from './topic-reader.ts';
export type { TopicReaderOptions } from './topic-reader.ts';
