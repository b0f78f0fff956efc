/** verify-signatures through the bundle (the Sigstore verifier is a chunk loaded on demand). */
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../../shared/src/core/logger.ts';
import { makeReleaseTree } from '../../../shared/src/publish/release-tree.fixture.ts';
import { signArtifacts } from '../../../shared/src/sign/index.ts';
import { runBundleScanned } from '../../../shared/src/testing/secrets.ts';
import { keySigningOptions, TEST_BUILD_CONTEXT, testKeyPair } from '../../../shared/src/testing/sigstore.ts';

const keys = testKeyPair();
let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'publish-binaries-signatures-'));
  await makeReleaseTree(path.join(work, 'workspace', 'release'));
  await writeFile(path.join(work, 'workspace', 'release-key.pem'), keys.publicPem);
  await signArtifacts(
    keySigningOptions(path.join(work, 'workspace', 'release'), keys.privatePem, { provenance: TEST_BUILD_CONTEXT }),
    new RecordingLogger(),
  );
});
afterAll(() => rm(work, { recursive: true, force: true }));

function publish(destination: string, inputs: Record<string, string> = {}) {
  return runBundleScanned('publish-binaries', {
    workspace: path.join(work, 'workspace'),
    inputs: {
      'source-dir': 'release',
      version: 'v1.31.2',
      destinations: pathToFileURL(destination).toString(),
      'verify-signatures': 'true',
      'public-key': 'release-key.pem',
      ...inputs,
    },
    timeoutMs: 30_000,
  });
}

describe('publish-binaries bundle: verify-signatures', () => {
  it('requires a signature of every file but those signature-exclude names (which are published all the same)', async () => {
    const notes = path.join(work, 'workspace', 'release', 'notes');
    await mkdir(notes);
    await writeFile(path.join(notes, 'CHANGELOG.md'), 'unsigned, as sign-artifacts was told to exclude it\n');
    try {
      const refusedAt = path.join(work, 'unsigned');
      const refused = await publish(refusedAt);
      expect(refused.exitCode).toBe(1);
      expect(refused.annotations[0]?.message).toContain('notes/CHANGELOG.md');
      expect(await readdir(refusedAt).catch(() => [])).toEqual([]);

      const excludedAt = path.join(work, 'excluded');
      const run = await publish(excludedAt, { 'signature-exclude': 'notes/**\nREADME*' });
      expect(run.annotations, run.stdout).toEqual([]);
      expect(run.exitCode).toBe(0);
      const index = await readFile(path.join(excludedAt, 'release', 'v1.31.2', 'index.json'), 'utf8');
      expect(JSON.parse(index).files.map((f: { path: string }) => f.path)).toContain('notes/CHANGELOG.md');
    } finally {
      await rm(notes, { recursive: true });
    }
  });

  it('publishes a tree whose signatures verify for the key, and refuses a tampered tree before writing', async () => {
    const good = path.join(work, 'good');
    const run = await publish(good);
    expect(run.annotations, run.stdout).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('::group::Verify signatures');
    expect(run.stdout).toContain('provenance.json verified (provenance naming 7 of the verified files)');
    expect(await readdir(path.join(good, 'release', 'v1.31.2'))).toContain('index.json');

    await appendFile(path.join(work, 'workspace', 'release', 'kubernetes.tar.gz'), 'tampered');
    const bad = path.join(work, 'bad');
    const refused = await publish(bad);
    expect(refused.exitCode).toBe(1);
    expect(refused.annotations.filter((a) => a.level === 'error')).toHaveLength(1);
    expect(refused.annotations[0]?.message).toContain('kubernetes.tar.gz');
    expect(await readdir(bad).catch(() => [])).toEqual([]);
  });
});
