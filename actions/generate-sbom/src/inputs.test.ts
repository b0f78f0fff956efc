import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputReader } from '../../../shared/src/core/inputs.ts';
import { githubContext } from '../../../shared/src/runner/run-bundle.ts';
import { readInputs } from './inputs.ts';

describe('readInputs', () => {
  let dir: string;
  let ws: string;
  const read = (given: Record<string, string>) =>
    readInputs(new InputReader((name) => ({ files: 'release/**', ...given })[name] ?? ''), githubContext(ws));
  const fails = (given: Record<string, string>, input: string) =>
    expect(() => read(given)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', input }));

  beforeAll(async () => {
    dir = await realpath(await mkdtemp(path.join(tmpdir(), 'sbom-inputs-')));
    ws = path.join(dir, 'ws');
    await mkdir(path.join(dir, 'outside'), { recursive: true });
    await mkdir(path.join(ws, 'release'), { recursive: true });
    await symlink(path.join(dir, 'outside'), path.join(ws, 'out'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  // A folder written to may not lead out of the workspace through a symlink, there or on the way to where it would be.
  it.each([
    ['output-dir', 'out'],
    ['output-dir', 'out/sbom'],
    ['cache-dir', 'out'],
    ['cache-dir', 'out/cache/new'],
  ])('%s %s through a symlink to outside the workspace is refused', (input, value) => fails({ [input]: value }, input));

  it('the default output-dir is checked as well', async () => {
    await symlink(path.join(dir, 'outside'), path.join(ws, 'sbom'));
    try {
      fails({}, 'output-dir');
    } finally {
      await rm(path.join(ws, 'sbom'));
    }
  });

  // The documents are named and excluded from the files by these paths: the way they were written does not matter.
  it.each([
    ['', 'sbom'],
    ['/docs/sbom', 'docs/sbom'],
    ['/release/sbom/', 'release/sbom'],
    ['./release/sbom', 'release/sbom'],
    ['release//sbom/', 'release/sbom'],
    ['.', '.'],
  ])('output-dir %j (after the workspace when it starts with /) is %j', (given, want) => {
    const value = given.startsWith('/') ? `${ws}${given}` : given;
    expect(read({ 'output-dir': value }).options.outputDir).toBe(want);
  });

  it.each([
    ['/release', 'release'],
    ['./release/', 'release'],
    ['release', 'release'],
    ['/', undefined],
  ])('base-dir %j (after the workspace when it starts with /) is %j', (given, want) => {
    const value = given.startsWith('/') ? `${ws}${given}` : given;
    expect(read({ 'base-dir': value }).options.baseDir).toBe(want);
  });

  it.each(['https://example.com/sboms#x', 'https://example.com/#', 'example.com/sboms'])('namespace %j is refused', (namespace) =>
    fails({ namespace }, 'namespace'),
  );

  it('a cache-dir inside the workspace is absolute', () => {
    expect(read({ 'cache-dir': 'cache' }).cacheDir).toBe(path.join(ws, 'cache'));
  });
});
