import { buildSchema, specifiedRules } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createDocumentCache } from '../../src/api/document-cache.ts';

const schema = buildSchema('type Query { a: Int, b: Int }');
const cache = (capacity: number) =>
  createDocumentCache({ schema, rules: specifiedRules, maxTokens: 50, capacity });

describe('the document cache of the WebSocket side', () => {
  it('gives every subscriber of the same text the same parsed document', () => {
    const check = cache(10);
    const first = check('{ a }');
    expect(first.document).toBeDefined();
    expect(check('{ a }').document).toBe(first.document);
    expect(check('{ b }').document).not.toBe(first.document);
  });

  it('keeps refusals as precise errors: syntax, validation and the token limit', () => {
    const check = cache(10);
    expect(check('{ a').errors?.[0]?.message).toMatch(/^Syntax Error: Expected Name, found <EOF>/);
    expect(check('{ c }').errors?.[0]?.message).toMatch(/Cannot query field "c" on type "Query"/);
    const long = `{ ${Array.from({ length: 30 }, (_, i) => `x${i}: a`).join(' ')} }`;
    expect(check(long).errors?.[0]?.message).toMatch(/contains more (than|that) 50 tokens/);
    expect(check('{ c }').document).toBeUndefined();
  });

  it('drops the least recently used text beyond its capacity', () => {
    const check = cache(2);
    const a = check('{ a }').document;
    const b = check('{ b }').document;
    expect(check('{ a }').document).toBe(a); // a is now the most recent
    check('{ a b }'); // evicts b
    expect(check('{ a }').document).toBe(a);
    expect(check('{ b }').document).not.toBe(b);
  });
});
