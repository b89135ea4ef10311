import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { ReadoutError } from '../../src/errors/index.js';

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

  it('reports every bad variable at once, by name, with what was expected', () => {
    let error: unknown;
    try {
      loadConfig({
        READOUT_API_PORT: 'eighty',
        READOUT_KAFKA_BROKERS: 'nohost',
        READOUT_REDIS_URL: 'http://x',
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
  });
});
