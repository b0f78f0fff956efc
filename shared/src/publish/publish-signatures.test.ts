/** verify-signatures: sign-artifacts' verify gate runs on the tree before anything is written. */
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../core/logger.ts';
import { KeySigner, signArtifacts, trustPolicy } from '../sign/index.ts';
import { FileStorage } from '../storage/file-storage.ts';
import { keySigningOptions, TEST_BUILD_CONTEXT, testKeyPair } from '../testing/sigstore.ts';
import { contentTypeFor } from './content-type.ts';
import { keyFor, parseLayout } from './layout.ts';
import { type PublishOptions, publishBinaries } from './publish.ts';
import { makeReleaseTree } from './release-tree.fixture.ts';
import { IMMUTABLE_CACHE_CONTROL } from './upload.ts';

const VERSION = 'v1.31.2';
const keys = testKeyPair();
let work: string;
let source: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'publish-signatures-'));
  source = path.join(work, 'release');
  await makeReleaseTree(source);
  // As a release is staged: the fixture's provenance.json replaced by a signed statement of the files.
  await signArtifacts(keySigningOptions(source, keys.privatePem, { provenance: TEST_BUILD_CONTEXT }), new RecordingLogger());
});
afterAll(() => rm(work, { recursive: true, force: true }));

function options(dest: string): PublishOptions {
  const layout = parseLayout('kubernetes');
  const storage = new FileStorage(dest);
  return {
    sourceDir: source,
    version: VERSION,
    destinations: [{ name: dest, storage, keyFor: (p) => keyFor(layout, VERSION, p) }],
    checksums: true,
    cacheControl: IMMUTABLE_CACHE_CONTROL,
    contentTypeOf: contentTypeFor,
    concurrency: 4,
    dryRun: false,
    signatures: {
      workspace: source,
      files: ['**/*'],
      trust: trustPolicy({ publicKey: KeySigner.fromPem(keys.privatePem).publicKey, tlog: false }),
    },
  };
}

describe('publishBinaries with verify-signatures', () => {
  it('publishes a tree whose signatures verify, and refuses a tampered one before writing anything', async () => {
    const good = path.join(work, 'good');
    const logger = new RecordingLogger();
    await publishBinaries(options(good), logger);
    expect(logger.lines).toContain('group: Verify signatures');
    expect(existsSync(path.join(good, 'release', VERSION, 'index.json'))).toBe(true);
    expect(existsSync(path.join(good, 'release', VERSION, 'bin/linux/amd64/kubectl.sigstore.json'))).toBe(true);

    await appendFile(path.join(source, 'provenance.json'), ' ');
    await appendFile(path.join(source, 'kubernetes.tar.gz'), 'tampered');
    const bad = path.join(work, 'bad');
    await expect(publishBinaries(options(bad), new RecordingLogger())).rejects.toMatchObject({ code: 'VERIFICATION_FAILED' });
    expect(existsSync(bad)).toBe(false);
  });
});
