import { describe, expect, it } from 'vitest';
import { classify, type Edge, edgesOf, type Observed, type PlannedEdge, plan, tagConflicts, writes } from './plan.ts';
import type { ImageSpec } from './spec.ts';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

function spec(digest: string, tags: string[], destinations = ['m1/app', 'm2/app']): ImageSpec {
  return { image: 'app', source: 's/app', digest, tags, destinations, origin: 'test' };
}

function observed(state: {
  source?: readonly string[];
  tags?: Readonly<Record<string, string>>;
  digests?: readonly string[];
  unverified?: readonly string[];
}): Observed {
  return {
    sourceHas: (_s, d) => (state.source ?? [A, B]).includes(d),
    tagDigest: (dst, tag) => state.tags?.[`${dst}:${tag}`],
    destinationHas: (dst, d) => (state.digests ?? []).includes(`${dst}@${d}`),
    unverified: (_s, d) => (state.unverified?.includes(d) ? 'no signature' : undefined),
  };
}

describe('edgesOf', () => {
  it('one edge per image, digest, destination and tag; a digest without tags is one edge', () => {
    expect(edgesOf([spec(A, ['v1', 'latest'])])).toHaveLength(4);
    expect(edgesOf([spec(A, [])]).map((e: Edge) => e.tag)).toEqual([undefined, undefined]);
  });
});

describe('tagConflicts', () => {
  it('refuses two digests for one tag, naming image and tag', () => {
    const problems = tagConflicts(edgesOf([spec(A, ['v1']), spec(B, ['v1'])]));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('image app: tag v1');
  });
  it('accepts one digest listed twice', () => {
    expect(tagConflicts(edgesOf([spec(A, ['v1']), spec(A, ['v1'])]))).toEqual([]);
  });
  it('plan throws before classifying', () => {
    expect(() => plan([spec(A, ['v1']), spec(B, ['v1'])], observed({}), false)).toThrow(/two digests/);
  });
});

describe('plan classification', () => {
  const one = (digest: string, tags: string[]) => [spec(digest, tags, ['m1/app'])];
  it.each([
    ['tag already at the digest', one(A, ['v1']), { tags: { 'm1/app:v1': A } }, false, 'skip'],
    ['digest there, no tag asked', one(A, []), { digests: [`m1/app@${A}`] }, false, 'skip'],
    ['digest there, tag missing', one(A, ['v1']), { digests: [`m1/app@${A}`] }, false, 'tag'],
    ['nothing there', one(A, ['v1']), {}, false, 'copy'],
    ['nothing there, by digest', one(A, []), {}, false, 'copy'],
    ['tag at another digest', one(A, ['v1']), { tags: { 'm1/app:v1': B } }, false, 'move'],
    ['tag at another digest, allowed', one(A, ['v1']), { tags: { 'm1/app:v1': B } }, true, 'move'],
    ['source lacks the digest', one(A, ['v1']), { source: [B] }, false, 'missing'],
    ['source lacks it but the mirror has it', one(A, ['v1']), { source: [B], tags: { 'm1/app:v1': A } }, false, 'skip'],
    ['signature does not verify', one(A, ['v1']), { unverified: [A] }, false, 'unverified'],
  ] as const)('%s', (_name, specs, state, allow, action) => {
    const [edge] = plan(specs, observed(state), allow);
    expect(edge?.action).toBe(action);
    const isError = action === 'missing' || action === 'unverified' || (action === 'move' && !allow);
    expect(edge?.error !== undefined).toBe(isError);
  });
  it('a refused move names image and tag', () => {
    const [edge] = plan([spec(A, ['v1'], ['m1/app'])], observed({ tags: { 'm1/app:v1': B } }), false);
    expect(edge?.error).toMatch(/image app: tag v1/);
    expect(edge?.previous).toBe(B);
  });
});

