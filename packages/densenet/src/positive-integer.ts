/**
 * Throws unless `value` is a positive integer: a RangeError for a number that is not one, a
 * TypeError for anything else; the message starts with `caller` and names `field`.
 */
export function assertPositiveInteger(
  value: unknown,
  field: string,
  caller: string,
): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new (typeof value === 'number' ? RangeError : TypeError)(
      `${caller}: ${field} must be a positive integer, got ${String(value)}`,
    );
  }
}
