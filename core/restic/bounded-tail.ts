/**
 * Keeps the last lines of a stream within a line count and a byte budget, so a chatty or runaway restic cannot
 * grow memory without bound while the end of its output (where the reason for a failure is) is kept.
 */
export class BoundedTail {
  private readonly lines: string[] = [];
  private chars = 0;
  private dropped = 0;

  constructor(
    private readonly maxLines = 200,
    private readonly maxChars = 64 * 1024,
  ) {}

  push(line: string): void {
    const kept = line.length > this.maxChars ? `${line.slice(0, this.maxChars - 1)}…` : line;
    this.lines.push(kept);
    this.chars += kept.length + 1;
    while (this.lines.length > this.maxLines || this.chars > this.maxChars) {
      this.chars -= this.lines.shift()!.length + 1;
      this.dropped++;
    }
  }

  /** Number of lines that fell out of the window. */
  get droppedLines(): number {
    return this.dropped;
  }

  toLines(): string[] {
    return [...this.lines];
  }

  toString(): string {
    return this.lines.join('\n');
  }
}
