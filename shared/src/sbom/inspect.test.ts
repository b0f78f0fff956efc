import { describe, expect, it } from 'vitest';
import type { GoBuildInfo } from './go-buildinfo.ts';
import { goAnalysis } from './inspect.ts';

const binary = (replace?: { path: string; version: string }): GoBuildInfo => ({
  goVersion: 'go1.22.2',
  path: 'example.com/hello',
  main: { path: 'example.com/hello', version: '(devel)' },
  deps: [{ path: 'example.com/greet', version: 'v1.2.3', ...(replace ? { replace } : {}) }],
  settings: [],
});

describe('goAnalysis', () => {
  // Dependencies are merged across binaries by id: a module replaced differently in two binaries is two modules.
  it.each([
    ['by two folders', { path: '../greet1', version: '' }, { path: '../greet2', version: '' }],
    ['by two versions', { path: 'example.com/fork', version: 'v1.0.0' }, { path: 'example.com/fork', version: 'v1.0.1' }],
    ['in one binary only', undefined, { path: '../greet', version: '' }],
  ])('a dependency replaced %s: two ids', (_, a, b) => {
    const [depA] = goAnalysis('bin/a', binary(a)).goDeps;
    const [depB] = goAnalysis('bin/b', binary(b)).goDeps;
    expect(depA?.id).not.toBe(depB?.id);
    expect(depA?.purl).toBe(depB?.purl);
  });

  it('the same replacement in two binaries: one id', () => {
    const replace = { path: '../greet', version: '' };
    expect(goAnalysis('bin/a', binary(replace)).goDeps[0]?.id).toBe(goAnalysis('bin/b', binary(replace)).goDeps[0]?.id);
  });
});
