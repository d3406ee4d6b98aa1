import { InvalidArgumentError } from 'commander';

/** Commander parser for a whole number in [min, max]; the error names the allowed range. */
export function intOption(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, got "${value}".`);
    }
    return n;
  };
}

/** Commander collector for repeatable options (`--path a --path b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
