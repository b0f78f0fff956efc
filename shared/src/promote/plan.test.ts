import { describe, expect, it } from 'vitest';
import { type Edge, edgesOf, type Observed, plan, tagConflicts } from './plan.ts';
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
