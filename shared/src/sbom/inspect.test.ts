import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { link, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { AnalysisCache } from './cache.ts';
import type { GoBuildInfo } from './go-buildinfo.ts';
import { ANALYSIS_FORM, goAnalysis, inspectFile } from './inspect.ts';

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

describe('inspectFile, a tarball with hard links', () => {
  let dir: string;
  const tar = (...args: string[]) => execFileSync('tar', args, { cwd: path.join(dir, 'src') });
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sbom-hardlink-'));
    await mkdir(path.join(dir, 'src/bin'), { recursive: true });
    await writeFile(path.join(dir, 'src/bin/kubectl'), 'binary\n');
    await link(path.join(dir, 'src/bin/kubectl'), path.join(dir, 'src/bin/kubectl-convert'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  // GNU tar stores the second name as a hard link (type 1, no bytes); extracted, it is the same file again.
  it('a hard link is a member with the content of its target', async () => {
    tar('-czf', '../k.tar.gz', 'bin/kubectl', 'bin/kubectl-convert');
    const { node, warnings } = await inspectFile(path.join(dir, 'k.tar.gz'), 'k.tar.gz', { version: 'v1' });
    expect(warnings).toEqual([]);
    const [kubectl, convert] = node.contains;
    expect(node.contains.map((m) => m.name)).toEqual(['bin/kubectl', 'bin/kubectl-convert']);
    expect(convert).toMatchObject({ kind: 'archive-member', size: 7, checksums: kubectl?.checksums });
  });

  it('a hard link to no member before it: not a readable tarball', async () => {
    tar('-cf', '../orphan.tar', 'bin/kubectl', 'bin/kubectl-convert');
    tar('--delete', '-f', '../orphan.tar', 'bin/kubectl');
    const { node, warnings } = await inspectFile(path.join(dir, 'orphan.tar'), 'orphan.tar', { version: 'v1' });
    expect(node.contains).toEqual([]);
    expect(warnings.join('\n')).toMatch(/orphan\.tar: not a readable tar/);
  });
});

describe('the analysis cache', () => {
  it('is not read across analysis forms: an entry an earlier form wrote is analysed again', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sbom-cache-form-'));
    try {
      const file = path.join(dir, 'notes.txt');
      const bytes = Buffer.from('release notes\n');
      await writeFile(file, bytes);
      const cache = new AnalysisCache(path.join(dir, 'cache'), 'test');
      const hex = ['sha1', 'sha256', 'sha512'].map((a) =>
        a === 'sha256' ? sha256Hex(bytes) : createHash(a).update(bytes).digest('hex'),
      );
      const poisoned = {
        node: { id: 'stale', kind: 'file', name: 'stale', properties: [], contains: [] },
        goDeps: [],
        warnings: [],
      };
      // Keyed as the builds before the form was part of the key wrote it.
      await cache.put(cache.key(['notes.txt', '1.0.0', ...hex]), poisoned);
      const fresh = await inspectFile(file, 'notes.txt', { version: '1.0.0', cache });
      expect(fresh.node.id).toBe('file:notes.txt');
      // This form's entry is the one read the next time.
      await cache.put(cache.key([String(ANALYSIS_FORM), 'notes.txt', '1.0.0', ...hex]), poisoned);
      expect((await inspectFile(file, 'notes.txt', { version: '1.0.0', cache })).node.id).toBe('stale');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
