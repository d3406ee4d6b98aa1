import { describe, expect, it } from 'vitest';
import { LineSplitter, messageTypeOf, parseJsonLine } from './json-lines.js';
import { BoundedTail } from './bounded-tail.js';
import { redact, stripAnsi } from './redact.js';

describe('LineSplitter', () => {
  it('joins lines split across chunks and handles CRLF and a missing final newline', () => {
    const out: string[] = [];
    const s = new LineSplitter((l) => out.push(l));
    s.push('{"a":');
    s.push('1}\r\n{"b"');
    s.push(':2}\nlast');
    expect(out).toEqual(['{"a":1}', '{"b":2}']);
    s.end();
    expect(out).toEqual(['{"a":1}', '{"b":2}', 'last']);
  });

  it('cuts a runaway line instead of growing without bound', () => {
    const out: string[] = [];
    const s = new LineSplitter((l) => out.push(l), 10);
    s.push('x'.repeat(8));
    s.push('y'.repeat(8));
    s.push('\nok\n');
    expect(out).toEqual(['xxxxxxxxyy', 'ok']);
  });
});

describe('parseJsonLine / messageTypeOf', () => {
  it('parses objects and arrays and rejects text', () => {
    expect(parseJsonLine('  {"message_type":"status"} ')).toEqual({ message_type: 'status' });
    expect(parseJsonLine('[]')).toEqual([]);
    expect(parseJsonLine('using temporary cache in /tmp/x')).toBeUndefined();
    expect(parseJsonLine('{"truncated":')).toBeUndefined();
  });

  it('prefers message_type and falls back to struct_type', () => {
    expect(messageTypeOf({ message_type: 'node', struct_type: 'node' })).toBe('node');
    expect(messageTypeOf({ struct_type: 'snapshot' })).toBe('snapshot');
    expect(messageTypeOf([])).toBeUndefined();
  });
});

describe('BoundedTail', () => {
  it('keeps the last lines within a count and a size', () => {
    const t = new BoundedTail(3, 1000);
    for (let i = 0; i < 10; i++) t.push(`line ${i}`);
    expect(t.toLines()).toEqual(['line 7', 'line 8', 'line 9']);
    expect(t.droppedLines).toBe(7);
    const small = new BoundedTail(100, 20);
    small.push('a'.repeat(15));
    small.push('b'.repeat(15));
    expect(small.toString()).toBe('b'.repeat(15));
  });
});

describe('redact / stripAnsi', () => {
  it('removes secrets and terminal escapes', () => {
    expect(redact('pw=s3cret! and s3cret!', ['s3cret!', ''])).toBe('pw=*** and ***');
    expect(stripAnsi('\u001b[2Ksignal interrupt received, cleaning up')).toBe(
      'signal interrupt received, cleaning up',
    );
  });
});
