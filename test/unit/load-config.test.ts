import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { ReadoutError } from '../../src/errors/index.ts';

describe('loadConfig', () => {
  it('has documented defaults that match the local stack', () => {
    const config = loadConfig({});
    expect(config.kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect(config.redis.url).toBe('redis://127.0.0.1:63790');
    expect(config.api.port).toBe(4000);
  });

  it('reads lists and numbers', () => {
    const config = loadConfig({ READOUT_KAFKA_BROKERS: 'a:1, b:2', READOUT_API_PORT: '4100' });
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(config.api.port).toBe(4100);
  });

  it('reads the decode limits, with their documented defaults', () => {
    expect(loadConfig({}).decode).toEqual({
      maxRecordBytes: 8 * 1024 * 1024,
      maxDecimalDigits: 1000,
      maxStringBytes: 1024 * 1024,
      maxDepth: 64,
    });
    expect(
      loadConfig({
        READOUT_MAX_RECORD_BYTES: '1048576',
        READOUT_MAX_DECIMAL_DIGITS: '38',
        READOUT_MAX_STRING_BYTES: '65536',
        READOUT_MAX_NESTING_DEPTH: '8',
      }).decode,
    ).toEqual({ maxRecordBytes: 1048576, maxDecimalDigits: 38, maxStringBytes: 65536, maxDepth: 8 });
    let error: unknown;
    try {
      loadConfig({
        READOUT_MAX_RECORD_BYTES: '0',
        READOUT_MAX_DECIMAL_DIGITS: 'many',
        READOUT_MAX_STRING_BYTES: '1.5',
        READOUT_MAX_NESTING_DEPTH: '-1',
      });
    } catch (caught) {
      error = caught;
    }
    const { message } = error as ReadoutError;
    for (const variable of [
      'READOUT_MAX_RECORD_BYTES',
      'READOUT_MAX_DECIMAL_DIGITS',
      'READOUT_MAX_STRING_BYTES',
      'READOUT_MAX_NESTING_DEPTH',
    ])
      expect(message).toContain(`${variable}: `);
  });

  it('reports every bad variable at once, by name, with what was expected', () => {
    let error: unknown;
    try {
      loadConfig({
        READOUT_API_PORT: 'eighty',
        READOUT_KAFKA_BROKERS: 'nohost',
        READOUT_REDIS_URL: 'http://x',
        READOUT_LOG_FORMAT: 'xml',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ReadoutError);
    const { code, message } = error as ReadoutError;
    expect(code).toBe('CONFIG_INVALID');
    expect(message).toMatch(/READOUT_API_PORT: .*number.*"eighty"/);
    expect(message).toMatch(/READOUT_KAFKA_BROKERS: .*host:port.*"nohost"/);
    expect(message).toMatch(/READOUT_REDIS_URL: .*"http:\/\/x"/);
    expect(message).toMatch(/READOUT_LOG_FORMAT: .*json.*text.*"xml"/);
  });

  it('leaves the log format to each process unless READOUT_LOG_FORMAT names one', () => {
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(loadConfig({ READOUT_LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(loadConfig({ READOUT_LOG_FORMAT: 'text' }).logFormat).toBe('text');
  });
});
