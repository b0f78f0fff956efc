import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputReader } from '../../../shared/src/core/inputs.ts';
import { readInputs } from './inputs.ts';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'publish-binaries-inputs-'));
  await mkdir(path.join(work, 'release/bin'), { recursive: true });
  await writeFile(path.join(work, 'release/bin/kubectl'), 'kubectl');
});
afterEach(() => rm(work, { recursive: true, force: true }));

function read(given: Record<string, string>) {
  const inputs = { 'source-dir': 'release', version: 'v1.31.2', destinations: 's3://bucket', ...given };
  return readInputs(new InputReader((name) => inputs[name as keyof typeof inputs] ?? ''), { GITHUB_WORKSPACE: work });
}

/** A file:// URL of a folder of the workspace. */
const folder = (relative: string) => pathToFileURL(path.join(work, relative)).toString();

describe('readInputs: manifest', () => {
  it('reads the manifest now: its files are what the publish checks the tree against', async () => {
    const subject = { path: 'release/bin/kubectl', size: 7, sha256: 'a'.repeat(64), sha512: 'b'.repeat(128) };
    const manifest = { schemaVersion: 1, files: [subject], images: [], packages: [] };
    await writeFile(path.join(work, 'manifest.json'), JSON.stringify(manifest));
    const inputs = await read({ manifest: 'manifest.json' });
    expect(inputs.manifest).toBe(path.join(work, 'manifest.json'));
    expect(inputs.options.manifest).toEqual({ files: [subject], workspace: work });
    // A manifest not written yet is an empty one.
    expect((await read({ manifest: 'later.json' })).options.manifest).toEqual({ files: [], workspace: work });
    expect((await read({})).options.manifest).toBeUndefined();
  });

  it.each([
    ['not JSON', 'not json', 'is not valid JSON'],
    ['against its schema', '{"schemaVersion":1,"files":[{"path":"x"}],"images":[],"packages":[]}', 'does not match the schema'],
  ])('refuses a manifest %s, naming the input, before anything is published', async (_, text, problem) => {
    await writeFile(path.join(work, 'bad.json'), text);
    await expect(read({ manifest: 'bad.json' })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      input: 'manifest',
      message: expect.stringContaining(problem),
    });
  });
});

describe('readInputs: folder destinations', () => {
  it.each([
    ['inside source-dir', 'release', 'release/out'],
    ['at source-dir', 'release', 'release'],
    ['whose release folder holds source-dir', 'out/release/v1.31.2/tree', 'out'],
    ['whose release folder is source-dir', 'release/v1.31.2', '.'],
    ['around source-dir, its release folder inside it', 'release', '.'],
    ['inside source-dir through a link', 'release', 'link/out'],
  ])('refuses one %s: a rerun would find the first run’s output in the tree', async (_, source, destination) => {
    await mkdir(path.join(work, source), { recursive: true });
    await symlink(path.join(work, 'release'), path.join(work, 'link'));
    await expect(read({ 'source-dir': source, destinations: `s3://bucket\n${folder(destination)}` })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      input: 'destinations',
      message: expect.stringContaining('overlaps source-dir'),
    });
  });

  it('takes folders beside source-dir, and one whose release folder is beside it', async () => {
    const destinations = [folder('out'), folder('release-out'), folder('.')].join('\n');
    const { destinations: parsed } = await read({ 'source-dir': 'release', destinations, layout: 'k8s/{version}/{path}' });
    expect(parsed.map((d) => d.scheme)).toEqual(['file', 'file', 'file']);
  });
});
