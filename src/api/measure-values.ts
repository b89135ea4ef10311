/** sum / n rounded half away from zero, in the same units. */
export function roundedQuotient(sum: bigint, n: bigint): bigint {
  const negative = sum < 0n;
  const magnitude = negative ? -sum : sum;
  const quotient = (magnitude * 2n + n) / (2n * n);
  return negative ? -quotient : quotient;
}
