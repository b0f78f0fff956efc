import { describe, expect, it } from 'vitest';
import { markersSummary } from './report.ts';

describe('markersSummary', () => {
  it('has one row per decision with from, to and action', () => {
    const text = markersSummary({
      decisions: [
        {
          key: 'release/stable.txt',
          version: 'v1.31.2',
          action: 'update',
          from: 'v1.31.1',
          to: 'v1.31.2',
          reason: 'v1.31.2 is newer',
        },
        { key: 'release/stable-1.30.txt', version: 'v1.31.2', action: 'create', from: undefined, to: 'v1.31.2', reason: 'x' },
        {
          key: 'release/stable-1.txt',
          version: 'v1.31.2',
          action: 'skip',
          from: 'v1.31.3',
          to: 'v1.31.3',
          reason: 'v1.31.3 is newer',
        },
      ],
      updated: {},
      skipped: { 'release/stable-1.txt': 'v1.31.3 is newer' },
      index: { key: 'release/markers.json', url: 'file:///x/release/markers.json', written: true },
      dryRun: false,
    }).render();
    expect(text).toContain('| Marker | Version | From | To | Action |');
    expect(text).toContain('| release/stable.txt | v1.31.2 | v1.31.1 | v1.31.2 | update |');
    expect(text).toContain('| release/stable-1.30.txt | v1.31.2 | (none) | v1.31.2 | create |');
    expect(text).toContain('| release/stable-1.txt | v1.31.2 | v1.31.3 | v1.31.3 | skip: v1.31.3 is newer |');
    expect(text).toContain('Index file:///x/release/markers.json: rewritten.');
  });
});
