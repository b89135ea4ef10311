/**
 * ingest: Kafka → batches of raw records per partition. Guarantee: at-least-once; offsets are
 * committed only after the batch handler resolved (Redis acknowledged). kafkajs stays in here.
 */
export { createKafkaSource } from './kafka-source.js';
export type { KafkaSourceOptions } from './kafka-source.js';
export type { ChangeSource, SourceBatch } from './source.js';
