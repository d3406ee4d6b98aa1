import type { z } from 'zod';

/** A line longer than this is not a plausible restic message; it is cut to protect memory. */
export const MAX_LINE_CHARS = 256 * 1024 * 1024;

/**
 * Splits a stream of decoded text into lines as chunks arrive; `\r\n` and `\n` end a line, a trailing `\r` is
 * dropped. The caller decodes bytes with a streaming decoder so a multi-byte character split across chunks
 * stays intact.
 */
export class LineSplitter {
  private partial = '';
  private overflowed = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineChars = MAX_LINE_CHARS,
  ) {}

  push(chunk: string): void {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      this.append(chunk.slice(start, nl));
      this.emit();
      start = nl + 1;
    }
    this.append(chunk.slice(start));
  }

  /** Flushes a last line that had no newline. */
  end(): void {
    if (this.partial.length > 0 || this.overflowed) this.emit();
  }

  private append(text: string): void {
    if (this.overflowed) return;
    if (this.partial.length + text.length > this.maxLineChars) {
      this.partial += text.slice(0, this.maxLineChars - this.partial.length);
      this.overflowed = true;
      return;
    }
    this.partial += text;
  }

  private emit(): void {
    let line = this.partial;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    this.partial = '';
    this.overflowed = false;
    this.onLine(line);
  }
}

/**
 * Parses a line that looks like a JSON object or array; undefined for anything else (text progress, warnings,
 * a truncated line), which callers treat as stray output.
 */
export function parseJsonLine(line: string): unknown {
  const t = line.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return undefined;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined;
  }
}

/** Validates a parsed value against a message schema; undefined when it does not fit. */
export function decodeMessage<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> | undefined {
  const r = schema.safeParse(value);
  return r.success ? r.data : undefined;
}

/** The message type of a restic JSON line: `message_type`, or `struct_type` for `ls` on restic < 0.17. */
export function messageTypeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.message_type === 'string') return v.message_type;
  if (typeof v.struct_type === 'string') return v.struct_type;
  return undefined;
}