describe('plan rules', () => {
  it('edges carry image, source, digest, destination and tag; repeated specs give one edge each', () => {
    const edges = edgesOf([spec(A, ['v1', 'v2'], ['m1/app']), spec(A, ['v1'], ['m1/app']), spec(B, [], ['m1/app'])]);
    expect(edges).toStrictEqual([
      { image: 'app', source: 's/app', digest: A, destination: 'm1/app', tag: 'v1' },
      { image: 'app', source: 's/app', digest: A, destination: 'm1/app', tag: 'v2' },
      { image: 'app', source: 's/app', digest: B, destination: 'm1/app' },
    ]);
    expect(edgesOf([spec(A, []), spec(B, [])])).toHaveLength(4);
    expect(edgesOf([])).toEqual([]);
  });

  it('names both digests of a conflict; digests without tags never conflict', () => {
    expect(tagConflicts(edgesOf([spec(A, ['v1'], ['m1/app']), spec(B, ['v1', 'v2'], ['m1/app'])]))).toEqual([
      `image app: tag v1 of m1/app is given two digests, ${A} and ${B}`,
    ]);
    expect(tagConflicts(edgesOf([spec(A, [], ['m1/app']), spec(B, [], ['m1/app'])]))).toEqual([]);
    const [first] = edgesOf([spec(A, ['v1'], ['m1/app'])]) as [Edge];
    expect(tagConflicts([first, { ...first }])).toEqual([]);
    expect(tagConflicts(edgesOf([spec(A, ['v1'], ['m1/app']), spec(B, ['v1'], ['m2/app'])]))).toEqual([]);
    expect(() => plan([spec(A, ['v1']), spec(B, ['v1'])], observed({}), true)).toThrow(
      `the plan is refused before any write: image app: tag v1 of m1/app is given two digests, ${A} and ${B}; image app: tag v1 of m2/app is given two digests, ${A} and ${B}`,
    );
  });

  const edge = (tag?: string): Edge => ({
    image: 'app',
    source: 's/app',
    digest: A,
    destination: 'm1/app',
    ...(tag ? { tag } : {}),
  });
  it.each([
    ['copy', edge('v1'), {}, false, { action: 'copy' }],
    ['tag', edge('v1'), { digests: [`m1/app@${A}`] }, false, { action: 'tag' }],
    ['skip by tag', edge('v1'), { tags: { 'm1/app:v1': A }, source: [] }, false, { action: 'skip' }],
    ['skip by digest', edge(), { digests: [`m1/app@${A}`], source: [] }, false, { action: 'skip' }],
    ['missing', edge('v1'), { source: [B] }, false, { action: 'missing', error: `s/app@${A} is not in the source` }],
    ['unverified', edge('v1'), { unverified: [A] }, false, { action: 'unverified', error: 'no signature' }],
    [
      'missing before unverified',
      edge(),
      { source: [], unverified: [A] },
      false,
      { action: 'missing', error: `s/app@${A} is not in the source` },
    ],
    [
      'a refused move',
      edge('v1'),
      { tags: { 'm1/app:v1': B }, digests: [`m1/app@${A}`] },
      false,
      { action: 'move', previous: B, error: `image app: tag v1 of m1/app is at ${B}; moving it needs allow-tag-moves` },
    ],
    ['an allowed move', edge('v1'), { tags: { 'm1/app:v1': B } }, true, { action: 'move', previous: B }],
    [
      'an unverified move',
      edge('v1'),
      { tags: { 'm1/app:v1': B }, unverified: [A] },
      true,
      { action: 'unverified', error: 'no signature' },
    ],
  ] as const)('classifies %s', (_name, e, state, allow, expected) => {
    const planned = classify(e, observed(state), allow);
    expect(planned).toStrictEqual({ ...e, ...expected });
  });

  it('an untagged edge asks for no tag; a survey without signatures has none unverified', () => {
    const strict: Observed = {
      sourceHas: () => true,
      tagDigest: (_d, tag) => {
        if (tag === undefined) throw new Error('asked for an undefined tag');
        return B;
      },
      destinationHas: () => false,
    };
    expect(classify(edge(), strict, false).action).toBe('copy');
    expect(classify(edge('v1'), strict, true)).toMatchObject({ action: 'move', previous: B });
  });

  it('an edge whose registry reads failed is unreadable, before anything else is asked', () => {
    const failing: Observed = {
      sourceHas: () => false,
      tagDigest: () => A,
      destinationHas: () => true,
      unreadable: (e) => (e.destination === 'm1/app' ? 'GET m1 returned 403' : undefined),
    };
    expect(classify(edge('v1'), failing, false)).toStrictEqual({
      ...edge('v1'),
      action: 'unreadable',
      error: 'GET m1 returned 403',
    });
    expect(classify({ ...edge('v1'), destination: 'm2/app' }, failing, false).action).toBe('skip');
  });

  it.each([
    ['skip', undefined, false],
    ['tag', undefined, true],
    ['copy', undefined, true],
    ['move', undefined, true],
    ['move', 'needs allow-tag-moves', false],
    ['missing', 'not in the source', false],
    ['unverified', 'no signature', false],
    ['unreadable', 'returned 403', false],
  ] as const)('writes for %s (error %s): %s', (action, error, expected) => {
    const planned: PlannedEdge = { ...edge('v1'), action, ...(error ? { error } : {}) };
    expect(writes(planned)).toBe(expected);
  });
});
