import { describe, expect, it } from 'vitest';
import { InputError } from './errors.ts';
import { formatBytes, Summary } from './summary.ts';
import { rfc3339, sourceDate } from './time.ts';

describe('summary', () => {
  it('renders markdown tables, escaping pipes and newlines', () => {
    const text = new Summary()
      .heading('publish-binaries')
      .table(
        ['file', 'status'],
        [
          ['a|b', 'uploaded'],
          ['c', 'line1\nline2\rline3'],
        ],
      )
      .render();
    expect(text).toBe(
      '## publish-binaries\n\n| file | status |\n| --- | --- |\n| a\\|b | uploaded |\n| c | line1<br>line2<br>line3 |\n',
    );
  });

  it('formats byte counts', () => {
    expect(formatBytes(12)).toBe('12 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GiB');
  });
});

describe('SOURCE_DATE_EPOCH', () => {
  it('uses the epoch when set and rejects garbage', () => {
    expect(rfc3339(sourceDate({ SOURCE_DATE_EPOCH: '1700000000' }))).toBe('2023-11-14T22:13:20Z');
    expect(() => sourceDate({ SOURCE_DATE_EPOCH: 'yesterday' })).toThrow(InputError);
    expect(rfc3339(sourceDate({ SOURCE_DATE_EPOCH: '253402300799' }))).toBe('9999-12-31T23:59:59Z');
    // Milliseconds by mistake: refused before anything is signed, not a time past the year 9999.
    expect(() => sourceDate({ SOURCE_DATE_EPOCH: '1700000000000' })).toThrow(/not milliseconds \(1700000000\?\)/);
    // Unset: now, whatever the machine's speed — between two readings of the clock taken around it.
    const before = Date.now();
    const now = sourceDate({}).getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
