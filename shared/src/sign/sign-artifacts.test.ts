/**
 * How signArtifacts uses its hasher: every file is queued at once, so a file whose hash fails long before its signing
 * slot comes fails alone, as that file's failure, never as a rejection nobody handled.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDigests } from '../core/file-digests.ts';
import { Hasher, type HashThread } from '../core/hasher.ts';
import { RecordingLogger } from '../core/logger.ts';
import { keySigningOptions, testKeyPair } from '../testing/sigstore.ts';
import { SigningError } from './errors.ts';
import { signArtifacts } from './index.ts';

const keys = testKeyPair();
const NAMES = ['a', 'b', 'c', 'd', 'z-unreadable'];
let workspace: string;

beforeAll(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), 'sign-hasher-'));
  await mkdir(path.join(workspace, 'release'));
  for (const [i, name] of NAMES.entries())
    await writeFile(path.join(workspace, 'release', name), Buffer.alloc(1000 * (i + 1), i));
});
afterAll(() => rm(workspace, { recursive: true, force: true }));

/** Threads that hash on the calling thread at once, except the unreadable file, which fails as a read would. */
function hasher(hashed: string[]): Hasher {
  const buffer = Buffer.alloc(1 << 16);
  const startThread = (): HashThread => ({
    alive: true,
    keepAlive: () => {},
    hash: async (request) => {
      hashed.push(path.basename(request.file));
      if (request.file.endsWith('z-unreadable'))
        throw Object.assign(new Error(`EACCES: permission denied, open '${request.file}'`), { code: 'EACCES' });
      return readDigests(request, buffer);
    },
  });
  return new Hasher({ threads: 2, startThread });
}

describe('signArtifacts with its hasher', () => {
  it('hashes every file once; a file that cannot be read fails alone, named, and the others are signed', async () => {
    const hashed: string[] = [];
    const run = signArtifacts(
      keySigningOptions(workspace, keys.privatePem, {
        files: ['release/**'],
        // One slot: the unreadable file's turn comes long after its hash failed.
        concurrency: 1,
        hasher: hasher(hashed),
      }),
      new RecordingLogger(),
    );
    const error = await run.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(SigningError);
    expect((error as SigningError).failures.map((f) => f.path)).toEqual(['release/z-unreadable']);
    expect([...hashed].sort()).toEqual(NAMES);
    for (const name of NAMES.slice(0, -1)) await stat(path.join(workspace, 'release', `${name}.sigstore.json`));
  });
});
