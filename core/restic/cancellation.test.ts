import { describe, expect, it } from 'vitest';
import { Cancellation, cancellationOf } from './cancellation.js';

describe('Cancellation', () => {
  it('tells listeners once when forced, also one that subscribes afterwards', () => {
    const c = new Cancellation();
    const seen: string[] = [];
    const off = c.onForce(() => seen.push('a'));
    c.onForce(() => seen.push('b'));
    off();
    c.force();
    c.force();
    c.onForce(() => seen.push('late'));
    expect(seen).toEqual(['b', 'late']);
    expect(c.isForced).toBe(true);
  });

  it('is found on an aborted signal only when it is the reason', () => {
    const a = new AbortController();
    expect(cancellationOf(a.signal)).toBeUndefined();
    const c = new Cancellation();
    a.abort(c);
    expect(cancellationOf(a.signal)).toBe(c);
    const plain = new AbortController();
    plain.abort();
    expect(cancellationOf(plain.signal)).toBeUndefined();
  });
});
