import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

function stringScalar(
  name: string,
  description: string,
  pattern: RegExp,
  example: string,
): GraphQLScalarType {
  const check = (value: unknown, where: string): string => {
    const text = typeof value === 'bigint' ? value.toString() : value;
    if (typeof text !== 'string' || !pattern.test(text)) {
      throw new GraphQLError(
        `${name} ${where} must be a string like "${example}", got ${JSON.stringify(String(value))}`,
      );
    }
    return text;
  };
  return new GraphQLScalarType({
    name,
    description,
    serialize: (value) => check(value, 'output'),
    parseValue: (value) => check(value, 'input'),
    parseLiteral: (ast: ValueNode) => {
      if (ast.kind !== Kind.STRING)
        throw new GraphQLError(`${name} literals must be strings, e.g. "${example}"`);
      return check(ast.value, 'input');
    },
  });
}

/** Exact decimals travel as strings; JSON numbers would be read as floats by most clients. */
export const DecimalScalar = stringScalar(
  'Decimal',
  'An exact decimal number as a string.',
  /^-?\d+(\.\d+)?$/,
  '1234.50',
);
export const BigIntScalar = stringScalar(
  'BigInt',
  'A 64-bit integer as a string.',
  /^-?\d+$/,
  '9007199254740993',
);
export const DateTimeScalar = stringScalar(
  'DateTime',
  'An ISO-8601 instant in UTC.',
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/,
  '2026-11-24T03:32:59.175Z',
);
