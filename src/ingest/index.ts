/**
 * ingest: Kafka → batches of raw records per partition. Guarantee: at-least-once; offsets are
 * committed only after the batch handler resolved (Redis acknowledged). kafkajs stays in here.
 */
export { createKafkaSource } from './kafka-source.js';
export type { KafkaSourceOptions } from './kafka-source.js';
export type { ChangeSource, PartitionRange, Rewind, SourceBatch } from './source.js';
export { readConsumerLag } from './consumer-lag.js';
export type { PartitionLag } from './consumer-lag.js';
