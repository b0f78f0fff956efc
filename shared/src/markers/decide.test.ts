import { describe, expect, it } from 'vitest';
import { decide } from './decide.ts';
import { type MarkerSelection, markerKeys } from './names.ts';
import { parseVersion } from './version.ts';

const must = (text: string) => {
  const v = parseVersion(text, { requireV: true });
  if (!v) throw new Error(`test version ${text} does not parse`);
  return v;
};

/** Applies versions in order to an in-memory bucket exactly as the action decides, and returns it. */
function publish(
  versions: string[],
  selection: Partial<MarkerSelection> = {},
  bucket: Record<string, string> = {},
  allowDowngrade = false,
) {
  const sel: MarkerSelection = { buildType: 'release', root: 'release', fast: false, extraMarkers: [], ...selection };
  const actions: string[] = [];
  for (const text of versions) {
    const version = must(text);
    for (const key of markerKeys(version, sel)) {
      const d = decide(key, bucket[key], version, { allowDowngrade });
      actions.push(`${d.action} ${key}`);
      if (d.action !== 'skip') bucket[key] = d.to;
    }
  }
  return { bucket, actions };
}

describe('decide', () => {
  it('creates a missing marker', () => {
    expect(decide('release/stable.txt', undefined, must('v1.31.2'))).toMatchObject({ action: 'create', to: 'v1.31.2' });
  });
  it('fails on an existing marker that is not a version', () => {
    for (const content of ['', 'garbage', '<html>NoSuchKey</html>', 'v1.31']) {
      expect(() => decide('release/stable.txt', content, must('v1.31.2'))).toThrow(
        expect.objectContaining({ code: 'MARKER_INVALID' }),
      );
    }
  });
  it('reads a value without v or with a trailing newline', () => {
    expect(decide('k', '1.31.2\n', must('v1.31.2'))).toMatchObject({ action: 'skip', from: 'v1.31.2' });
  });
  it('skips an equal version and an older one; downgrades only when allowed', () => {
    expect(decide('k', 'v1.31.2', must('v1.31.2')).action).toBe('skip');
    expect(decide('k', 'v1.31.3', must('v1.31.2'))).toMatchObject({ action: 'skip', reason: 'v1.31.3 is newer' });
    expect(decide('k', 'v1.31.3', must('v1.31.2'), { allowDowngrade: true })).toMatchObject({
      action: 'downgrade',
      from: 'v1.31.3',
      to: 'v1.31.2',
    });
    expect(decide('k', 'v1.31.2', must('v1.31.2'), { allowDowngrade: true }).action).toBe('skip');
  });
});

describe('decide: every outcome, with its reason', () => {
  it.each([
    [undefined, 'v1.31.2', false, { action: 'create', from: undefined, to: 'v1.31.2', reason: 'marker does not exist' }],
    ['v1.31.1', 'v1.31.2', false, { action: 'update', from: 'v1.31.1', to: 'v1.31.2', reason: 'v1.31.2 is newer' }],
    ['v1.31.2', 'v1.31.2', true, { action: 'skip', from: 'v1.31.2', to: 'v1.31.2', reason: 'already up to date' }],
    [
      'v1.31.0-5+a',
      'v1.31.0-5+b',
      true,
      { action: 'skip', from: 'v1.31.0-5+a', to: 'v1.31.0-5+a', reason: 'v1.31.0-5+a is equivalent' },
    ],
    ['v1.31.3', 'v1.31.2', true, { action: 'downgrade', from: 'v1.31.3', to: 'v1.31.2', reason: 'allow-downgrade is set' }],
    ['v1.31.3', 'v1.31.2', false, { action: 'skip', from: 'v1.31.3', to: 'v1.31.3', reason: 'v1.31.3 is newer' }],
  ])('%s, then %s (allow-downgrade %s)', (content, candidate, allowDowngrade, expected) => {
    expect(decide('k', content, must(candidate), { allowDowngrade })).toEqual(expected);
  });
});

