import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, progressLine } from './format.js';

describe('cli format', () => {
  it('formats bytes and durations', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(500 * 1024 * 1024)).toBe('500.0 MiB');
    expect(formatDuration(59)).toBe('0:59');
    expect(formatDuration(3725)).toBe('1:02:05');
  });

  it('draws a progress line that fits the terminal', () => {
    const line = progressLine(
      {
        fraction: 0.5,
        bytesDone: 1024 ** 3,
        bytesTotal: 2 * 1024 ** 3,
        filesDone: 10,
        filesTotal: 20,
        secondsRemaining: 90,
        currentFiles: ['/home/ada/a/very/long/path/to/some/file/that/does/not/fit/in/the/line.txt'],
      },
      100,
    );
    expect(line).toContain('[##########----------]  50.0%  1.00 GiB / 2.00 GiB  10 / 20 files  ETA 1:30');
    expect(line.length).toBeLessThan(100);
    expect(line).toContain('line.txt');
  });

  it('says scanning before restic knows the total', () => {
    expect(progressLine({ bytesDone: 0, filesDone: 0, currentFiles: [] }, 80)).toContain('scanning');
  });
});
