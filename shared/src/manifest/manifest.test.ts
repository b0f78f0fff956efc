import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyManifest, type FileSubject, readManifest, recordProduced, serializeManifest, updateManifest } from './manifest.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'manifest-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const kubectl: FileSubject = { path: 'bin/linux/amd64/kubectl', size: 7, sha256: 'a'.repeat(64), sha512: 'b'.repeat(128) };

describe('release manifest', () => {
  it('reads a missing file as an empty manifest', async () => {
    expect(await readManifest(path.join(dir, 'none.json'))).toEqual(emptyManifest());
  });

  it('records what stages produced, sorted and without duplicates, written atomically', async () => {
    const file = path.join(dir, 'release.json');
    await updateManifest(file, (m) => {
      m.version = 'v1.31.2';
      m.files.push({ ...kubectl }, { ...kubectl, path: 'kubernetes.tar.gz' });
      return m;
    });
    await updateManifest(file, (m) => {
      recordProduced(m.files[0]!, 'signatures', ['bin/linux/amd64/kubectl.sigstore.json']);
      recordProduced(m.files[0]!, 'signatures', ['bin/linux/amd64/kubectl.sigstore.json', 'bin/linux/amd64/kubectl.cert']);
      return undefined;
    });
    const m = await readManifest(file);
    expect(m.files.map((f) => f.path)).toEqual(['bin/linux/amd64/kubectl', 'kubernetes.tar.gz']);
    expect(m.files[0]?.produced?.signatures).toEqual(['bin/linux/amd64/kubectl.cert', 'bin/linux/amd64/kubectl.sigstore.json']);
    expect(await readFile(file, 'utf8')).toBe(serializeManifest(m));
  });

  it('serialises deterministically whatever the insertion order', () => {
    const a = emptyManifest();
    a.files.push({ ...kubectl, path: 'b' }, { ...kubectl, path: 'a' });
    const b = emptyManifest();
    b.files.push({ ...kubectl, path: 'a' }, { ...kubectl, path: 'b' });
    expect(serializeManifest(a)).toBe(serializeManifest(b));
    // Code-unit order and sorted keys: the same bytes in every locale and whichever step recorded first.
    const c = emptyManifest();
    c.files.push({ ...kubectl, path: 'a' }, { ...kubectl, path: 'B' });
    recordProduced(c.files[0] as FileSubject, 'signatures', ['a.sig']);
    recordProduced(c.files[0] as FileSubject, 'published', ['https://x/a']);
    const text = serializeManifest(c);
    expect(text.indexOf('"path": "B"')).toBeLessThan(text.indexOf('"path": "a"'));
    expect(text.indexOf('"published"')).toBeLessThan(text.indexOf('"signatures"'));
  });

  it('refuses documents that break the schema, on read and on write', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({ schemaVersion: 1, files: [{ ...kubectl, sha256: 'nope' }], images: [], packages: [] }),
    );
    await expect(readManifest(file)).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
    await writeFile(file, '{not json');
    await expect(readManifest(file)).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
    const good = path.join(dir, 'good.json');
    await expect(
      updateManifest(good, (m) => {
        m.files.push({ ...kubectl, path: '../escape' });
        return m;
      }),
    ).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
    await expect(readFile(good, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('serialises concurrent updates from several steps', async () => {
    const file = path.join(dir, 'concurrent.json');
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        updateManifest(file, (m) => {
          m.files.push({ ...kubectl, path: `file-${String(i).padStart(2, '0')}` });
          return m;
        }),
      ),
    );
    expect((await readManifest(file)).files).toHaveLength(12);
  });

  it('breaks the lock a killed step left behind, once it is stale', async () => {
    const file = path.join(dir, 'abandoned.json');
    await writeFile(`${file}.lock`, 'a killed step');
    const long = new Date(Date.now() - 120_000);
    await utimes(`${file}.lock`, long, long);
    await updateManifest(file, (m) => {
      m.files.push(kubectl);
      return m;
    });
    expect((await readManifest(file)).files).toEqual([kubectl]);
  });
});