describe('sequences', () => {
  it('release after release moves all three stable markers', () => {
    const { bucket } = publish(['v1.31.0', 'v1.31.1', 'v1.32.0']);
    expect(bucket).toEqual({
      'release/stable.txt': 'v1.32.0',
      'release/stable-1.txt': 'v1.32.0',
      'release/stable-1.31.txt': 'v1.31.1',
      'release/stable-1.32.txt': 'v1.32.0',
    });
  });

  it('a patch of an older minor creates stable-1.30.txt and leaves stable.txt and stable-1.txt', () => {
    const { bucket, actions } = publish(['v1.31.2', 'v1.30.9']);
    expect(bucket['release/stable.txt']).toBe('v1.31.2');
    expect(bucket['release/stable-1.txt']).toBe('v1.31.2');
    expect(bucket['release/stable-1.30.txt']).toBe('v1.30.9');
    expect(actions.slice(3)).toEqual(['skip release/stable.txt', 'skip release/stable-1.txt', 'create release/stable-1.30.txt']);
  });

  it('a pre-release after a release moves latest markers only', () => {
    const { bucket } = publish(['v1.31.2', 'v1.32.0-alpha.1']);
    expect(bucket['release/stable.txt']).toBe('v1.31.2');
    expect(bucket['release/latest.txt']).toBe('v1.32.0-alpha.1');
    expect(bucket['release/latest-1.32.txt']).toBe('v1.32.0-alpha.1');
  });

  it('an older pre-release after a newer one is skipped', () => {
    const { bucket, actions } = publish(['v1.32.0-rc.1', 'v1.32.0-rc.0', 'v1.32.0-beta.2']);
    expect(bucket['release/latest.txt']).toBe('v1.32.0-rc.1');
    expect(actions.slice(3).every((a) => a.startsWith('skip'))).toBe(true);
  });

  it('a branch cut (rc.0 of one minor, alpha.0 of the next, in one call) settles on the newest per marker', () => {
    const { bucket } = publish(['v1.32.0-rc.0', 'v1.33.0-alpha.0'], {}, { 'release/latest.txt': 'v1.32.0-beta.2' });
    expect(bucket).toMatchObject({
      'release/latest.txt': 'v1.33.0-alpha.0',
      'release/latest-1.txt': 'v1.33.0-alpha.0',
      'release/latest-1.32.txt': 'v1.32.0-rc.0',
      'release/latest-1.33.txt': 'v1.33.0-alpha.0',
    });
  });

  it('CI versions with build metadata move by commit count; a rebuild of the same count is up to date', () => {
    const ci = { buildType: 'ci' as const, root: 'ci' };
    const { bucket, actions } = publish(
      [
        'v1.32.0-alpha.1.66+d19aec8bf1c8ca',
        'v1.32.0-alpha.1.70+0123456789abcd',
        'v1.32.0-alpha.1.70+fedcba98765432',
        'v1.32.0-alpha.1.9+aaaa',
      ],
      ci,
    );
    expect(bucket['ci/latest.txt']).toBe('v1.32.0-alpha.1.70+0123456789abcd');
    expect(actions.slice(6).every((a) => a.startsWith('skip'))).toBe(true);
  });

  it('the rc.N.M → -N case: the first build after the final tag replaces the rc build', () => {
    const ci = { buildType: 'ci' as const, root: 'ci' };
    const { bucket } = publish(['v1.30.0-rc.2.10+00000000000000', 'v1.30.0-1+11111111111111'], ci);
    expect(bucket['ci/latest.txt']).toBe('v1.30.0-1+11111111111111');
    expect(bucket['ci/latest-1.30.txt']).toBe('v1.30.0-1+11111111111111');
  });

  it('fast builds move only <type>-fast under fast/', () => {
    const fast = { buildType: 'ci' as const, root: 'ci', fast: true };
    const { bucket } = publish(['v1.32.0-alpha.1.5+aaaa', 'v1.32.0-alpha.1.4+bbbb'], fast);
    expect(bucket).toEqual({ 'ci/fast/latest-fast.txt': 'v1.32.0-alpha.1.5+aaaa' });
  });

  it('extra markers follow the same rule', () => {
    const { bucket } = publish(['v1.31.2', 'v1.31.1'], { extraMarkers: ['k8s-stable'] });
    expect(bucket['release/k8s-stable.txt']).toBe('v1.31.2');
  });

  it('allow-downgrade rolls a marker back deliberately', () => {
    const { bucket } = publish(['v1.31.1'], {}, { 'release/stable.txt': 'v1.31.2' }, true);
    expect(bucket['release/stable.txt']).toBe('v1.31.1');
  });
});
